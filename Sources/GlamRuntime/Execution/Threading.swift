#if canImport(Glibc)
import Glibc
#endif
import CDNNL
import COpenBLAS

/// Library-wide threading and GEMM settings.
///
/// One thread count governs everything: OpenBLAS's pool, and the OpenMP team that oneDNN uses
/// for each calling thread. The GEMM backend decides which library runs FLOAT GEMMs, so only
/// one of the two pools is busy at a time.
public enum Threading {
    /// The library that runs FLOAT matrix products.
    public enum GEMMBackend: String, Sendable {
        /// oneDNN (Debian's libdnnl 2.6): picks its kernels from the CPU at run time.
        case oneDNN = "onednn"
        /// OpenBLAS (Debian's 0.3.21).
        /// NOTE: its run-time CPU detection does not know every recent CPU and may fall back to
        /// a generic SSE3 kernel (measured 59 vs 300 GFLOP/s on a Sapphire Rapids VM); set
        /// OPENBLAS_CORETYPE before the process starts to override it.
        case openBLAS = "openblas"
    }

    private static let lock = Mutex()
    nonisolated(unsafe) private static var storedThreadCount = max(1, Int(omp_get_max_threads()))
    nonisolated(unsafe) private static var storedBackend: GEMMBackend = {
        guard let raw = getenv("GLAM_GEMM"), let backend = GEMMBackend(rawValue: String(cString: raw)) else {
            return .oneDNN
        }
        return backend
    }()

    /// Sets the number of threads for GEMMs and parallel loops; values below 1 are treated as 1.
    ///
    /// The setting is process-wide, because OpenBLAS keeps one thread pool per process.
    public static func setThreadCount(_ count: Int) {
        let clamped = max(1, min(count, 4096))
        lock.withLock { storedThreadCount = clamped }
        applyOpenBLASThreads()
        omp_set_num_threads(Int32(clamped))
    }

    /// The thread count set last (initially OpenMP's default, the number of CPUs).
    public static var threadCount: Int {
        lock.withLock { storedThreadCount }
    }

    /// The FLOAT GEMM backend; the environment variable GLAM_GEMM (onednn or openblas) sets the default.
    public static var gemmBackend: GEMMBackend {
        get { lock.withLock { storedBackend } }
        set {
            lock.withLock { storedBackend = newValue }
            applyOpenBLASThreads()
        }
    }

    /// With oneDNN in charge, OpenBLAS only receives small products and DOUBLE ones and runs them on
    /// the calling thread, so its pool never wakes up beside oneDNN's OpenMP team.
    private static func applyOpenBLASThreads() {
        let (count, backend) = lock.withLock { (storedThreadCount, storedBackend) }
        openblas_set_num_threads(Int32(backend == .openBLAS ? count : 1))
    }

    /// Applies the thread count to the calling thread's OpenMP team, which is per thread, and
    /// the first time also the OpenBLAS setting that goes with the backend.
    static func prepareCallingThread() {
        _ = openBLASConfigured
        omp_set_num_threads(Int32(threadCount))
    }

    private static let openBLASConfigured: Void = applyOpenBLASThreads()
}
