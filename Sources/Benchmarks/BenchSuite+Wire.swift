import Cluster
import Foundation
import Tasks
import TinyGPT
import Wire

extension BenchSuite {
    /// The experiment config the cluster runs use, with the bench's overrides.
    func experiment(extra: [String] = []) throws -> ExperimentConfig {
        let file = options.configFile.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        return try ExperimentConfig.load(path: file, overrides: clusterOverrides + extra)
    }

    var clusterOverrides: [String] { options.promptsPerStep.map { ["algorithm.prompts_per_step=\($0)"] } ?? [] }

    /// Codec on real trajectories and on weights, ZeroMQ PUSH→PULL throughput, broadcast latency.
    func wire(base: BaseCheckpoint) throws {
        let exp = try experiment()
        let (model, tokenizer) = try PolicyFiles.load(base.path)
        let task = try PolicyFiles.problemSet(of: base.path)
        let cl = exp.cluster
        var w = BenchReport.WireSection()
        w.trajectorySource = "\(options.trajectoryBatches) batches × \(cl.actorBatch) training prompts × \(exp.rl.groupSize) samples from "
            + (base.pretrainedForBench ? "a quick base pretrained for the bench" : base.path)
            + ", \(cl.actorThreads) sampler thread(s) as an actor"
        log("bench: sampling real trajectories (\(w.trajectorySource))")
        let sample = try TrajectorySample.make(model: model, tokenizer: tokenizer, task: task, params: exp.rl.samplingParams,
                                               batches: options.trajectoryBatches, batch: cl.actorBatch,
                                               groupSize: exp.rl.groupSize, threads: cl.actorThreads)
        w.samplingSecondsPerGroup = sample.samplingSecondsPerGroup
        let trajectories = sample.groups.map { Message.trajectory($0) }
        let wireRepeats = options.quick ? 5 : 10
        log("bench: wire codec on \(trajectories.count) trajectory groups and on the weights")
        w.trajectories = try WireBenchmark.roundTrip(trajectories, repeats: wireRepeats)
        let params = Array(UnsafeBufferPointer(start: model.params.pointer, count: model.params.count))
        w.weights = try WireBenchmark.roundTrip([.weights(Weights(version: 1, params: params))],
                                                repeats: wireRepeats)
        log("bench: ZeroMQ PUSH→PULL, \(options.zmqMessages) trajectory messages × \(options.repeats) over tcp loopback")
        let frames = trajectories.map { $0.encoded() }
        w.zmq = try ZMQThroughput.run(frames: frames, count: options.zmqMessages, repeats: options.repeats)
        log("bench: the same with CurveZMQ (encrypted and authenticated, the cluster's default)")
        w.zmqCurve = try ZMQThroughput.run(frames: frames, count: options.zmqMessages, repeats: options.repeats, curve: true)
        if let codec = w.trajectories?.secondsPerMessage.median, let send = w.zmq?.secondsPerMessage.median,
           sample.samplingSecondsPerGroup.median > 0 {
            w.wireShareOfRollout = (codec + send) / sample.samplingSecondsPerGroup.median
        }
        verifyTime = sample.verifySecondsPerGroup(tokenizer: tokenizer, reward: exp.rl.reward, repeats: wireRepeats)
        w.note = "broadcast subscribers are threads of the bench process, each with its own SUB socket and TCP connection"
        w.broadcast = try broadcast(name: "default", params: params)
        if options.tenX {
            let big = try GPT(config: Self.tenXConfig(model.config))
            big.initialize(seed: 5)
            w.broadcast += try broadcast(name: "10×", params: Array(UnsafeBufferPointer(start: big.params.pointer, count: big.params.count)))
        } else {
            report.skipped.append("10× model broadcast (--quick; run without --quick for it)")
        }
        report.wire = w
    }

    /// Plain and (for the default model) CURVE, each subscriber count measured both ways in a row.
    private func broadcast(name: String, params: [Float]) throws -> [BroadcastBenchmark.Result] {
        try options.broadcastSubscribers.flatMap { k in
            try (name == "default" ? [false, true] : [false]).map { curve in
                log("bench: weight broadcast, \(name) model (\(params.count) parameters) to \(k) subscriber(s)" + (curve ? ", CURVE" : ""))
                return try BroadcastBenchmark.run(model: name, params: params, subscribers: k,
                                                  rounds: name == "default" ? options.broadcastRounds : max(3, options.broadcastRounds / 2),
                                                  curve: curve)
            }
        }
    }

    /// About ten times the default's parameters: width 416 (8 heads) instead of 128, same depth.
    static func tenXConfig(_ c: GPTConfig) -> GPTConfig {
        GPTConfig(vocabSize: c.vocabSize, contextLength: c.contextLength, layers: c.layers, heads: 8, width: 416)
    }
}
