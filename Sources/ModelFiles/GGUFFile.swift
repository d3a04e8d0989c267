import Foundation

/// A GGUF file (llama.cpp's model format), memory-mapped: its metadata, its tensor
/// infos, and each tensor dequantised to Float on request.
///
/// Layout (little-endian): "GGUF", version u32, tensor count u64, metadata count u64,
/// the metadata (key string, type u32, value), the tensor infos (name string, dimension
/// count u32, dimensions u64…, ggml type u32, offset u64), padding to `general.alignment`,
/// then the data area the offsets point into. Strings are a u64 length and UTF-8 bytes.
/// Every count, length and offset is checked against the file before anything is
/// allocated for it, so a header that lies gives an error, never a huge allocation.
public struct GGUFFile {
    /// One tensor's entry in the header.
    public struct TensorInfo {
        public let name: String
        /// ggml order: dims[0] is the innermost (contiguous) dimension.
        public let dims: [Int]
        public let type: GGMLType
        /// Offset in the data area.
        public let offset: Int
        public let count: Int
        public let byteCount: Int

        /// Row-major (PyTorch / Hugging Face) shape: the ggml dims reversed, so a torch
        /// weight [out, in] is stored with dims [in, out].
        public var shape: [Int] { dims.reversed() }
    }

    public static let defaultAlignment = 32
    /// Arrays inside arrays deeper than this are refused (llama.cpp writes none at all).
    static let maxArrayDepth = 4

    public let path: String
    public let version: Int
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let keys: [String]
    /// Tensor infos in file order.
    public let tensors: [TensorInfo]
    public let alignment: Int
    /// Where the data area (which tensor offsets count from) starts in the file.
    public let dataOffset: Int
    private let index: [String: Int]
    private let data: Data

    /// Maps the file at `path` and validates its header.
    public init(path: String) throws {
        try self.init(data: try mapFile(path), path: path)
    }

    /// Validates the header of a GGUF file already in memory; `path` names it in errors.
    public init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        let header = try data.withUnsafeBytes { raw in
            var parser = GGUFHeaderParser(bytes: raw, path: path)
            return try parser.parse()
        }
        version = header.version
        metadata = header.metadata
        keys = header.keys
        tensors = header.tensors
        alignment = header.alignment
        dataOffset = header.dataStart
        index = Dictionary(header.tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func tensor(_ name: String) -> TensorInfo? { index[name].map { tensors[$0] } }

    /// Dequantises the tensor into `out`, which must hold exactly its element count.
    /// F32, F16, BF16, Q8_0, Q4_0 and Q4_1 are supported; other types are an error.
    public func read(_ name: String, into out: UnsafeMutableBufferPointer<Float>) throws {
        guard let t = tensor(name) else { throw ModelFileError(path, "has no tensor named \(name)") }
        guard t.type.isReadable else {
            throw ModelFileError(path, "tensor \(name) is \(t.type.name), which this reader cannot dequantise (it reads \(GGMLType.readable.map(\.name).joined(separator: ", "))); requantise the model to one of those, e.g. with llama-quantize")
        }
        guard out.count == t.count else {
            throw ModelFileError(path, "tensor \(name) has \(t.count) elements (shape \(t.shape)) but the buffer to read it into holds \(out.count)")
        }
        data.withUnsafeBytes { raw in
            let start = dataOffset + t.offset
            t.type.dequantize(UnsafeRawBufferPointer(rebasing: raw[start..<(start + t.byteCount)]), into: out)
        }
    }

    /// The tensor dequantised into a new array.
    public func read(_ name: String) throws -> [Float] {
        guard let t = tensor(name) else { throw ModelFileError(path, "has no tensor named \(name)") }
        var values = [Float](repeating: 0, count: t.count)
        try values.withUnsafeMutableBufferPointer { try read(name, into: $0) }
        return values
    }
}

/// Reads a GGUF header off raw bytes, checking every read against the end of the file.
struct GGUFHeaderParser {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    struct Header {
        var version = 0
        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        var tensors: [GGUFFile.TensorInfo] = []
        var alignment = GGUFFile.defaultAlignment
        var dataStart = 0
    }

    func fail(_ why: String) -> ModelFileError { ModelFileError(path, why) }

    var remaining: Int { bytes.count - offset }

