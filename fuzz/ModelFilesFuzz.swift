// libFuzzer target over the model-file readers (module ModelFiles). Built by
// fuzz/build-model-files.sh, run by fuzz/run-model-files.sh.
//
// Each input goes to both header parsers (each refuses the other's files at its first bytes):
//   1. safetensors: SafetensorsFile(data:path:), then every tensor of a float dtype read
//      into a buffer of its size, and Safetensors.decode (whole file);
//   2. GGUF:        GGUFFile(data:path:), then every tensor of a type we dequantise read.
// Thrown ModelFileErrors are expected; a trap, a sanitizer report, any other error, or a
// failed check is a bug. The checks: a safetensors file that decodes is re-encoded as F32 and
// must decode again to the same names, shapes and bits (compared as bits: NaN != NaN);
// decode fails exactly when a tensor's dtype is not F32/F16/BF16; a GGUF tensor's shape is
// its dims reversed and its bytes lie inside the input.
//
// MODEL_FILES_FUZZ_WRITE_SEEDS=<dir> makes the binary write the seed corpus (valid files of
// both formats, every GGUF value type and readable ggml type, plus corrupted copies) into
// <dir> and exit, instead of fuzzing.

import Foundation
import ModelFiles

#if canImport(Glibc)
import Glibc
#endif

@inline(never)
func bug(_ why: String) -> Never {
    fputs("model-files-fuzz: \(why)\n", stderr)
    abort()
}

let floatDTypes: Set<String> = ["F32", "F16", "BF16"]

func fuzzSafetensors(_ data: Data) {
    let file: SafetensorsFile
    do { file = try SafetensorsFile(data: data, path: "fuzz.safetensors") } catch is ModelFileError { return } catch {
        bug("SafetensorsFile threw a non-ModelFileError: \(error)")
    }
    var tensors: [(name: String, shape: [Int], values: [Float])] = []
    for name in file.names {
        guard let shape = file.shape(name), let dtype = file.dtype(name) else { bug("listed tensor \(name) has no shape or dtype") }
        do {
            tensors.append((name, shape, try file.read(name)))
            guard floatDTypes.contains(dtype) else { bug("read \(name) of dtype \(dtype)") }
            guard tensors.last?.values.count == shape.reduce(1, *) else { bug("\(name): read count differs from its shape \(shape)") }
        } catch is ModelFileError {
            guard !floatDTypes.contains(dtype) else { bug("reading \(name) (\(dtype)) failed: a valid header promised its bytes") }
        } catch {
            bug("read threw a non-ModelFileError: \(error)")
        }
    }
    let allFloat = tensors.count == file.names.count
    do {
        let (decoded, meta) = try Safetensors.decode(data, path: "fuzz.safetensors")
        guard allFloat, decoded.count == tensors.count, meta == file.metadata else { bug("decode disagrees with SafetensorsFile") }
    } catch is ModelFileError {
        guard !allFloat else { bug("decode failed on a file whose every tensor reads") }
    } catch {
        bug("decode threw a non-ModelFileError: \(error)")
    }
    guard allFloat else { return }
    // Round trip through our F32 writer.
    let buffers = tensors.map { $0.values }
    let again: (tensors: [String: Safetensors.Tensor], metadata: [String: String])
    do {
        let encoded = withBuffers(buffers) { ptrs in
            Safetensors.encode(zip(tensors, ptrs).map { ($0.name, $0.shape, $1) }, metadata: file.metadata)
        }
        again = try Safetensors.decode(encoded, path: "reencoded.safetensors")
    } catch { bug("re-encoded file does not decode: \(error)") }
    guard again.metadata == file.metadata, again.tensors.count == tensors.count else { bug("round trip changed the metadata or tensor count") }
    for t in tensors {
        guard let back = again.tensors[t.name], back.shape == t.shape,
              back.values.map(\.bitPattern) == t.values.map(\.bitPattern) else { bug("round trip changed tensor \(t.name)") }
    }
}

/// Calls body with a stable pointer to each array.
func withBuffers<R>(_ arrays: [[Float]], _ body: ([UnsafeBufferPointer<Float>]) -> R) -> R {
    var ptrs: [UnsafeBufferPointer<Float>] = []
    var owned: [UnsafeMutableBufferPointer<Float>] = []
    for a in arrays {
        let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(a.count, 1))
        _ = p.initialize(from: a)
        owned.append(p)
        ptrs.append(UnsafeBufferPointer(rebasing: p[0..<a.count]))
    }
    defer { owned.forEach { $0.deallocate() } }
    return body(ptrs)
}

