import Foundation
@testable import ModelFiles

/// Fixture files (written by scripts/make_gguf_fixtures.py).
enum Fixture {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/gguf")

    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: dir.appendingPathComponent(name))) }
}

/// A fresh temporary folder, removed by the caller.
func temporaryDirectory() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelfiles-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

/// The ModelFileError a body throws (nil when it throws nothing or something else).
func modelFileError(_ body: () throws -> Void) -> ModelFileError? {
    do { try body() } catch let e as ModelFileError { return e } catch { return ModelFileError("?", "unexpected error type: \(error)") }
    return nil
}

extension Array where Element == UInt8 {
    func u64(at offset: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(self[offset + $1]) << (8 * UInt64($1)) } }
    func u32(at offset: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * UInt32($1)) } }

    mutating func setU64(_ v: UInt64, at offset: Int) { for i in 0..<8 { self[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
    mutating func setU32(_ v: UInt32, at offset: Int) { for i in 0..<4 { self[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }

    /// Where `needle` last occurs (tensor names occur only in the tensor infos, after the metadata).
    func lastIndex(of needle: String) -> Int? {
        let n = Array(needle.utf8)
        guard n.count <= count else { return nil }
        for start in stride(from: count - n.count, through: 0, by: -1) where self[start..<(start + n.count)].elementsEqual(n) { return start }
        return nil
    }

    /// Byte offsets of a tensor info's fields, found by its name.
    func tensorInfo(_ name: String) -> (nDims: Int, dims: Int, type: Int, offset: Int)? {
        guard let at = lastIndex(of: name) else { return nil }
        let nDims = at + name.utf8.count
        let n = Int(u32(at: nDims))
        return (nDims, nDims + 4, nDims + 4 + 8 * n, nDims + 4 + 8 * n + 4)
    }
}

/// Writes GGUF files for tests: a parsed file's metadata and tensors with changes, so a
/// variant (another architecture, a tensor missing, a key twice) is a few lines.
struct GGUFTestWriter {
    var metadata: [(String, GGUFValue)]
    /// Name, ggml dims, type, raw bytes.
    var tensors: [(name: String, dims: [Int], type: UInt32, bytes: [UInt8])]
    var alignment = 32

    init(_ file: GGUFFile, bytes: [UInt8]) {
        metadata = file.keys.compactMap { k in file.metadata[k].map { (k, $0) } }
        tensors = file.tensors.map { t in
            let start = file.dataOffset + t.offset
            return (t.name, t.dims, t.type.rawValue, Array(bytes[start..<(start + t.byteCount)]))
        }
        if case .uint32(let a) = file.metadata["general.alignment"] { alignment = Int(a) }
    }

    mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.0 == key }) { metadata[i].1 = value } else { metadata.append((key, value)) }
    }

    mutating func remove(key: String) { metadata.removeAll { $0.0 == key } }
    mutating func remove(tensor: String) { tensors.removeAll { $0.name == tensor } }

    func encoded() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out += Array(s.utf8) }
        func typeCode(_ v: GGUFValue) -> UInt32 {
            switch v {
            case .uint8: return 0
            case .int8: return 1
            case .uint16: return 2
            case .int16: return 3
            case .uint32: return 4
            case .int32: return 5
            case .float32: return 6
            case .bool: return 7
            case .string: return 8
            case .array: return 9
            case .uint64: return 10
            case .int64: return 11
            case .float64: return 12
            }
        }
        func value(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): out.append(x)
            case .int8(let x): out.append(UInt8(bitPattern: x))
            case .uint16(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .int16(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .uint32(let x): u32(x)
            case .int32(let x): u32(UInt32(bitPattern: x))
            case .float32(let x): u32(x.bitPattern)
            case .bool(let x): out.append(x ? 1 : 0)
            case .string(let s): string(s)
            case .array(let a):
                u32(a.first.map(typeCode) ?? 0)
                u64(UInt64(a.count))
                a.forEach(value)
            case .uint64(let x): u64(x)
            case .int64(let x): u64(UInt64(bitPattern: x))
            case .float64(let x): u64(x.bitPattern)
            }
        }
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (k, v) in metadata { string(k); u32(typeCode(v)); value(v) }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            string(t.name)
            u32(UInt32(t.dims.count))
            t.dims.forEach { u64(UInt64($0)) }
            u32(t.type)
            u64(UInt64(offset))
            offsets.append(offset)
            offset += (t.bytes.count + alignment - 1) / alignment * alignment
        }
        while out.count % alignment != 0 { out.append(0) }
        let dataStart = out.count
        for (t, o) in zip(tensors, offsets) {
            while out.count < dataStart + o { out.append(0) }
            out += t.bytes
        }
        return out
    }

    func write(to path: String) throws { try Data(encoded()).write(to: URL(fileURLWithPath: path)) }
}
