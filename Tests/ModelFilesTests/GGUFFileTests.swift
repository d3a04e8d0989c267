import Foundation
import Testing
@testable import ModelFiles

@Suite("GGUF files")
struct GGUFFileTests {
    static let llama = "llama-f16.gguf"
    static let qwen = "qwen2-quant.gguf"

    @Test func metadataOfEveryValueType() throws {
        let file = try GGUFFile(path: Fixture.path(Self.llama))
        #expect(file.version == 3 && file.alignment == 32 && file.dataOffset % 32 == 0)
        let m = file.metadata
        #expect(m["general.architecture"] == .string("llama"))
        #expect(m["test.u8"] == .uint8(200) && m["test.i8"] == .int8(-100))
        #expect(m["test.u16"] == .uint16(60000) && m["test.i16"] == .int16(-30000))
        #expect(m["test.u32"] == .uint32(4_000_000_000) && m["test.i32"] == .int32(-2_000_000_000))
        #expect(m["test.u64"] == .uint64(1 << 63 + 5) && m["test.i64"] == .int64(-(1 << 62)))
        #expect(m["test.f32"] == .float32(0.25) && m["test.f64"] == .float64(-1.5e300))
        #expect(m["test.bool"] == .bool(true) && m["test.string"] == .string("héllo\nwörld"))
        #expect(m["test.ints"]?.array?.compactMap(\.int) == [1, -2, 3])
        #expect(m["test.strings"] == .array([.string("a"), .string(""), .string("ü")]))
        #expect(m["test.nested"] == .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])]))
        #expect(m["test.u64"]?.int == nil && m["test.u32"]?.int == 4_000_000_000)
        #expect(m["tokenizer.ggml.tokens"]?.array?.count == 270)
        #expect(file.keys.first == "general.architecture" && file.keys.count == m.count)
    }

    @Test func tensorInfosAndShapes() throws {
        let file = try GGUFFile(path: Fixture.path(Self.qwen))
        let embd = try #require(file.tensor("token_embd.weight"))
        #expect(embd.dims == [32, 270] && embd.shape == [270, 32] && embd.type == .q8_0 && embd.byteCount == 270 * 34)
        #expect(file.tensor("blk.1.attn_k.weight")?.type.name == "Q4_0")
        #expect(file.tensor("blk.0.attn_q.bias")?.shape == [32])
        #expect(file.tensors.count == 27 && file.tensor("nope") == nil)
        #expect(GGMLType(rawValue: 12).name == "Q4_K" && GGMLType(rawValue: 99).name == "type 99")
    }

    /// Tensors that need no unpermuting read exactly as gguf.quants.dequantize made them.
    @Test func dequantisesLikeGGUFPy() throws {
        for (gguf, expected) in [(Self.llama, "llama-f16.expected.safetensors"), (Self.qwen, "qwen2-quant.expected.safetensors")] {
            let file = try GGUFFile(path: Fixture.path(gguf))
            let want = try SafetensorsFile(path: Fixture.path(expected))
            for (ggufName, hfName) in [("token_embd.weight", "model.embed_tokens.weight"), ("blk.1.ffn_down.weight", "model.layers.1.mlp.down_proj.weight"),
                                       ("blk.0.ffn_up.weight", "model.layers.0.mlp.up_proj.weight"), ("blk.0.attn_output.weight", "model.layers.0.self_attn.o_proj.weight"),
                                       ("blk.1.attn_v.weight", "model.layers.1.self_attn.v_proj.weight"), ("output_norm.weight", "model.norm.weight")] {
                let got = try file.read(ggufName), ref = try want.read(hfName)
                #expect(got.count == ref.count)
                #expect(zip(got, ref).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "\(gguf) \(ggufName)")
            }
        }
    }

