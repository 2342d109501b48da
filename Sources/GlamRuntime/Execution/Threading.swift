import COpenBLAS

/// Library-wide threading settings.
public enum Threading {
    /// Sets the number of threads OpenBLAS uses for GEMMs; values below 1 are treated as 1.
    ///
    /// The setting is process-wide, because OpenBLAS keeps one thread pool per process.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(clamping: max(1, count)))
    }

    /// The number of threads OpenBLAS currently uses.
    public static var threadCount: Int {
        Int(openblas_get_num_threads())
    }
}
