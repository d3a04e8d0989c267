import Foundation
import Testing
@testable import Benchmarks

/// The RL step the bench times against TRL: one step of a run config, by stage, on the tiny
/// Qwen2 fixture with LoRA; and the TRL twin is asked for the same settings.
@Suite("RL step bench")
struct RLStepBenchmarkTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/llama/qwen2-tiny").standardizedFileURL.path

    @Test func oneStepByStageWithTheConfigsSettings() throws {
        let dir = NSTemporaryDirectory() + "rl-step-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func problems(_ b: Int) -> String { (0..<6).map { #"{"prompt": "\#($0)+\#(b)=", "answer": "\#($0 + b)"}"# }.joined(separator: "\n") }
        try problems(1).write(toFile: dir + "/train.jsonl", atomically: true, encoding: .utf8)
        try problems(2).write(toFile: dir + "/held_out.jsonl", atomically: true, encoding: .utf8)
        try """
        run: {seed: 3}
        lora: {rank: 2, alpha: 4}
        task: {file: \(dir)/train.jsonl, held_out: \(dir)/held_out.jsonl}
        algorithm: {prompts_per_step: 2, group_size: 3, max_new_tokens: 5, temperature: 0.7, lr: 1.0e-3, beta: 0}
        reward: {answer_format: answer_line}
        """.write(toFile: dir + "/step.yaml", atomically: true, encoding: .utf8)

        let bench = try RLStepBenchmark(configPath: dir + "/step.yaml", modelPath: Self.fixture)
        for _ in 0..<2 {
            let s = try bench.measure()
            #expect(s.completions == 6, "2 prompts × 3 completions")
            #expect(s.completionTokens >= 6 && s.completionTokens <= 30)
            #expect(s.sample > 0 && s.update > 0 && s.broadcast > 0)
            #expect(abs(s.total - (s.sample + s.score + s.update + s.broadcast)) < 1e-12)
        }
        let args = bench.trlArguments(threads: 2)
        func value(_ flag: String) -> String? { args.firstIndex(of: flag).map { args[$0 + 1] } }
        #expect(value("--model") == Self.fixture)
        #expect(value("--tasks") == dir + "/train.jsonl")
        #expect(value("--prompts") == "2" && value("--generations") == "3" && value("--max-new-tokens") == "5")
        #expect(value("--micro-batch") == "3", "TRL's loss one group at a time")
        #expect(value("--lora") == "2" && value("--temperature") == "0.7" && value("--seed") == "3")
    }
}