func fuzzGGUF(_ data: Data) {
    let file: GGUFFile
    do { file = try GGUFFile(data: data, path: "fuzz.gguf") } catch is ModelFileError { return } catch {
        bug("GGUFFile threw a non-ModelFileError: \(error)")
    }
    guard file.keys.count == file.metadata.count else { bug("keys and metadata disagree") }
    for t in file.tensors {
        guard t.shape == Array(t.dims.reversed()), t.count == t.dims.reduce(1, *) else { bug("\(t.name): shape or count inconsistent") }
        guard t.offset >= 0, file.dataOffset + t.offset + t.byteCount <= data.count else { bug("\(t.name): bytes outside the input") }
        do {
            let values = try file.read(t.name)
            guard t.type.isReadable, values.count == t.count else { bug("read \(t.name) of type \(t.type)") }
        } catch is ModelFileError {
            guard !t.type.isReadable else { bug("reading \(t.name) (\(t.type)) failed after a valid header") }
        } catch {
            bug("read threw a non-ModelFileError: \(error)")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    fuzzSafetensors(bytes)
    fuzzGGUF(bytes)
    return 0
}

// MARK: - Seed corpus

/// A small GGUF: one metadata value of every type and one tensor of each readable type.
func seedGGUF(alignment: Int = 32) -> [UInt8] {
    var out: [UInt8] = Array("GGUF".utf8)
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    func string(_ s: String) { u64(UInt64(s.utf8.count)); out += Array(s.utf8) }
    // (ggml type, dims, bytes)
    let blocks32: [(UInt32, [UInt64], Int)] = [(0, [4, 2], 32), (1, [8], 16), (30, [8], 16), (8, [32], 34), (2, [32, 2], 36), (3, [32], 20)]
    let kv: [(String, UInt32, [UInt8])] = [
        ("general.architecture", 8, [5, 0, 0, 0, 0, 0, 0, 0] + Array("llama".utf8)),
        ("general.alignment", 4, [UInt8(alignment), 0, 0, 0]),
        ("t.u8", 0, [7]), ("t.i8", 1, [0xF0]), ("t.u16", 2, [1, 2]), ("t.i16", 3, [0xFF, 0xFF]),
        ("t.i32", 5, [1, 0, 0, 0x80]), ("t.f32", 6, [0, 0, 0x80, 0x3F]), ("t.bool", 7, [1]),
        ("t.u64", 10, [1, 0, 0, 0, 0, 0, 0, 0]), ("t.i64", 11, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        ("t.f64", 12, [0, 0, 0, 0, 0, 0, 0xF0, 0x3F]),
        ("t.strings", 9, [8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x61, 0, 0, 0, 0, 0, 0, 0, 0]),
        ("t.nested", 9, [9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0]),
    ]
    u32(3)
    u64(UInt64(blocks32.count))
    u64(UInt64(kv.count))
    for (k, type, value) in kv { string(k); u32(type); out += value }
    var offset = 0
    for (i, (type, dims, bytes)) in blocks32.enumerated() {
        string("t\(i)")
        u32(UInt32(dims.count))
        dims.forEach(u64)
        u32(type)
        u64(UInt64(offset))
        offset += (bytes + alignment - 1) / alignment * alignment
    }
    while out.count % alignment != 0 { out.append(0) }
    for (i, (_, _, bytes)) in blocks32.enumerated() {
        // Scales of 1.0 (f16 0x3C00) where the blocks have them, arbitrary bytes elsewhere.
        var block = (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ i) }
        if bytes >= 20 && i >= 3 { block[0] = 0; block[1] = 0x3C }
        out += block
        while out.count % alignment != 0 { out.append(0) }
    }
    return out
}

func seedSafetensors() -> [UInt8] {
    let a: [Float] = [1, -2, .nan, 0.5, .infinity, -0.0]
    let b: [Float] = []
    return a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            [UInt8](Safetensors.encode([("w", [2, 3], pa), ("empty", [0, 4], pb)], metadata: ["format": "pt"]))
        }
    }
}

/// A safetensors file with a hand-written header (F16 and BF16 data, which our writer never makes).
func rawSafetensors(_ json: String, _ data: [UInt8]) -> [UInt8] {
    var header = Array(json.utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var out: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
    return out + header + data
}

func writeSeeds(to dir: String) {
    var count = 0
    func write(_ name: String, _ bytes: [UInt8]) {
        guard FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(bytes)) else { bug("cannot write \(dir)/\(name)") }
        count += 1
    }
    func check(_ name: String, _ bytes: [UInt8], gguf: Bool) {
        let ok = gguf ? (try? GGUFFile(data: Data(bytes), path: name)) != nil : (try? SafetensorsFile(data: Data(bytes), path: name)) != nil
        guard ok else { bug("seed \(name) does not parse") }
        write(name, bytes)
    }
    let gguf = seedGGUF()
    check("gguf-all-types", gguf, gguf: true)
    check("gguf-align-64", seedGGUF(alignment: 64), gguf: true)
    let st = seedSafetensors()
    check("st-f32", st, gguf: false)
    let mixed = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
        + "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]},\"__metadata__\":{\"k\":\"v\"}}"
    check("st-mixed", rawSafetensors(mixed, [0, 0x3C, 0xFF, 0x7B, 0x49, 0x40, 0x80, 0xBF, 1, 0, 0, 0, 0, 0, 0, 0]), gguf: false)

    write("bad-empty", [])
    write("gguf-truncated", Array(gguf.prefix(gguf.count / 2)))
    write("gguf-header-only", Array(gguf.prefix(24)))
    var v = gguf; v[4] = 1; write("gguf-version-1", v)
    v = gguf; v[15] = 0x7F; write("gguf-tensor-count", v)
    v = gguf; v[23] = 0x7F; write("gguf-kv-count", v)
    v = gguf; v[31] = 0x7F; write("gguf-key-length", v)
    write("st-truncated", Array(st.prefix(st.count - 3)))
    var s = st; s[5] = 0x7F; write("st-header-length", s)
    write("st-overlap", rawSafetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", Array(repeating: 0, count: 8)))
    write("st-gap", rawSafetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", Array(repeating: 0, count: 8)))
    write("st-negative", rawSafetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", Array(repeating: 0, count: 4)))
    print("wrote \(count) seeds to \(dir)")
}

@_cdecl("LLVMFuzzerInitialize")
public func LLVMFuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    if let dir = getenv("MODEL_FILES_FUZZ_WRITE_SEEDS") {
        writeSeeds(to: String(cString: dir))
        exit(0)
    }
    return 0
}
