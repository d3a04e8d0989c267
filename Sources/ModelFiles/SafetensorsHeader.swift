import Foundation

// Model files are little-endian, and F32 data is copied to and from them as it lies in memory.
#if _endian(big)
#error("ModelFiles assumes a little-endian host")
#endif

/// The parsed, validated header of a safetensors file: an 8-byte little-endian header
/// length, a JSON object {name: {dtype, shape, data_offsets}, "__metadata__": {...}},
/// then the data area. Every length and offset is checked against the file before use.
struct SafetensorsHeader {
    struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        let count: Int
        /// Byte range in the data area (which starts after the header).
        let begin: Int
        let end: Int
    }

    /// Bytes per element of the dtypes safetensors defines; only the float ones are read.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]
    static let readableDTypes: Set<String> = ["F32", "F16", "BF16"]

    /// A header longer than this is refused before it is parsed: a corrupt length field
    /// must not make us read gigabytes of JSON (the safetensors library's limit too).
    static let maxHeaderBytes = 100 << 20

    /// Entries in data order.
    let entries: [Entry]
    let metadata: [String: String]
    /// Offset of the data area in the file.
    let dataStart: Int

    init(_ bytes: UnsafeRawBufferPointer, path: String) throws {
        func fail(_ why: String) -> ModelFileError { ModelFileError(path, why) }
        guard bytes.count >= 8 else {
            throw fail("truncated: \(bytes.count) bytes, but a safetensors file starts with an 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw fail("corrupt: the header length field says \(headerLength) bytes (the limit is \(Self.maxHeaderBytes)); this is not a safetensors file")
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("truncated or corrupt: the header length field says \(headerLength) bytes but only \(bytes.count - 8) follow it")
        }
        dataStart = 8 + Int(headerLength)
        let headerBytes = Data(bytes[8..<dataStart])
        guard headerBytes.first == UInt8(ascii: "{"),
              let json = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw fail("corrupt: the \(headerLength)-byte header is not a JSON object")
        }
        let payload = bytes.count - dataStart

        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                guard let meta = value as? [String: Any] else { throw fail("corrupt: __metadata__ is not a JSON object") }
                for (key, v) in meta {
                    guard let s = v as? String else { throw fail("corrupt: __metadata__ value \(key) is not a string") }
                    metadata[key] = s
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail("corrupt: header entry \(name) is not a JSON object") }
            guard let dtype = entry["dtype"] as? String else { throw fail("corrupt: tensor \(name) has no dtype string") }
            guard let size = Self.dtypeSizes[dtype] else {
                throw fail("tensor \(name) has dtype \(dtype), which safetensors does not define (known: \(Self.dtypeSizes.keys.sorted().joined(separator: ", ")))")
            }
            guard let rawShape = entry["shape"] as? [Any], let shape = Self.integers(rawShape) else {
                throw fail("corrupt: the shape of tensor \(name) is not a list of integers")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("corrupt: tensor \(name) has a negative dimension in shape \(shape)") }
            guard let rawOffsets = entry["data_offsets"] as? [Any], let offsets = Self.integers(rawOffsets), offsets.count == 2 else {
                throw fail("corrupt: data_offsets of tensor \(name) is not a list of two integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else {
                throw fail("corrupt: tensor \(name) has data_offsets [\(begin), \(end)], which is not a byte range")
            }
            // Element count and byte size, refusing shapes whose product overflows.
            var count = 1
            for d in shape {
                let (c, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail("corrupt: tensor \(name) has shape \(shape), too many elements to address") }
                count = c
            }
            let (byteSize, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, end - begin == byteSize else {
                throw fail("corrupt: tensor \(name) is \(dtype) with shape \(shape), i.e. \(overflow ? "too many" : String(byteSize)) bytes, but data_offsets [\(begin), \(end)] span \(end - begin)")
            }
            guard end <= payload else {
                throw fail("truncated: tensor \(name) ends at byte \(end) of the data area, but the file holds only \(payload) bytes after the header")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end))
        }
        // The tensors must tile the data area exactly, as the safetensors library requires:
        // a gap or an overlap means two entries lie about where their bytes are.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        for (i, e) in entries.enumerated() {
            if e.begin < cursor {
                throw fail("corrupt: tensor \(e.name) (bytes \(e.begin)..<\(e.end)) overlaps tensor \(entries[i - 1].name) (bytes \(entries[i - 1].begin)..<\(entries[i - 1].end))")
            }
            if e.begin > cursor {
                throw fail("corrupt: no tensor covers bytes \(cursor)..<\(e.begin) of the data area (before tensor \(e.name)); the header does not describe the data")
            }
            cursor = e.end
        }
        guard cursor == payload else {
            throw fail("corrupt: the tensors cover \(cursor) bytes of the data area but the file has \(payload) after the header (\(payload - cursor) bytes nobody owns)")
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// JSON integers only: not booleans (which Foundation also bridges to numbers) nor
    /// fractions nor numbers beyond Int.
    static func integers(_ values: [Any]) -> [Int]? {
        var out: [Int] = []
        out.reserveCapacity(values.count)
        for v in values {
            guard let n = v as? NSNumber, String(cString: n.objCType) != "c", let i = v as? Int else { return nil }
            out.append(i)
        }
        return out
    }

    /// Converts the tensor's elements (F32, F16 or BF16, little-endian) into `out`.
    static func convert(_ src: UnsafeRawBufferPointer, dtype: String, into out: UnsafeMutableBufferPointer<Float>) {
        switch dtype {
        case "F32":
            UnsafeMutableRawBufferPointer(out).copyMemory(from: src)
        case "F16":
            for i in 0..<out.count { out[i] = HalfFloat.float(fromHalf: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case "BF16":
            for i in 0..<out.count { out[i] = HalfFloat.float(fromBFloat16: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        default:
            preconditionFailure("convert called with dtype \(dtype); callers check readableDTypes")
        }
    }
}
