/// A benchmark could not run: bad settings, a missing file, or a stage that failed or timed out.
public enum BenchError: Error, CustomStringConvertible {
    case invalid(String)
    case failed(String)

    public var description: String {
        switch self {
        case .invalid(let m): return "bench: \(m)"
        case .failed(let m): return "bench failed: \(m)"
        }
    }
}
