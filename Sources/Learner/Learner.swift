import Cluster
import Foundation
import Policy
import Ranks
import Trainer
import Transport
import Worker

/// The learner process: the one RL loop (`RLRun`) fed by the cluster's broker. It owns
/// the dataset cursor, the policy, the reference and the optimiser; the broker's thread
/// does all messaging.
public final class Learner {
    public let run: RLRun
    let source: BrokerSource

    /// Loads the policy (from `run.init_from`, or the run's own checkpoint with `resume`) and binds
    /// the ports: the config's TCP ports, or `endpoints` (`inproc://` in `context`, for a
    /// cluster of threads in one process). With several `ranks` this is rank 0: the others
    /// get its state here and follow its updates (`PolicyUpdater.followRankZero`).
    public init(config: ExperimentConfig, resume: Bool, endpoints: Endpoints? = nil, context: ZMQContext? = nil,
                ranks: RankGroup = SingleRank(), log: @escaping (String) -> Void) throws {
        let runDir = config.runDirectory(cluster: true)
        let start = try RunStart(config: config, runDir: runDir, resume: resume)
        // CURVE guards the TCP ports; threads in this process (`inproc://`) have no handshake.
        let keys = endpoints == nil ? try ClusterSecurity.learnerKeys(config, log: log) : nil
        source = try BrokerSource(config: config, ledger: start.ledger(config: config.rl, maxInFlight: config.cluster.maxInFlight),
                                  model: ModelSpec(of: start.policy), weightFloats: start.policy.trainable.count,
                                  adapters: config.lora.enabled ? AdaptedBase(base: Self.absolute(config.initFrom), lora: config.lora) : nil,
                                  codec: start.codec, task: start.task, keys: keys,
                                  endpoints: endpoints, context: context, log: log)
        run = try RLRun(config: config.rl, runDir: runDir, policy: start.policy, codec: start.codec, task: start.task,
                        source: source, state: start.state, baseFiles: start.baseFiles, reference: start.reference,
                        verify: try RunStart.verifier(config), updaterSettings: Self.updaterSettings(config.cluster), ranks: ranks, log: log)
        if ranks.size > 1 {
            try run.updater.shareState()
            log("learner ranks: \(ranks.size) (each trains a share of every update's rows; parameters compared every \(config.cluster.rankCheckEvery) updates)")
        }
        if keys != nil { log("CURVE on every port: \(keys!.allowed.count) worker keys allowed (\(config.keyDirectory)/allowed_workers)") }
        log("listening: " + (endpoints ?? config.cluster.bindEndpoints).all.map { "\($0.name) \($0.endpoint)" }.joined(separator: ", "))
    }

    /// Workers elsewhere say how they sampled: the learner checks it (`cluster.max_logprob_gap`, `audit_fraction`).
    static func updaterSettings(_ cluster: ClusterSettings) -> UpdaterSettings {
        var s = UpdaterSettings()
        s.maxBehaviourGap = Float(cluster.maxLogprobGap)
        s.referenceAuditFraction = cluster.auditFraction
        s.rankCheckEvery = cluster.rankCheckEvery
        return s
    }

    /// `path` from the root: actors started elsewhere read the base from it.
    static func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    /// Asks the run to stop after the current step (SIGTERM, Ctrl-C); a checkpoint is written.
    public func requestStop() { run.requestStop() }
}
