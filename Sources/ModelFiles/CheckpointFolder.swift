import Foundation

/// A checkpoint folder replaced whole: its files are written into a temporary folder beside
/// it, which is then renamed into place, so a crash or a full disk mid-save leaves the
/// previous checkpoint as it was.
public enum CheckpointFolder {
    /// Writes `files` (name → bytes) and `tensorFiles` (name → tensors, streamed to disk) as
    /// the folder `dir`, replacing what was there.
    public static func write(_ files: [String: Data], tensorFiles: [String: TensorFile] = [:], to dir: String) throws {
        let fm = FileManager.default
        let final = URL(fileURLWithPath: dir).standardizedFileURL
        let tmp = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).tmp-\(getpid())")
        try? fm.removeItem(at: tmp)
        do {
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            for (name, data) in files { try data.write(to: tmp.appendingPathComponent(name)) }
            for (name, tensors) in tensorFiles { try tensors.write(to: tmp.appendingPathComponent(name).path) }
        } catch {
            try? fm.removeItem(at: tmp)
            throw ModelFileError(tmp.path, "could not write the checkpoint (\(error.localizedDescription)); check free disk space and permissions")
        }
        let old = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).old-\(getpid())")
        do {
            if fm.fileExists(atPath: final.path) { try fm.moveItem(at: final, to: old) }
            try fm.moveItem(at: tmp, to: final)
        } catch {
            throw ModelFileError(final.path, "could not move the new checkpoint into place (\(error.localizedDescription))")
        }
        try? fm.removeItem(at: old)
    }
}

/// A safetensors file of a checkpoint, written tensor by tensor (`SafetensorsWriter`) from
/// buffers the caller keeps alive until the save returns: a 135M-parameter model and its
/// optimizer's moments (1.6 GB) are never copied into one Data first.
public struct TensorFile {
    public var tensors: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)]
    public var metadata: [String: String]

    public init(_ tensors: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)], metadata: [String: String] = [:]) {
        for t in tensors { precondition(t.shape.reduce(1, *) == t.data.count, "shape of \(t.name) does not match its data") }
        self.tensors = tensors
        self.metadata = metadata
    }

    public func write(to path: String) throws {
        let writer = try SafetensorsWriter(path: path, tensors: tensors.map { ($0.name, $0.shape) }, metadata: metadata)
        for t in tensors { try writer.write(t.name, t.data) }
        try writer.finish()
    }
}
