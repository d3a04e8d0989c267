import Foundation
import Testing
@testable import ModelFiles

@Suite("GGUF import")
struct GGUFImportTests {
    static func json(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// Imports a fixture and checks every written tensor against the expected file.
    /// F16/F32/BF16 must be exact; quantised tensors within float rounding.
    static func importAndCompare(_ fixture: String, exact: Bool) throws -> (dir: String, summary: GGUFImport.Summary) {
        let dir = temporaryDirectory()
        let out = dir + "/" + fixture
        var reported: [(done: Int, total: Int)] = []
        let summary = try GGUFImport.run(gguf: Fixture.path(fixture + ".gguf"), out: out) { done, total, _ in reported.append((done, total)) }
        // One report per tensor written, counting up to all of them.
        #expect(reported.map(\.done) == Array(1...max(reported.count, 1)) && reported.last.map { $0.done == $0.total } == true)
        let got = try SafetensorsFile(path: out + "/model.safetensors")
        let want = try SafetensorsFile(path: Fixture.path(fixture + ".expected.safetensors"))
        #expect(Set(got.names) == Set(want.names))
        #expect(got.metadata["format"] == "pt")
        for name in want.names {
            #expect(got.shape(name) == want.shape(name) && got.dtype(name) == "F32", "\(name)")
            let a = try got.read(name), b = try want.read(name)
            if exact {
                #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(name)")
            } else {
                #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "\(name)")
            }
        }
        #expect(summary.parameters == want.names.reduce(0) { $0 + (want.shape($1) ?? []).reduce(1, *) })
        return (dir, summary)
    }

    @Test func llamaF16ImportsExactly() throws {
        let (dir, summary) = try Self.importAndCompare("llama-f16", exact: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(summary.architecture == "llama" && summary.layers == 2 && summary.vocabularySize == 270)
        #expect(summary.tensorTypes == ["F16": 13, "F32": 7])
        let out = dir + "/llama-f16"
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: out)) ==
            ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"])
        // Nothing but the output folder is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["llama-f16"])

        let config = try Self.json(out + "/config.json")
        #expect(config["model_type"] as? String == "llama")
        #expect(config["architectures"] as? [String] == ["LlamaForCausalLM"])
        #expect(config["num_hidden_layers"] as? Int == 2 && config["hidden_size"] as? Int == 32)
        #expect(config["intermediate_size"] as? Int == 64 && config["num_attention_heads"] as? Int == 4)
        #expect(config["num_key_value_heads"] as? Int == 2 && config["vocab_size"] as? Int == 270)
        #expect(config["max_position_embeddings"] as? Int == 256 && config["rope_theta"] as? Double == 100000)
        #expect(config["rms_norm_eps"] as? Double == 1e-5)
        #expect(config["tie_word_embeddings"] as? Bool == true && config["attention_bias"] as? Bool == false)
        #expect(config["hidden_act"] as? String == "silu" && config["torch_dtype"] as? String == "float32")
        #expect(config["bos_token_id"] as? Int == 1 && config["eos_token_id"] as? Int == 2)
        let generation = try Self.json(out + "/generation_config.json")
        #expect(generation["bos_token_id"] as? Int == 1 && generation["eos_token_id"] as? Int == 2)

        let tokenizer = try Self.json(out + "/tokenizer.json")
        let model = try #require(tokenizer["model"] as? [String: Any])
        #expect(model["type"] as? String == "BPE" && model["byte_fallback"] as? Bool == false && model["ignore_merges"] as? Bool == false)
        let vocab = try #require(model["vocab"] as? [String: Int])
        #expect(vocab.count == 270 && vocab["<|im_end|>"] == 2 && vocab["Ġ"] == 3 + 32 && vocab["Ġthe"] != nil)
        #expect((model["merges"] as? [String])?.first == "Ġ t")
        let added = try #require(tokenizer["added_tokens"] as? [[String: Any]])
        #expect(added.map { $0["content"] as? String } == ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool>"])
        #expect(added.map { $0["special"] as? Bool } == [true, true, true, false])
        #expect(added.last?["id"] as? Int == 269)
        let pre = try #require(tokenizer["pre_tokenizer"] as? [String: Any])
        let steps = try #require(pre["pretokenizers"] as? [[String: Any]])
        #expect(steps.map { $0["type"] as? String } == ["Digits", "ByteLevel"])
        #expect(steps[0]["individual_digits"] as? Bool == true && steps[1]["use_regex"] as? Bool == true)
        #expect((tokenizer["decoder"] as? [String: Any])?["type"] as? String == "ByteLevel")
        #expect(tokenizer["post_processor"] is NSNull && tokenizer["normalizer"] is NSNull)

        let tc = try Self.json(out + "/tokenizer_config.json")
        #expect(tc["bos_token"] as? String == "<|im_start|>" && tc["eos_token"] as? String == "<|im_end|>")
        #expect(tc["pad_token"] as? String == "<|im_end|>" && tc["unk_token"] as? String == "<|endoftext|>")
        #expect((tc["chat_template"] as? String)?.hasPrefix("{% for message in messages %}") == true)
        #expect(tc["tokenizer_class"] as? String == "PreTrainedTokenizerFast" && tc["clean_up_tokenization_spaces"] as? Bool == false)
        #expect(tc["model_max_length"] as? Int == 256)
        let decoder = try #require(tc["added_tokens_decoder"] as? [String: [String: Any]])
        #expect(decoder["1"]?["content"] as? String == "<|im_start|>" && decoder["269"]?["special"] as? Bool == false)
    }

