import Cluster
import Foundation
import Kernels
import Policy
import Tasks
import Trainer
import Transport
import Wire
import Worker

/// The cluster as a `GroupSource`: scored groups arrive from the broker's thread, new
/// weights go to it over an in-process socket (libzmq sockets belong to one thread).
final class BrokerSource: GroupSource {
    let broker: Broker
    private let control: ZMQSocket
    private let broadcastEvery: Int
    private let learnerThreads: Int
    private let precision: WeightPrecision
    private var serving = false

    /// `weightFloats`: what each weights message carries (the policy's trainable parameters:
    /// all of them, or a LoRA run's adapters, whose actors read the base from `adapters.base`).
    init(config: ExperimentConfig, ledger: WorkLedger, model: ModelSpec, weightFloats: Int, adapters: AdaptedBase?,
         codec: any PromptCodec, task: any ProblemSet,
         keys: ClusterKeys.Learner?, endpoints: Endpoints?, context: ZMQContext?, log: @escaping (String) -> Void) throws {
        try Self.checkWeightsFit(floats: weightFloats, precision: config.cluster.weightsPrecision, config.cluster.maxMessageBytes)
        precision = config.cluster.weightsPrecision
        var sampling = config.rl.samplingParams(stops: codec.stopIds)
        sampling.maxNewTokens = config.rl.maxNewTokens
        var ws = WorkerSettings(sampling: sampling, groupSize: config.rl.groupSize, model: model, reward: config.rl.reward,
                                seed: config.rl.seed, heartbeatInterval: config.cluster.heartbeatInterval,
                                maxMessageBytes: config.cluster.maxMessageBytes,
                                externalVerifier: config.externalVerifier, externalVerifierTimeout: config.externalVerifierTimeout,
                                referenceOnActors: config.cluster.referenceOnActors && config.rl.loss.beta > 0,
                                weightFanout: config.cluster.weightFanout, adapters: adapters)
        ws.weightsBytes = Message.weightsMessageBytes(count: weightFloats, precision: config.cluster.weightsPrecision)
        broker = try Broker(settings: config.cluster, workerSettings: ws, ledger: ledger, codec: codec,
                        problem: { task.trainProblem(at: $0) }, keys: keys, endpoints: endpoints, context: context ?? ZMQContext(), log: log)
        try broker.start()
        control = try ZMQSocket(broker.context, .push)
        try control.connect(broker.controlEndpoint)
        broadcastEvery = config.cluster.broadcastEvery
        learnerThreads = config.cluster.learnerThreads
    }

    /// Every scored group waiting (up to `need`), after up to `timeout` s for the first.
    /// Work is handed out from the first call on: not while the run evaluates its start.
    func take(need: Int, timeout: Double) throws -> [SourcedGroup] {
        if !serving { broker.setServing(true); serving = true }
        guard let first = broker.arrivals.take(timeout: timeout) else { return [] }
        var out = [first]
        while out.count < need, let next = broker.arrivals.take(timeout: 0) { out.append(next) }
        return out
    }

    /// The weights travel as one message of 4 (fp32) or 2 (bf16) bytes a parameter: a model
    /// whose message the workers would refuse is a config error here, not actors that never
    /// load a version.
    static func checkWeightsFit(floats: Int, precision: WeightPrecision, _ limit: Int) throws {
        let bytes = Message.weightsMessageBytes(count: floats, precision: precision) + (1 << 16)  // with 64 KiB to spare
        if bytes > Frame.defaultLimit {
            throw ConfigError.invalid("this model's weights are \(bytes >> 20) MiB as \(precision.rawValue), over the wire's \(Frame.defaultLimit >> 20) MiB ceiling: "
                + (precision == .fp32 ? "send them as bf16 (cluster.weights_precision: bf16), " : "")
                + "train it with LoRA (lora.rank > 0: only the adapters travel), or run it with `train` in one process")
        }
        if bytes > limit {
            throw ConfigError.invalid("cluster.max_message_bytes is \(limit) but this model's weights message is about \(bytes) bytes: set it to at least that")
        }
    }

    func ledger<T>(_ body: (inout WorkLedger) -> T) -> T { broker.ledger(body) }

    func publish(_ policy: any CausalLM, version: Int) {
        guard version == 0 || version % broadcastEvery == 0 else { return }
        hand(policy, version: version, reference: false)
    }

    /// The frozen reference, for actors that compute the KL term's log-probs: sent once, and
    /// again by the broker whenever an actor asks for work without it.
    func publishReference(_ reference: any CausalLM) {
        guard broker.workerSettings.referenceOnActors else { return }
        hand(reference, version: 0, reference: true)
    }

    /// `model`'s weights message, to the broker's thread: [version (8 bytes), message].
    private func hand(_ model: any CausalLM, version: Int, reference: Bool) {
        let floats = reference ? model.params : model.trainable  // a LoRA run's versions are its adapters
        let message = Message.encodedWeights(version: UInt64(version), params: UnsafeBufferPointer(start: floats.pointer, count: floats.count),
                                             precision: reference ? .fp32 : precision, reference: reference)
        var v = UInt64(version).littleEndian
        let versionBytes = withUnsafeBytes(of: &v) { Array($0) }
        _ = try? control.send([versionBytes, message])
    }

    var updateThreads: Int? { learnerThreads }

    func takeWindow() -> SourceWindow { broker.takeWindow() }

    var health: SourceHealth {
        var h = broker.snapshot
        h.rejectedMessages = broker.rejects.snapshot
        return h
    }

    func stopServing() { broker.setServing(false) }

    func forged(_ groups: [SourcedGroup]) { broker.reportForged(by: groups.map(\.actor)) }

    /// Tells every worker to stop; groups still out stay in the ledger as in flight, and a
    /// resumed run hands their prompts out first.
    func close(reason: String) { broker.stop(reason: reason) }
}
