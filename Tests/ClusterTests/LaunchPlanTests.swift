import Testing
@testable import Cluster

/// What `launch` starts, from the config alone: no process is spawned here.
@Suite("Launch plan")
struct LaunchPlanTests {
    @Test func theDefaultClusterIsALearnerTwoActorsAndTwoVerifiers() throws {
        let c = try ExperimentConfig.load(path: nil, overrides: ["cluster.base_port=6000", "metrics.port=9464"])
        let plan = LaunchPlan(c, configArguments: ["configs/default.yaml", "--set", "x.y=1"], resume: true)
        #expect(plan.processes.map(\.name) == ["learner", "actor-1", "actor-2", "verifier-1", "verifier-2"])
        let learner = plan.processes[0]
        #expect(learner.arguments == ["learner", "--no-summary", "configs/default.yaml", "--set", "x.y=1", "--resume"])
        #expect(!learner.restartable && learner.ranks == 1 && learner.cpus == 0)
        let actor = plan.processes[2]
        #expect(actor.restartable)
        #expect(actor.arguments == ["actor", "--id", "actor-2", "--batch", "8", "--threads", "1", "--nice", "5",
                                    "--metrics-port", "9466", "--metrics-host", "127.0.0.1",
                                    "--learner", "127.0.0.1", "--port", "6000", "--watch-parent",
                                    "--keys", "\(c.keyDirectory)/workers/actor-2"])
        #expect(plan.processes[4].arguments == ["verifier", "--id", "verifier-2", "--learner", "127.0.0.1", "--port", "6000",
                                                "--watch-parent", "--keys", "\(c.keyDirectory)/workers/verifier-2"])
        #expect(!plan.emulatesMachines)
    }

    @Test func ranksPlainTextAndEmulatedMachinesShowInThePlan() throws {
        let c = try ExperimentConfig.load(path: nil, overrides: [
            "cluster.actors=3", "cluster.verifiers=0", "cluster.security=none", "cluster.learner_ranks=2",
            "cluster.machine_cpus=0.25", "cluster.learner_machine_cpus=0.5",
        ])
        let plan = LaunchPlan(c, configArguments: ["c.yaml"], resume: false)
        #expect(plan.processes.map(\.name) == ["learner", "actor-1", "actor-2", "actor-3"])
        #expect(plan.processes[0].ranks == 2 && plan.processes[0].cpus == 0.5 && !plan.processes[0].arguments.contains("--resume"))
        #expect(plan.processes.dropFirst().allSatisfy { $0.cpus == 0.25 && !$0.arguments.contains("--keys") })
        #expect(plan.emulatesMachines)
    }
}
