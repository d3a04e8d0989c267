import Foundation

/// Reads and writes the safetensors format: an 8-byte little-endian header
/// length, a JSON header {name: {dtype, shape, data_offsets}}, then raw data.
/// Only F32 tensors are used here.
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

    /// Header entries larger than this are refused before parsing (a corrupt length
    /// field must not make us allocate gigabytes).
    static let maxHeaderBytes = 100 << 20

    /// Serialises tensors (in the given order) plus string metadata.
    public static func encode(_ tensors: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)],
                              metadata: [String: String] = [:]) -> Data {
        var entries: [String] = []
        if !metadata.isEmpty {
            let meta = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(meta.joined(separator: ","))}")
        }
        var offset = 0
        for t in tensors {
            precondition(t.shape.reduce(1, *) == t.data.count, "shape of \(t.name) does not match its data")
            let end = offset + t.data.count * 4
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(t.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = Data(capacity: 8 + header.count + offset)
        var n = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for t in tensors {
            out.append(UnsafeBufferPointer(start: UnsafeRawPointer(t.data.baseAddress!)
                .assumingMemoryBound(to: UInt8.self), count: t.data.count * 4))
        }
        return out
    }

    /// Parses a safetensors file, validating every length and offset before use.
    public static func decode(_ data: Data, path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ why: String) -> CheckpointError { CheckpointError(path, why) }
        guard data.count >= 8 else { throw fail("truncated: \(data.count) bytes, a safetensors file needs at least 8") }
        let headerLen = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLen <= UInt64(min(maxHeaderBytes, data.count - 8)) else {
            throw fail("truncated or corrupt: header claims \(headerLen) bytes but the file has \(data.count - 8) after the length field")
        }
        let dataStart = 8 + Int(headerLen)
        let headerBytes = data.subdata(in: 8..<dataStart)
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw fail("corrupt: the header is not a JSON object")
        }
        let payload = data.count - dataStart
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offs = entry["data_offsets"] as? [Int], offs.count == 2
            else { throw fail("corrupt header entry for tensor \(name)") }
            guard dtype == "F32" else { throw fail("tensor \(name) has dtype \(dtype); only F32 is supported") }
            let count = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 >= 0 }), offs[0] >= 0, offs[0] <= offs[1], offs[1] - offs[0] == count * 4 else {
                throw fail("tensor \(name): shape \(shape) does not match data_offsets \(offs)")
            }
            guard offs[1] <= payload else {
                throw fail("truncated: tensor \(name) ends at byte \(offs[1]) of the data section but it holds only \(payload)")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                data.copyBytes(to: dst.bindMemory(to: UInt8.self), from: (dataStart + offs[0])..<(dataStart + offs[1]))
            }
            tensors[name] = Tensor(name: name, shape: shape, values: values)
        }
        return (tensors, metadata)
    }

    private static func jsonString(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