    /// Makes sure `n` more bytes exist for `what`.
    func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n <= remaining else {
            throw fail("truncated: \(what()) needs \(n) bytes at byte \(offset), but the file ends at byte \(bytes.count)")
        }
    }

    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 {
        try need(4, what())
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 {
        try need(8, what())
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A u64 that must also be a non-negative Int no larger than `limit`.
    mutating func count(_ what: @autoclosure () -> String, limit: Int) throws -> Int {
        let start = offset
        let n = try u64(what())
        guard n <= UInt64(max(limit, 0)) else {
            throw fail("truncated or corrupt: \(what()) at byte \(start) is \(n), more than the \(max(limit, 0)) the rest of the \(bytes.count)-byte file could hold")
        }
        return Int(n)
    }

    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try count("the length of \(what())", limit: remaining - 8)
        let start = offset
        offset += length
        guard let s = String(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]), encoding: .utf8) else {
            throw fail("corrupt: \(what()) at byte \(start) is not valid UTF-8")
        }
        return s
    }

    /// Bytes a value of this type takes at least (strings: their length field; arrays:
    /// element type and count), or nil for a type GGUF does not define.
    static func minimumSize(of type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 10, 11, 12: return 8
        case 8: return 8
        case 9: return 12
        default: return nil
        }
    }

    mutating func value(type: UInt32, key: String, depth: Int = 0) throws -> GGUFValue {
        guard let size = Self.minimumSize(of: type) else {
            throw fail("corrupt: metadata \(key) has value type \(type), which GGUF does not define (0…12)")
        }
        switch type {
        case 8: return .string(try string("metadata \(key)"))
        case 9: return try array(key: key, depth: depth)
        default: break
        }
        try need(size, "metadata \(key)")
        let at = offset
        offset += size
        @inline(__always) func load<T: FixedWidthInteger>(_: T.Type) -> T { T(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: T.self)) }
        switch type {
        case 0: return .uint8(load(UInt8.self))
        case 1: return .int8(load(Int8.self))
        case 2: return .uint16(load(UInt16.self))
        case 3: return .int16(load(Int16.self))
        case 4: return .uint32(load(UInt32.self))
        case 5: return .int32(load(Int32.self))
        case 6: return .float32(Float(bitPattern: load(UInt32.self)))
        case 7:
            let b = load(UInt8.self)
            guard b <= 1 else { throw fail("corrupt: metadata \(key) is a bool stored as \(b) at byte \(at) (must be 0 or 1)") }
            return .bool(b == 1)
        case 10: return .uint64(load(UInt64.self))
        case 11: return .int64(load(Int64.self))
        default: return .float64(Double(bitPattern: load(UInt64.self)))  // 12
        }
    }

    /// Element type u32, element count u64, then the elements.
    mutating func array(key: String, depth: Int) throws -> GGUFValue {
        let elementType = try u32("the element type of array \(key)")
        guard let elementSize = Self.minimumSize(of: elementType) else {
            throw fail("corrupt: array \(key) has element type \(elementType), which GGUF does not define (0…12)")
        }
        guard elementType != 9 || depth < GGUFFile.maxArrayDepth else {
            throw fail("corrupt: array \(key) nests arrays more than \(GGUFFile.maxArrayDepth) deep")
        }
        // Every element takes at least elementSize bytes, so the count is bounded by what
        // is left of the file: checked before reserving room for it.
        let n = try count("the element count of array \(key)", limit: (remaining - 8) / elementSize)
        var items: [GGUFValue] = []
        items.reserveCapacity(n)
        for _ in 0..<n { items.append(try value(type: elementType, key: key, depth: depth + 1)) }
        return .array(items)
    }

    mutating func parse() throws -> Header {
        var h = Header()
        guard bytes.count >= 4 else { throw fail("truncated: \(bytes.count) bytes, not even the GGUF magic") }
        guard bytes[0] == 0x47, bytes[1] == 0x47, bytes[2] == 0x55, bytes[3] == 0x46 else {
            throw fail("not a GGUF file: it does not start with \"GGUF\"")
        }
        offset = 4
        let version = try u32("the version")
        if version & 0xFFFF == 0 && version != 0 {
            throw fail("is a big-endian GGUF file (version field \(String(version, radix: 16))); only little-endian files are supported")
        }
        switch version {
        case 2, 3: h.version = Int(version)
        case 1: throw fail("is GGUF version 1, which llama.cpp dropped long ago; convert the model again with a current llama.cpp (version 3)")
        default: throw fail("is GGUF version \(version); this reader knows versions 2 and 3")
        }
        // Each tensor info takes at least 24 bytes, each metadata entry at least 13.
        let tensorCount = try count("the tensor count", limit: remaining / 24)
        let kvCount = try count("the metadata count", limit: (remaining - 8) / 13)
        h.keys.reserveCapacity(kvCount)
        for i in 0..<kvCount {
            let keyAt = offset
            let key = try string("metadata key \(i)")
            let type = try u32("the type of metadata \(key)")
            let v = try value(type: type, key: key)
            guard h.metadata.updateValue(v, forKey: key) == nil else {
                throw fail("corrupt: metadata key \(key) appears twice (again at byte \(keyAt))")
            }
            h.keys.append(key)
        }
        if let a = h.metadata["general.alignment"] {
            guard case .uint32(let n) = a, n > 0, n & (n - 1) == 0, n <= 1 << 20 else {
                throw fail("corrupt: general.alignment is \(a) (\(a.typeName)); it must be a uint32 power of two, at most 1 MiB")
            }
            h.alignment = Int(n)
        }

        var names = Set<String>()
        h.tensors.reserveCapacity(tensorCount)
        for i in 0..<tensorCount {
            let name = try string("the name of tensor \(i)")
            guard names.insert(name).inserted else { throw fail("corrupt: tensor \(name) appears twice") }
            let nDims = try u32("the dimension count of tensor \(name)")
            guard (1...4).contains(nDims) else {
                throw fail("corrupt: tensor \(name) has \(nDims) dimensions; ggml tensors have 1 to 4")
            }
            var dims: [Int] = []
            var count = 1
            for d in 0..<Int(nDims) {
                let n = try u64("dimension \(d) of tensor \(name)")
                guard let dim = Int(exactly: n), case let (c, overflow) = count.multipliedReportingOverflow(by: dim), !overflow else {
                    throw fail("corrupt: tensor \(name) has dimension \(d) = \(n), which makes its element count overflow")
                }
                dims.append(dim)
                count = c
            }
            let rawType = try u32("the type of tensor \(name)")
            let type = GGMLType(rawValue: rawType)
            guard let layout = type.blockLayout else {
                throw fail("tensor \(name) has ggml type \(rawType), which this reader does not know (a newer llama.cpp may write it); convert the model to Q8_0, Q4_0, Q4_1, F16 or F32")
            }
            guard dims[0] % layout.elements == 0 else {
                throw fail("corrupt: tensor \(name) is \(type.name) with rows of \(dims[0]) elements, not a multiple of its block size \(layout.elements)")
            }
            guard case let (byteCount, overflow) = (count / layout.elements).multipliedReportingOverflow(by: layout.bytes), !overflow else {
                throw fail("corrupt: tensor \(name) with dims \(dims) would take more bytes than can be addressed")
            }
            let offsetAt = offset
            let tensorOffset = try u64("the data offset of tensor \(name)")
            guard tensorOffset <= UInt64(bytes.count) else {
                throw fail("truncated or corrupt: tensor \(name) has data offset \(tensorOffset) (at byte \(offsetAt)), past the end of the \(bytes.count)-byte file")
            }
            h.tensors.append(GGUFFile.TensorInfo(name: name, dims: dims, type: type, offset: Int(tensorOffset),
                                                 count: count, byteCount: byteCount))
        }

        // The data area starts at the next multiple of the alignment.
        let end = offset
        h.dataStart = (end + h.alignment - 1) / h.alignment * h.alignment
        let dataSize = bytes.count - h.dataStart
        if !h.tensors.isEmpty && dataSize < 0 {
            throw fail("truncated: the header ends at byte \(end) and the file with it; the tensor data is missing")
        }
        for t in h.tensors {
            guard t.offset % h.alignment == 0 else {
                throw fail("corrupt: tensor \(t.name) has data offset \(t.offset), not a multiple of the alignment \(h.alignment)")
            }
            guard t.byteCount <= dataSize - t.offset else {
                throw fail("truncated: tensor \(t.name) (\(t.type.name), \(t.byteCount) bytes at offset \(t.offset) of the data area) runs past the end of the file, whose data area holds \(max(dataSize, 0)) bytes")
            }
        }
        // No two tensors may share bytes.
        let byOffset = h.tensors.sorted { ($0.offset, $0.byteCount) < ($1.offset, $1.byteCount) }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where b.offset < a.offset + a.byteCount {
            throw fail("corrupt: tensors \(a.name) (bytes \(a.offset)..<\(a.offset + a.byteCount) of the data area) and \(b.name) (from byte \(b.offset)) overlap")
        }
        return h
    }
}
