import Foundation

/// This process's memory, as the kernel counts it.
public enum ProcessMemory {
    /// Peak resident set size so far (getrusage's ru_maxrss, kilobytes on Linux).
    public static func peakResidentBytes() -> UInt64 {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return UInt64(max(usage.ru_maxrss, 0)) * 1024
    }
}
