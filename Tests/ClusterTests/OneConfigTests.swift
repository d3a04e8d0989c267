import Foundation
import Testing
@testable import Cluster
import Trainer

/// `train` and the cluster read one config: the same keys, the same per-algorithm defaults.
@Suite("One config for train and the cluster")
struct OneConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func rlJSON(_ c: ExperimentConfig) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(c.rl), as: UTF8.self)
    }

    @Test func everyWayOfAskingForKimiGivesTheSameRun() throws {
        let byFlag = try ExperimentConfig.load(path: Self.root + "/configs/default.yaml",
                                               overrides: TrainAliases.overrides(["algo": "kimi"]))
        let byFile = try ExperimentConfig.load(path: Self.root + "/configs/kimi.yaml")
        let bySet = try ExperimentConfig.load(path: Self.root + "/configs/default.yaml", overrides: ["algorithm.name=kimi"])
        #expect(byFlag.rl.passes == 1 && byFile.rl.passes == 1 && bySet.rl.passes == 1)
        #expect(try Self.rlJSON(byFlag) == Self.rlJSON(byFile))
        #expect(try Self.rlJSON(bySet) == Self.rlJSON(byFile))
        // An explicit value still wins over the algorithm's default.
        let two = try ExperimentConfig.load(path: Self.root + "/configs/kimi.yaml", overrides: ["algorithm.epochs=2"])
        #expect(two.rl.passes == 2)
    }

    @Test func everyAliasIsAKeyAndMeansWhatTheKeyMeans() throws {
        let names = Set(ConfigKeys.all.map(\.name))
        for a in TrainAliases.all {
            #expect(names.contains(a.key), "--\(a.flag) names \(a.key), which is not a config key")
        }
        let values: [String: String] = ["algo": "rloo", "steps": "7", "per-sequence": "", "std": "", "beta": "0.5",
                                        "no-curriculum": "", "out": "runs/x", "seed": "3", "epochs": "4"]
        let viaFlags = try ExperimentConfig.load(path: nil, overrides: TrainAliases.overrides(values))
        let viaKeys = try ExperimentConfig.load(path: nil, overrides: [
            "algorithm.name=rloo", "algorithm.steps=7", "algorithm.per_token=false", "algorithm.no_std=false", "algorithm.beta=0.5",
            "algorithm.curriculum=false", "run.out=runs/x", "run.seed=3", "algorithm.epochs=4"])
        #expect(try Self.rlJSON(viaFlags) == Self.rlJSON(viaKeys))
        #expect(viaFlags.out == "runs/x" && !viaFlags.rl.loss.perToken && !viaFlags.rl.noStd && viaFlags.rl.passes == 4)
    }

    @Test func trainAndTheClusterNeverShareARunDirectoryByDefault() {
        var c = ExperimentConfig()
        c.rl.algorithm = .kimi
        #expect(c.runDirectory(cluster: false) == "runs/kimi" && c.runDirectory(cluster: true) == "runs/cluster-kimi")
        c.out = "runs/mine"
        #expect(c.runDirectory(cluster: false) == "runs/mine" && c.runDirectory(cluster: true) == "runs/mine")
    }

    @Test func loopSettingsAreValidatedUnderTheirKeys() {
        #expect { try setting("cluster.max_staleness", "-1") } throws: { "\($0)".contains("cluster.max_staleness") }
        #expect { try setting("run.checkpoint_every", "-2") } throws: { "\($0)".contains("run.checkpoint_every") }
        #expect { try setting("algorithm.epochs", "0") } throws: { "\($0)".contains("algorithm.epochs") }
    }
}

private func setting(_ key: String, _ value: String) throws {
    _ = try ExperimentConfig.load(path: nil, overrides: ["\(key)=\(value)"])
}