    @Test func qwen2QuantisedImportsWithinRounding() throws {
        let (dir, summary) = try Self.importAndCompare("qwen2-quant", exact: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(summary.tensorTypes == ["BF16": 2, "F32": 11, "Q4_0": 4, "Q4_1": 5, "Q8_0": 5])
        let out = dir + "/qwen2-quant"
        let config = try Self.json(out + "/config.json")
        #expect(config["model_type"] as? String == "qwen2" && config["architectures"] as? [String] == ["Qwen2ForCausalLM"])
        #expect(config["tie_word_embeddings"] as? Bool == false && config["attention_bias"] == nil)
        #expect(config["rope_theta"] as? Double == 1_000_000 && config["rms_norm_eps"] as? Double == 1e-6)
        let weights = try SafetensorsFile(path: out + "/model.safetensors")
        #expect(weights.shape("model.layers.1.self_attn.k_proj.bias") == [16] && weights.shape("lm_head.weight") == [270, 32])
        let tokenizer = try Self.json(out + "/tokenizer.json")
        #expect((tokenizer["normalizer"] as? [String: Any])?["type"] as? String == "NFC")
        let steps = try #require((tokenizer["pre_tokenizer"] as? [String: Any])?["pretokenizers"] as? [[String: Any]])
        #expect(steps.map { $0["type"] as? String } == ["Split", "ByteLevel"])
        let pattern = (steps[0]["pattern"] as? [String: Any])?["Regex"] as? String
        #expect(pattern == #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#)
        #expect(steps[0]["behavior"] as? String == "Isolated" && steps[1]["use_regex"] as? Bool == false)
    }

    /// The rotary permutation's inverse puts each row back where convert_hf_to_gguf took it from.
    @Test func unpermuteInvertsLlamaCppsPermute() {
        let heads = 2, headDim = 4, columns = 3
        let hf = (0..<(heads * headDim * columns)).map(Float.init)
        // llama.cpp: within each head, row 2j + half holds HF row half·(d/2) + j.
        var stored = hf
        for h in 0..<heads { for j in 0..<(headDim / 2) { for half in 0..<2 { for c in 0..<columns {
            stored[(h * headDim + 2 * j + half) * columns + c] = hf[(h * headDim + half * headDim / 2 + j) * columns + c]
        } } } }
        var back = [Float](repeating: -1, count: hf.count)
        stored.withUnsafeBufferPointer { src in
            back.withUnsafeMutableBufferPointer { GGUFTensorPlan.unpermute(src, into: $0, heads: heads, columns: columns) }
        }
        #expect(back == hf)
    }

    /// Every metadata or tensor problem is refused before anything is written.
    @Test func badModelsAreRefusedWithClearErrors() throws {
        let bytes = try Fixture.bytes("llama-f16.gguf")
        let file = try GGUFFile(data: Data(bytes), path: "x")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func problem(_ edit: (inout GGUFTestWriter) -> Void) throws -> String {
            var w = GGUFTestWriter(file, bytes: bytes)
            edit(&w)
            let path = dir + "/variant.gguf"
            try w.write(to: path)
            let e = modelFileError { _ = try GGUFImport.run(gguf: path, out: dir + "/out") }
            #expect(e?.path == path)
            // A failed import leaves nothing behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["variant.gguf"])
            return e?.problem ?? "no error"
        }
        #expect(try problem { $0.set("general.architecture", .string("mamba")) }.contains("general.architecture is mamba"))
        #expect(try problem { $0.remove(key: "general.architecture") }.contains("no general.architecture"))
        #expect(try problem { $0.set("tokenizer.ggml.model", .string("llama")) }.contains("only gpt2 (byte-level BPE)"))
        #expect(try problem { $0.set("tokenizer.ggml.pre", .string("deepseek-llm")) }.contains("tokenizer.ggml.pre is deepseek-llm"))
        #expect(try problem { $0.remove(key: "tokenizer.ggml.pre") }.contains("tokenizer.ggml.pre is missing"))
        #expect(try problem { $0.set("llama.rope.scaling.type", .string("yarn")) }.contains("rope scaling"))
        #expect(try problem { $0.remove(key: "llama.block_count") }.contains("llama.block_count is missing"))
        #expect(try problem { $0.set("llama.block_count", .uint64(1 << 40)) }.contains("block_count is 1099511627776, but the file has only 20 tensors"))
        #expect(try problem { $0.set("llama.block_count", .uint32(1)) }.contains("has tensor blk.1.attn_norm.weight, which a llama model with 1 layers does not have"))
        #expect(try problem { $0.set("llama.embedding_length", .string("32")) }.contains("expected a positive integer"))
        #expect(try problem { $0.set("llama.attention.layer_norm_rms_epsilon", .float32(.nan)) }.contains("positive number"))
        #expect(try problem { $0.set("llama.attention.head_count_kv", .uint32(3)) }.contains("do not divide"))
        #expect(try problem { $0.set("llama.rope.dimension_count", .uint32(4)) }.contains("partial rotary"))
        #expect(try problem { $0.set("llama.vocab_size", .uint32(300)) }.contains("vocab_size is 300"))
        #expect(try problem { $0.set("tokenizer.ggml.bos_token_id", .uint32(270)) }.contains("bos_token_id is 270"))
        #expect(try problem { w in
            w.set("tokenizer.ggml.tokens", .array((file.metadata["tokenizer.ggml.tokens"]?.array ?? []).dropLast()))
            w.set("tokenizer.ggml.token_type", .array((file.metadata["tokenizer.ggml.token_type"]?.array ?? []).dropLast()))
        }.contains("269 tokens but token_embd.weight has 270 rows"))
        #expect(try problem { w in
            var tokens = file.metadata["tokenizer.ggml.tokens"]?.array ?? []
            tokens[5] = tokens[6]
            w.set("tokenizer.ggml.tokens", .array(tokens))
        }.contains("twice"))
        #expect(try problem { $0.set("tokenizer.ggml.merges", .array([.string("Ġ zz")])) }.contains("\"zz\", which is not in"))
        #expect(try problem { $0.set("tokenizer.ggml.merges", .array([.string("Ġt")])) }.contains("two tokens separated by one space"))
        #expect(try problem { $0.set("tokenizer.ggml.token_type", .array([.int32(1)])) }.contains("one integer per token"))
        #expect(try problem { $0.remove(tensor: "blk.1.ffn_up.weight") }.contains("tensor blk.1.ffn_up.weight is missing"))
        #expect(try problem { $0.remove(tensor: "token_embd.weight") }.contains("token_embd.weight is missing"))
        #expect(try problem { w in
            var extra = w.tensors[1]
            extra.name = "blk.0.attn_q.bias"
            w.tensors.append(extra)
        }.contains("has tensor blk.0.attn_q.bias, which a llama model with 2 layers does not have"))
        #expect(try problem { w in
            let i = w.tensors.firstIndex { $0.name == "blk.0.ffn_gate.weight" } ?? 0
            w.tensors[i].dims = [64, 32]
        }.contains("blk.0.ffn_gate.weight has shape [32, 64]"))
        #expect(try problem { w in
            let i = w.tensors.firstIndex { $0.name == "blk.0.ffn_gate.weight" } ?? 0
            w.tensors[i].type = 24
            w.tensors[i].bytes = Array(w.tensors[i].bytes.prefix(w.tensors[i].bytes.count / 2))
        }.contains("blk.0.ffn_gate.weight is I8"))
        // A truncated file is refused by the reader before the importer looks at it.
        try Data(bytes.prefix(bytes.count - 100)).write(to: URL(fileURLWithPath: dir + "/variant.gguf"))
        #expect(modelFileError { _ = try GGUFImport.run(gguf: dir + "/variant.gguf", out: dir + "/out") }?.problem.contains("truncated") == true)
    }

    @Test func anExistingOutputFolderIsNotOverwritten() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/model"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: out + "/keep.txt"))
        let e = modelFileError { _ = try GGUFImport.run(gguf: Fixture.path("llama-f16.gguf"), out: out) }
        #expect(e?.problem.contains("already exists") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["keep.txt"])
        // An empty folder is filled.
        try FileManager.default.removeItem(atPath: out + "/keep.txt")
        _ = try GGUFImport.run(gguf: Fixture.path("llama-f16.gguf"), out: out)
        #expect(FileManager.default.fileExists(atPath: out + "/model.safetensors"))
    }

    /// Variants the fixtures do not carry: GPT-2's plain split, and a BOS added to every
    /// sequence (Hugging Face's TemplateProcessing).
    @Test func gpt2PreTokenizerAndAddedBos() throws {
        let bytes = try Fixture.bytes("llama-f16.gguf")
        var w = GGUFTestWriter(try GGUFFile(data: Data(bytes), path: "x"), bytes: bytes)
        w.set("tokenizer.ggml.pre", .string("gpt-2"))
        w.set("tokenizer.ggml.add_bos_token", .bool(true))
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try w.write(to: dir + "/v.gguf")
        _ = try GGUFImport.run(gguf: dir + "/v.gguf", out: dir + "/out")
        let tokenizer = try Self.json(dir + "/out/tokenizer.json")
        let pre = try #require(tokenizer["pre_tokenizer"] as? [String: Any])
        #expect(pre["type"] as? String == "ByteLevel" && pre["use_regex"] as? Bool == true)
        let post = try #require(tokenizer["post_processor"] as? [String: Any])
        #expect(post["type"] as? String == "TemplateProcessing")
        #expect(((post["special_tokens"] as? [String: Any])?["<|im_start|>"] as? [String: Any])?["ids"] as? [Int] == [1])
        #expect(try Self.json(dir + "/out/tokenizer_config.json")["add_bos_token"] as? Bool == true)
    }
}
