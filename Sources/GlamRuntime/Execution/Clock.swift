#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time and process memory, for profiles and benchmarks.
public enum Clock {
    /// Seconds on the monotonic clock.
    public static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Peak resident set size of this process in bytes (getrusage's ru_maxrss).
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
