import Foundation
import Worker

/// The learner's CURVE keys for a run, by the one rule: with `cluster.security: curve` a
/// learner on loopback makes its local cluster's keys on first start, and one bound beyond
/// loopback needs keys made beforehand (its workers on other machines need copies of them).
public enum ClusterSecurity {
    /// The learner's keys, or nil when the run is plain text (`security: none`).
    public static func learnerKeys(_ c: ExperimentConfig, log: (String) -> Void) throws -> ClusterKeys.Learner? {
        guard c.cluster.curve else {
            if !c.cluster.bindsLoopback {
                log("WARNING: cluster.security is none and the learner binds \(c.cluster.bindHost): anyone who can reach ports "
                    + "\(c.cluster.basePort)…\(c.cluster.basePort + 3) can join, read the weights and steer training")
            }
            return nil
        }
        if !ClusterKeys.exist(at: c.keyDirectory) {
            try makeLocalKeys(c)
            log("made CURVE keys for the local cluster in \(c.keyDirectory)")
        }
        return try ClusterKeys.learner(at: c.keyDirectory)
    }

    /// Makes (or completes) the keys of the config's local workers (`launch`'s), where the
    /// rule allows: on loopback, or beside keys made beforehand with `keygen`.
    public static func makeLocalKeys(_ c: ExperimentConfig) throws {
        let dir = c.keyDirectory
        guard c.cluster.bindsLoopback || ClusterKeys.exist(at: dir) else {
            throw SecurityError.noKeys(bindHost: c.cluster.bindHost, dir: dir, names: c.localWorkerNames)
        }
        try ClusterKeys.make(at: dir, workers: c.localWorkerNames)
    }
}

public enum SecurityError: Error, CustomStringConvertible {
    case noKeys(bindHost: String, dir: String, names: [String])

    public var description: String {
        switch self {
        case .noKeys(let host, let dir, let names):
            return "the learner binds \(host), beyond loopback, and \(dir) holds no keys: make them first with "
                + "`nanoreasoner keygen \(dir) --workers \(names.joined(separator: ","))`, copy \(dir)/workers/NAME to each worker "
                + "machine and start its worker with --keys; or set cluster.security: none to run in plain text (anyone on the network can join)"
        }
    }
}
