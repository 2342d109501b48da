#if canImport(Glibc)
import Glibc
#endif

/// File helpers for the command line.
enum GlamFiles {
    static func write(path: String, bytes: UnsafeRawBufferPointer) throws {
        guard let file = fopen(path, "wb") else {
            throw CLIError("cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        guard bytes.isEmpty || fwrite(bytes.baseAddress, 1, bytes.count, file) == bytes.count else {
            throw CLIError("short write to '\(path)'")
        }
    }

    static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw CLIError("cannot create directory '\(path)': \(String(cString: strerror(errno)))")
        }
    }
}

/// An error of the command line itself, printed as it is.
struct CLIError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Wall-clock seconds, for the demo's timing report.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
