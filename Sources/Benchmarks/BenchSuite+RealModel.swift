import Foundation
import Kernels
import Llama

extension BenchSuite {
    /// SmolLM2-135M-Instruct against PyTorch, in pairs: sampling 64 rows × 64 new tokens
    /// against HF `generate`, and a training step on 8 × 256 tokens, full fine-tuning and
    /// LoRA (rank 16 on all seven projections) against transformers and peft.
    func realModel() throws {
        var r = BenchReport.RealModel()
        r.path = options.realModel
        defer { report.realModel = r }
        guard FileManager.default.fileExists(atPath: (options.realModel as NSString).appendingPathComponent("config.json")) else {
            r.note = "no model at \(options.realModel): `make smollm2` imports SmolLM2-135M-Instruct there"
            return
        }
        let ref = TorchReference(python: options.python)
        let threads = ["--threads", "\(Parallel.threads)", "--model", options.realModel]
        r.pairs = options.repeats
        let base = try LlamaCheckpoint.load(from: options.realModel)
        r.parameters = base.parameterCount
        var seed: UInt64 = 1
        if options.realModelParts.contains("sampling") {
            log("bench: SmolLM2 sampling \(r.sampleRows) rows × \(r.newTokens) new tokens, ours and HF generate alternating, \(options.repeats) pairs")
            let generator = try TorchServer(reference: ref, arguments: threads + ["--mode", "generate", "--batch", "\(r.sampleRows)",
                                                                                "--prompt-len", "16", "--new-tokens", "\(r.newTokens)"])
            r.sampling = try pairs(generator) {
                seed += 1
                return try RealModelBenchmark.sampling(base, rows: r.sampleRows, promptLength: 16, newTokens: r.newTokens, seed: seed)
            }
        }
        for lora in [0, 16] where options.realModelParts.contains("training") {
            log("bench: SmolLM2 training \(r.trainRows) × \(r.trainSeq) tokens, \(lora == 0 ? "full fine-tuning" : "LoRA rank \(lora)"), ours and PyTorch alternating")
            let model = lora == 0 ? base : try LlamaCheckpoint.load(from: options.realModel)
            if lora > 0 { try model.attachLoRA(LoRAConfig(rank: lora, alpha: Float(2 * lora)), seed: 1) }
            let trainer = RealModelBenchmark.Trainer(model: model, rows: r.trainRows, seq: r.trainSeq, seed: 3)
            try trainer.step()  // warm-up: buffers, gradients and moments allocated
            let torch = try TorchServer(reference: ref, arguments: threads + ["--mode", "train", "--batch", "\(r.trainRows)",
                                                                            "--seq", "\(r.trainSeq)", "--steps", "1", "--warmup", "1",
                                                                            "--lora", "\(lora)"])
            let measured = try pairs(torch) { try trainer.measure(steps: 1) }
            if lora == 0 { r.fullFineTuning = measured } else { r.lora = measured }
        }
        let peak = report.peak.peak
        if peak > 0 {
            let n = Double(r.parameters)
            r.samplingPeakFraction = r.sampling.map { $0.ours.median * 2 * n / 1e9 / peak }
            r.fullFineTuningPeakFraction = r.fullFineTuning.map { $0.ours.median * 6 * n / 1e9 / peak }
            r.loraPeakFraction = r.lora.map { $0.ours.median * 6 * n / 1e9 / peak }
        }
    }

    /// One RL step of configs/smollm2.yaml (8 prompts × 8 completions, LoRA) against TRL's
    /// GRPOTrainer doing the same (scripts/trl_grpo_step.py), alternating; each side's first
    /// step is a warm-up (moments allocated), not timed.
    func rlStep() throws {
        var r = report.realModel ?? BenchReport.RealModel()
        defer { report.realModel = r }
        guard options.realModelParts.contains("rl-step"),
              FileManager.default.fileExists(atPath: (options.realModel as NSString).appendingPathComponent("config.json")) else { return }
        r.rlStepConfig = options.rlStepConfig
        let ours = try RLStepBenchmark(configPath: options.rlStepConfig, modelPath: options.realModel)
        let rl = ours.config.rl
        log("bench: one RL step of \(options.rlStepConfig) (\(rl.promptsPerStep) prompts × \(rl.groupSize) completions), ours and TRL's GRPOTrainer alternating, \(options.repeats) pairs")
        _ = try ours.measure()
        // TRL's warm-up step runs before it says it is ready: minutes on two cores.
        let trl = try TorchServer(reference: TorchReference(python: options.python, script: "scripts/trl_grpo_step.py"),
                                  arguments: ours.trlArguments(threads: Parallel.threads), timeout: 1800)
        var stages: [RLStepBenchmark.Stages] = [], theirSeconds: [Double] = [], theirGeneration: [Double] = []
        r.rlStep = try pairs(trl, ours: {
            let s = try ours.measure()
            stages.append(s)
            return Double(s.completions) / s.total
        }, theirs: { reply in
            if let x = reply["seconds"] as? Double { theirSeconds.append(x) }
            if let x = reply["generation_seconds"] as? Double { theirGeneration.append(x) }
        })
        var st = BenchReport.RLStepStages()
        st.sample = Stats(stages.map(\.sample)); st.score = Stats(stages.map(\.score)); st.update = Stats(stages.map(\.update))
        st.broadcast = Stats(stages.map(\.broadcast)); st.total = Stats(stages.map(\.total))
        st.completionTokens = Stats(stages.map { Double($0.completionTokens) })
        st.theirSeconds = Stats(theirSeconds); st.theirGenerationSeconds = Stats(theirGeneration)
        r.rlStepStages = st
    }

    /// `options.repeats` pairs of (ours, theirs), back to back, with PyTorch's peak resident memory;
    /// `theirs` sees each of the script's whole replies (what else it timed).
    func pairs(_ server: TorchServer, ours: () throws -> Double, theirs each: ([String: Any]) -> Void = { _ in }) throws -> BenchReport.Paired {
        defer { server.stop() }
        var mine: [Double] = [], theirs: [Double] = [], rss = 0.0
        for _ in 0..<options.repeats {
            mine.append(try ours())
            let m = try server.measureReply()
            theirs.append(m.rate)
            rss = max(rss, m.reply["max_rss_mb"] as? Double ?? 0)
            each(m.reply)
        }
        return .init(ours: Stats(mine), theirs: Stats(theirs), ratios: Stats(zip(mine, theirs).map { $0 / $1 }),
                     theirPeakResidentMB: rss > 0 ? rss : nil)
    }
}
