import Foundation
import Testing
@testable import Pretrain
@testable import Tasks
@testable import TinyGPT

private func smallConfig() -> PretrainConfig {
    var c = PretrainConfig()
    c.layers = 1
    c.heads = 2
    c.width = 16
    c.steps = 6
    c.batchSize = 4
    c.warmupSteps = 2
    c.task.maxDigits = 2
    c.task.heldOutSize = 20
    return c
}

@Suite("Pretrain")
struct PretrainTests {
    @Test func batchSupervisesOnlyTheSolution() {
        let tok = Tokenizer.standard
        let p = Problem(id: 0, prompt: "1+2=", answer: "3", completion: "<think>1+2:1+2=3>3</think><answer>3</answer>")
        let batch = SFTBatch(problems: [p], tokenizer: tok, length: 40)
        let prompt = [Tokenizer.bos] + tok.encode(p.prompt)
        let full = prompt + tok.encode(p.completion!) + [Tokenizer.eos]
        #expect(Array(batch.tokens.prefix(full.count - 1)) == Array(full.dropLast()))
        // No target inside the prompt; every solution token (and EOS) is a target.
        #expect(batch.targets.prefix(prompt.count - 1).allSatisfy { $0 == -1 })
        #expect(Array(batch.targets[(prompt.count - 1)..<(full.count - 1)]) == Array(full[prompt.count...]))
        #expect(batch.supervisedTokens == full.count - prompt.count)
        #expect(batch.tokens[(full.count - 1)...].allSatisfy { $0 == Tokenizer.pad })
    }

    @Test func resumingGivesTheSameWeightsAsNotStopping() throws {
        let straight = try Pretrainer(config: smallConfig())
        for _ in 0..<6 { try straight.trainStep() }

        let first = try Pretrainer(config: smallConfig())
        for _ in 0..<4 { try first.trainStep() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pretrain-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try first.save(to: dir)
        let resumed = try Pretrainer(resumeFrom: dir)
        #expect(resumed.step == 4)
        for _ in 0..<2 { try resumed.trainStep() }
        #expect(resumed.model.params.array == straight.model.params.array)
    }

    @Test func lossFallsOnTheTask() throws {
        var c = smallConfig()
        c.steps = 60
        c.learningRate = 1e-2
        let t = try Pretrainer(config: c)
        let first = try t.trainStep().loss
        var last: Float = 0
        for _ in 1..<60 { last = try t.trainStep().loss }
        #expect(last < first * 0.6, "loss \(first) → \(last)")
    }

    @Test func badConfigIsNamed() {
        var c = smallConfig()
        c.batchSize = 0
        #expect(throws: PretrainError.self) { try Pretrainer(config: c) }
        c = smallConfig()
        c.contextLength = 10
        do { _ = try Pretrainer(config: c); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("context"))
        }
    }

    /// RFT's fine-tuning: a fixed set in a seeded order, from given weights, not resumable as pretraining.
    @Test func fineTuningTrainsOnTheGivenSetFromTheGivenWeights() throws {
        let c = smallConfig()
        let start = try Pretrainer(config: c).model
        let set = (0..<5).map { Problem(id: $0, prompt: "\($0)+1=", answer: "\($0 + 1)", completion: "<think></think><answer>\($0 + 1)</answer>") }
        let t = try Pretrainer(config: c, dataset: set, initial: start)
        #expect(t.model.params.array == start.params.array)
        let drawn = (0..<3).flatMap { t.problems(forStep: $0) }.map(\.prompt)
        #expect(Set(drawn) == Set(set.map(\.prompt)) && drawn.count == 12)
        try t.trainStep()
        #expect(t.model.params.array != start.params.array)
        let dir = NSTemporaryDirectory() + "rft-\(UUID().uuidString)"
        try t.save(to: dir)
        #expect(throws: (any Error).self) { try Pretrainer(resumeFrom: dir) }
        #expect(throws: (any Error).self) { try Pretrainer(config: c, dataset: [], initial: start) }
    }
}

@Suite("Pretrain on task files")
struct PretrainFileTests {
    /// Answer-only English problems, a training and a held-out file in a fresh folder.
    func files() throws -> TaskFiles {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pretrain-files-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let train = (1...40).map { #"{"prompt": "What is \#($0) plus 2?", "answer": "\#($0 + 2)"}"# }
        let held = (41...45).map { #"{"prompt": "Sum \#($0) and 1.", "answer": "\#($0 + 1)"}"# }
        try train.joined(separator: "\n").write(toFile: dir + "/train.jsonl", atomically: true, encoding: .utf8)
        try held.joined(separator: "\n").write(toFile: dir + "/held.jsonl", atomically: true, encoding: .utf8)
        return TaskFiles(train: dir + "/train.jsonl", heldOut: dir + "/held.jsonl")
    }

    @Test func aFileCheckpointRemembersItsFilesAndResumesWithItsAlphabet() throws {
        var c = smallConfig()
        c.taskFiles = try files()
        let task = try FileTask(files: c.taskFiles!)
        let tokenizer = try Tokenizer(alphabet: Tokenizer.alphabet(covering: task.texts))
        let straight = try Pretrainer(config: c, tokenizer: tokenizer)
        for _ in 0..<6 { try straight.trainStep() }
        #expect(straight.problems(forStep: 0).first?.prompt == "What is 1 plus 2?")
        #expect(straight.problems(forStep: 0).first?.completion == "<think></think><answer>3</answer>")

        let first = try Pretrainer(config: c, tokenizer: tokenizer)
        for _ in 0..<4 { try first.trainStep() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pretrain-files-ckpt-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try first.save(to: dir)
        let resumed = try Pretrainer(resumeFrom: dir)
        #expect(resumed.config.taskFiles == c.taskFiles && resumed.tokenizer == tokenizer)
        for _ in 0..<2 { try resumed.trainStep() }
        #expect(resumed.model.params.array == straight.model.params.array)
    }

    @Test func theStandardAlphabetCannotTrainOnEnglish() throws {
        var c = smallConfig()
        c.taskFiles = try files()
        #expect { try Pretrainer(config: c, tokenizer: .standard) } throws: {
            "\($0)".contains("train.jsonl:1: \"W\"") && "\($0)".contains("not in the checkpoint's tokenizer alphabet")
        }
    }
}