    /// Each lie in a header gives an error naming the file and the problem.
    @Test func headersThatLie() throws {
        let good = try Fixture.bytes(Self.llama)
        func problem(_ bytes: [UInt8], _ path: String = "bad.gguf") -> String {
            guard let e = modelFileError({ _ = try GGUFFile(data: Data(bytes), path: path) }) else { return "no error" }
            #expect(e.path == path)
            return e.problem
        }
        #expect(problem(good) == "no error")
        for n in [0, 3, 7, 20, 30, 200, 5000, good.count / 2, good.count - 1] {
            #expect(problem(Array(good.prefix(n))).contains("truncated"), "prefix \(n)")
        }
        var b = good; b[0] = UInt8(ascii: "X")
        #expect(problem(b).contains("does not start with \"GGUF\""))
        b = good; b.setU32(1, at: 4)
        #expect(problem(b).contains("version 1"))
        b = good; b.setU32(4, at: 4)
        #expect(problem(b).contains("version 4"))
        b = good; b.setU32(0x0300_0000, at: 4)
        #expect(problem(b).contains("big-endian"))
        b = good; b.setU64(1 << 40, at: 8)
        #expect(problem(b).contains("tensor count"))
        b = good; b.setU64(UInt64.max, at: 16)
        #expect(problem(b).contains("metadata count"))
        b = good; b.setU64(1 << 50, at: 24)  // the first key's length
        #expect(problem(b).contains("length of metadata key 0"))
        b = good; b.setU32(13, at: 24 + 8 + Int(good.u64(at: 24)))  // the first value's type
        #expect(problem(b).contains("value type 13"))

        // Array lengths: the merges' element count, then their element type.
        let merges = try #require(good.lastIndex(of: "tokenizer.ggml.merges")) + "tokenizer.ggml.merges".utf8.count
        b = good; b.setU64(1 << 60, at: merges + 8)
        #expect(problem(b).contains("element count of array tokenizer.ggml.merges"))
        b = good; b.setU64(good.u64(at: merges + 8) + 5, at: merges + 8)
        #expect(problem(b) != "no error")
        b = good; b.setU32(77, at: merges + 4)
        #expect(problem(b).contains("element type 77"))
        let boolAt = try #require(good.lastIndex(of: "test.bool")) + "test.bool".utf8.count + 4
        b = good; b[boolAt] = 2
        #expect(problem(b).contains("bool stored as 2"))

        // Tensor infos.
        let info = try #require(good.tensorInfo("blk.0.ffn_gate.weight"))
        b = good; b.setU32(7, at: info.nDims)
        #expect(problem(b).contains("7 dimensions"))
        b = good; b.setU64(UInt64.max, at: info.dims + 8)
        #expect(problem(b).contains("dimension 1"))
        b = good; b.setU64(1 << 40, at: info.dims + 8)
        #expect(problem(b).contains("runs past the end"))
        b = good; b.setU64(1 << 62, at: info.dims); b.setU64(1 << 62, at: info.dims + 8)
        #expect(problem(b).contains("overflow"))
        b = good; b.setU32(99, at: info.type)
        #expect(problem(b).contains("ggml type 99"))
        b = good; b.setU32(12, at: info.type)  // Q4_K: 256-element blocks, rows are 32
        #expect(problem(b).contains("Q4_K") && problem(b).contains("block size 256"))
        b = good; b.setU64(UInt64(good.count), at: info.offset)
        #expect(problem(b).contains("runs past the end"))
        b = good; b.setU64(1 << 62, at: info.offset)
        #expect(problem(b).contains("past the end"))
        b = good; b.setU64(good.u64(at: info.offset) + 4, at: info.offset)
        #expect(problem(b).contains("not a multiple of the alignment 32"))
        let other = try #require(good.tensorInfo("blk.0.ffn_up.weight"))
        b = good; b.setU64(good.u64(at: info.offset), at: other.offset)
        #expect(problem(b).contains("overlap"))
        // A tensor name that is not UTF-8.
        let name = try #require(good.lastIndex(of: "blk.0.ffn_gate.weight"))
        b = good; b[name] = 0xFF
        #expect(problem(b).contains("not valid UTF-8"))
    }

    @Test func metadataThatLies() throws {
        let bytes = try Fixture.bytes(Self.llama)
        let file = try GGUFFile(data: Data(bytes), path: "x")
        func problem(_ edit: (inout GGUFTestWriter) -> Void) -> String {
            var w = GGUFTestWriter(file, bytes: bytes)
            edit(&w)
            return modelFileError { _ = try GGUFFile(data: Data(w.encoded()), path: "v.gguf") }?.problem ?? "no error"
        }
        #expect(problem { _ in } == "no error")
        #expect(problem { $0.set("test.empty", .array([])) } == "no error")
        #expect(problem { $0.metadata.append(("test.u8", .uint8(1))) }.contains("test.u8 appears twice"))
        #expect(problem { $0.tensors.append($0.tensors[0]) }.contains("token_embd.weight appears twice"))
        #expect(problem { $0.set("general.alignment", .uint32(24)) }.contains("power of two"))
        #expect(problem { $0.set("general.alignment", .uint64(64)) }.contains("uint32"))
        #expect(problem { $0.set("test.nested", .array([.array([.array([.array([.array([.array([.uint8(1)])])])])])])) }.contains("nests arrays"))
        // Another alignment is honoured.
        var w = GGUFTestWriter(file, bytes: bytes)
        w.alignment = 64
        w.set("general.alignment", .uint32(64))
        let aligned = try GGUFFile(data: Data(w.encoded()), path: "a.gguf")
        #expect(aligned.alignment == 64 && aligned.dataOffset % 64 == 0)
        #expect(try aligned.read("token_embd.weight") == file.read("token_embd.weight"))
    }

    @Test func typesWeCannotDequantiseAreNamed() throws {
        let bytes = try Fixture.bytes(Self.llama)
        var w = GGUFTestWriter(try GGUFFile(data: Data(bytes), path: "x"), bytes: bytes)
        let i = try #require(w.tensors.firstIndex { $0.name == "blk.0.ffn_gate.weight" })
        w.tensors[i].type = 24  // I8: same element count, half the bytes
        w.tensors[i].bytes = Array(w.tensors[i].bytes.prefix(w.tensors[i].bytes.count / 2))
        let file = try GGUFFile(data: Data(w.encoded()), path: "i8.gguf")
        let e = modelFileError { _ = try file.read("blk.0.ffn_gate.weight") }
        #expect(e?.path == "i8.gguf" && e?.problem.contains("blk.0.ffn_gate.weight is I8") == true)
        #expect(modelFileError { _ = try file.read("nope") }?.problem.contains("no tensor named nope") == true)
    }

    @Test func missingFilesAndFolders() {
        #expect(modelFileError { _ = try GGUFFile(path: "/no/such.gguf") } == ModelFileError("/no/such.gguf", "file is missing"))
        #expect(modelFileError { _ = try GGUFFile(path: Fixture.dir.path) }?.problem == "is a folder, not a file")
    }
}
