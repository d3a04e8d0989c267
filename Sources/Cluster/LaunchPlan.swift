/// The processes `launch` starts for a config, as a value: who runs, with which arguments,
/// which are restarted, how many learner ranks, on what share of a CPU. Built from the config
/// alone, so it is tested without spawning anything; the CLI turns it into the supervisor's
/// children (mpirun for several ranks, cgroups for emulated machines).
public struct LaunchPlan: Equatable, Sendable {
    public struct Process: Equatable, Sendable {
        public var name: String
        /// The `nanoreasoner` arguments.
        public var arguments: [String]
        /// Workers are restarted when they die; the learner's exit ends the run.
        public var restartable: Bool
        /// MPI ranks the learner runs as (1: itself; more: under mpirun).
        public var ranks = 1
        /// The emulated machine's CPUs (`cluster.machine_cpus`, the learner's own when set); 0: none.
        public var cpus = 0.0
    }

    public var processes: [Process]

    /// `configArguments`: how the learner reads the same config (the file and its `--set`s);
    /// with `resume` it continues the run's checkpoint.
    public init(_ c: ExperimentConfig, configArguments: [String], resume: Bool) {
        let cl = c.cluster
        let learnerCPUs = cl.learnerMachineCPUs > 0 ? cl.learnerMachineCPUs : cl.machineCPUs
        var learner = Process(name: "learner", arguments: ["learner", "--no-summary"] + configArguments + (resume ? ["--resume"] : []),
                              restartable: false)
        learner.ranks = cl.learnerRanks
        learner.cpus = learnerCPUs
        processes = [learner]
        let common = ["--learner", cl.learnerHost, "--port", String(cl.basePort), "--watch-parent"]
        // With CURVE each local worker proves its own key, made for it under the key directory.
        func keys(_ name: String) -> [String] { cl.curve ? ["--keys", "\(c.keyDirectory)/workers/\(name)"] : [] }
        for i in stride(from: 1, through: cl.actors, by: 1) {
            let name = "actor-\(i)"
            let metrics = c.metricsPort > 0 ? ["--metrics-port", String(c.metricsPort + i), "--metrics-host", c.metricsHost] : []
            processes.append(Process(name: name, arguments: ["actor", "--id", name, "--batch", String(cl.actorBatch),
                                                             "--threads", String(cl.actorThreads), "--nice", String(cl.actorNice)]
                                         + metrics + common + keys(name), restartable: true, cpus: cl.machineCPUs))
        }
        for i in stride(from: 1, through: cl.verifiers, by: 1) {
            let name = "verifier-\(i)"
            processes.append(Process(name: name, arguments: ["verifier", "--id", name] + common + keys(name),
                                     restartable: true, cpus: cl.machineCPUs))
        }
    }

    /// Whether any process runs on an emulated machine (cgroup CPU quotas; root).
    public var emulatesMachines: Bool { processes.contains { $0.cpus > 0 } }
}
