import Foundation
import Kernels
import Policy
import Testing
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
}
