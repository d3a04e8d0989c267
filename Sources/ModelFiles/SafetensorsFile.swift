import Foundation

/// One safetensors file, memory-mapped, read one tensor at a time into the caller's
/// buffer: a model's weights are never all decoded into arrays at once.
public struct SafetensorsFile {
    public let path: String
    /// Tensor names in the order of their data in the file.
    public let names: [String]
    /// The header's `__metadata__` strings.
    public let metadata: [String: String]
    private let entries: [String: SafetensorsHeader.Entry]
    private let data: Data
    private let dataStart: Int

    /// Maps the file at `path` and validates its header.
    public init(path: String) throws {
        try self.init(data: try mapFile(path), path: path)
    }

    /// Validates the header of a safetensors file already in memory; `path` names it in errors.
    public init(data: Data, path: String) throws {
        let header = try data.withUnsafeBytes { try SafetensorsHeader($0, path: path) }
        self.path = path
        self.data = data
        dataStart = header.dataStart
        names = header.entries.map(\.name)
        metadata = header.metadata
        entries = Dictionary(header.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The tensor's shape (row-major, as written), or nil when there is no such tensor.
    public func shape(_ name: String) -> [Int]? { entries[name]?.shape }

    /// The tensor's safetensors dtype ("F32", "BF16", …), or nil when there is no such tensor.
    public func dtype(_ name: String) -> String? { entries[name]?.dtype }

    /// Converts the tensor to Float into `out`, which must hold exactly its element count.
    public func read(_ name: String, into out: UnsafeMutableBufferPointer<Float>) throws {
        guard let e = entries[name] else { throw ModelFileError(path, "has no tensor named \(name)") }
        guard SafetensorsHeader.readableDTypes.contains(e.dtype) else {
            throw ModelFileError(path, "tensor \(name) has dtype \(e.dtype); only F32, F16 and BF16 tensors can be read as floats")
        }
        guard out.count == e.count else {
            throw ModelFileError(path, "tensor \(name) has \(e.count) elements (shape \(e.shape)) but the buffer to read it into holds \(out.count)")
        }
        data.withUnsafeBytes { raw in
            let src = UnsafeRawBufferPointer(rebasing: raw[(dataStart + e.begin)..<(dataStart + e.end)])
            SafetensorsHeader.convert(src, dtype: e.dtype, into: out)
        }
    }

    /// The tensor converted to Float, in a new array.
    public func read(_ name: String) throws -> [Float] {
        guard let e = entries[name] else { throw ModelFileError(path, "has no tensor named \(name)") }
        var values = [Float](repeating: 0, count: e.count)
        try values.withUnsafeMutableBufferPointer { try read(name, into: $0) }
        return values
    }
}

/// Maps a file into memory (pages are read when touched), with errors that name it.
func mapFile(_ path: String) throws -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw ModelFileError(path, "file is missing")
    }
    guard !isDirectory.boolValue else { throw ModelFileError(path, "is a folder, not a file") }
    do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
        throw ModelFileError(path, "could not be read: \(error.localizedDescription)")
    }
}
