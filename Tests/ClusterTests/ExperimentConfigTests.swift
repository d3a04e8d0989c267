import Foundation
import Testing
@testable import Cluster
import Tasks

@Suite("ExperimentConfig")
struct ExperimentConfigTests {
    @Test func theShippedDefaultParsesAndMatchesTheBuiltInDefaults() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let c = try ExperimentConfig.load(path: root + "/configs/default.yaml")
        #expect(c.cluster.actors == 2 && c.cluster.verifiers == 2)
        #expect(c.rl.algorithm == .grpo)
        #expect(c.cluster.endpoints.work == "tcp://127.0.0.1:5555")
    }

    @Test func overridesWinOverTheFile() throws {
        var c = ExperimentConfig()
        try c.apply(yaml: "algorithm:\n  lr: 1.0e-4\ncluster:\n  actors: 3\n", source: "test")
        try c.set("cluster.actors", "4", source: "--set")
        #expect(c.rl.learningRate == 1e-4)
        #expect(c.cluster.actors == 4)
    }

    @Test func aWrongKeyIsNamedWithItsLine() {
        #expect {
            try applying("cluster:\n  actors: 2\n  actorz: 3\n", "x.yaml")
        } throws: { e in
            let d = "\(e)"
            return d.contains("x.yaml:3") && d.contains("unknown key 'cluster.actorz'") && d.contains("cluster.actors")
        }
    }

    @Test func aWrongValueSaysWhatWasExpected() {
        #expect { try setting("algorithm.lr", "fast") } throws: { "\($0)".contains("algorithm.lr = 'fast': expected a number") }
        #expect { try setting("algorithm.name", "trpo") } throws: { "\($0)".contains("one of grpo, kimi, rloo, reinforce, ppo, gspo") }
        #expect { try setting("algorithm.no_std", "maybe") } throws: { "\($0)".contains("true or false") }
    }

    @Test func validationNamesTheKey() {
        var c = ExperimentConfig()
        c.cluster.maxInFlight = 4
        #expect { try c.validate() } throws: { "\($0)".contains("cluster.max_in_flight") }
        c = ExperimentConfig()
        c.cluster.actors = 0
        #expect { try c.validate() } throws: { "\($0)".contains("cluster.actors") }
        c = ExperimentConfig()
        c.rl.reward.processWeight = 0.2
        c.externalVerifier = "python3 check.py"
        #expect { try c.validate() } throws: { "\($0)".contains("reward.process_weight") && "\($0)".contains("external_verifier") }
        c = ExperimentConfig()
        c.rl.ppo.lambda = 1.5
        #expect { try c.validate() } throws: { "\($0)".contains("lambda") }
        c = ExperimentConfig()
        c.taskFile = "train.jsonl"
        #expect { try c.validate() } throws: { "\($0)".contains("task.held_out is empty") }
        c.taskHeldOut = "held_out.jsonl"
        c.rl.reward.processWeight = 0.2
        #expect { try c.validate() } throws: { "\($0)".contains("reward.process_weight") && "\($0)".contains("task.file") }
        c = ExperimentConfig()
        c.metricsPort = 70_000
        #expect { try c.validate() } throws: { "\($0)".contains("metrics.port") }
        c.metricsPort = 9464
        #expect(throws: Never.self) { try c.validate() }
    }

    /// Hugging Face's Trainer writes a trainer_state.json too: ours is told apart, not mistaken
    /// for a checkpoint of the default task.
    @Test func aTrainerStateThatIsNotOursIsNamed() throws {
        let dir = NSTemporaryDirectory() + "nr-hf-state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(try PolicyFiles.taskConfig(of: dir) == ArithmeticConfig())  // none: the built-in task
        try Data(#"{"global_step": 500, "log_history": [], "epoch": 3.0}"#.utf8).write(to: URL(fileURLWithPath: dir + "/trainer_state.json"))
        #expect { try PolicyFiles.taskConfig(of: dir) } throws: { "\($0)".contains("not NanoReasoner's") && "\($0)".contains("Hugging Face") }
    }

    @Test func badYAMLIsReportedNotCrashed() {
        #expect { try applying("cluster: [1, 2\n", "bad.yaml") } throws: { "\($0)".contains("bad.yaml") }
        #expect { try applying("- a\n- b\n", "list.yaml") } throws: { "\($0)".contains("mapping") }
        #expect { try applying("cluster:\n  actors: [1, 2]\n", "v.yaml") } throws: { "\($0)".contains("a single value") }
    }

    @Test func printedConfigReadsBack() throws {
        var c = ExperimentConfig()
        c.cluster.actors = 5
        c.rl.loss.tau = 0.25
        var back = ExperimentConfig()
        try back.apply(yaml: c.yaml, source: "printed")
        #expect(back.cluster.actors == 5 && back.rl.loss.tau == 0.25)
    }
}

private func applying(_ yaml: String, _ source: String) throws {
    var c = ExperimentConfig()
    try c.apply(yaml: yaml, source: source)
}

private func setting(_ key: String, _ value: String) throws {
    var c = ExperimentConfig()
    try c.set(key, value, source: "--set")
}
