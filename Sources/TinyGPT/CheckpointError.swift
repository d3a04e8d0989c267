/// Why a checkpoint could not be read or written, naming the file.
public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String

    public init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
