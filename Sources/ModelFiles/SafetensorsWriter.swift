import Foundation

/// Writes an F32 safetensors file tensor by tensor: the header first (every name and shape
/// is known up front), then each tensor's data as it is produced, so a model never has to
/// be held in memory as one giant Data.
///
///     let w = try SafetensorsWriter(path: p, tensors: [("a", [2, 3]), ("b", [3])])
///     try w.write("a", aValues); try w.write("b", bValues); try w.finish()
public final class SafetensorsWriter {
    public let path: String
    private let tensors: [(name: String, shape: [Int])]
    private var next = 0
    private let handle: FileHandle

    /// Creates (or truncates) the file and writes its header.
    public init(path: String, tensors: [(name: String, shape: [Int])], metadata: [String: String] = [:]) throws {
        self.path = path
        self.tensors = tensors
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw ModelFileError(path, "could not create the file; check that its folder exists and is writable")
        }
        do { handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError(path, "could not open for writing: \(error.localizedDescription)")
        }
        try put(Data(Safetensors.headerBytes(tensors, metadata: metadata)))
    }

    deinit { try? handle.close() }

    /// Appends the next tensor's values; tensors must come in the order given to `init`.
    public func write(_ name: String, _ values: UnsafeBufferPointer<Float>) throws {
        precondition(next < tensors.count && tensors[next].name == name,
                     "SafetensorsWriter: \(name) written out of order (expected \(next < tensors.count ? tensors[next].name : "no more tensors"))")
        precondition(tensors[next].shape.reduce(1, *) == values.count, "SafetensorsWriter: \(name) has \(values.count) values, its shape says otherwise")
        next += 1
        guard let base = values.baseAddress, !values.isEmpty else { return }
        // Handed to the file without a copy: the data area is little-endian F32, as in memory.
        try put(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: 4 * values.count, deallocator: .none))
    }

    /// Checks that every tensor was written and closes the file.
    public func finish() throws {
        precondition(next == tensors.count, "SafetensorsWriter: \(tensors.count - next) tensors were never written")
        do { try handle.close() } catch {
            throw ModelFileError(path, "could not close: \(error.localizedDescription); check free disk space")
        }
    }

    private func put(_ data: Data) throws {
        do { try handle.write(contentsOf: data) } catch {
            throw ModelFileError(path, "could not write: \(error.localizedDescription); check free disk space and permissions")
        }
    }
}
