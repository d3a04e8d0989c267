import Foundation

/// Whole-file safetensors encoding and decoding, for files small enough to hold in memory
/// (our own checkpoints). `SafetensorsFile` reads one tensor at a time from a mapped file
/// and `SafetensorsWriter` streams one out; all three share the header code.
public enum Safetensors {
    public struct Tensor {
        public let name: String
        public let shape: [Int]
        public let values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// Serialises tensors (in the given order) as F32, plus string metadata.
    public static func encode(_ tensors: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)],
                              metadata: [String: String] = [:]) -> Data {
        for t in tensors { precondition(t.shape.reduce(1, *) == t.data.count, "shape of \(t.name) does not match its data") }
        let header = headerBytes(tensors.map { ($0.name, $0.shape) }, metadata: metadata)
        var out = Data(capacity: header.count + tensors.reduce(0) { $0 + 4 * $1.data.count })
        out.append(contentsOf: header)
        for t in tensors {
            out.append(t.data)
        }
        return out
    }

    /// Parses a whole safetensors file into arrays (F32, F16 and BF16 become Float),
    /// validating every length and offset first. Errors name `path`.
    public static func decode(_ data: Data, path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let file = try SafetensorsFile(data: data, path: path)
        var tensors: [String: Tensor] = [:]
        for name in file.names {
            tensors[name] = Tensor(name: name, shape: file.shape(name) ?? [], values: try file.read(name))
        }
        return (tensors, file.metadata)
    }

    /// The length field and JSON header (padded with spaces to 8 bytes, so the data that
    /// follows stays aligned) for F32 tensors laid out back to back in the given order.
    static func headerBytes(_ tensors: [(name: String, shape: [Int])], metadata: [String: String]) -> [UInt8] {
        var entries: [(String, JSONText)] = []
        if !metadata.isEmpty {
            entries.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var offset = 0
        for t in tensors {
            let end = offset + 4 * t.shape.reduce(1, *)
            entries.append((t.name, .object([("dtype", .string("F32")), ("shape", .array(t.shape.map { .int($0) })),
                                             ("data_offsets", .array([.int(offset), .int(end)]))])))
            offset = end
        }
        var header = Array(JSONText.object(entries).rendered().utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var length = UInt64(header.count).littleEndian
        return withUnsafeBytes(of: &length) { Array($0) } + header
    }
}
