import Wire
import Worker

/// How the processes of a run find each other and pace their work.
public struct ClusterSettings: Codable, Sendable, Equatable {
    /// Address the learner binds (`0.0.0.0` to accept workers from other machines).
    public var bindHost = "127.0.0.1"
    /// Address workers connect to.
    public var learnerHost = "127.0.0.1"
    /// The learner binds four consecutive ports from here: work, trajectories, weights, verify.
    public var basePort = 5555
    public var actors = 2
    public var verifiers = 2
    /// Prompts an actor samples in one batch (its credits per request).
    public var actorBatch = 8
    /// Publish weights after every this many updates.
    public var broadcastEvery = 1
    /// Groups handed out and not yet trained on, at most (bounds every queue).
    public var maxInFlight = 96
    /// A worker silent for this long is presumed dead and its work handed out again.
    public var workerTimeout = 4.0
    public var heartbeatInterval = 0.5
    /// A score request unanswered for this long is sent to another verifier.
    public var verifyTimeout = 10.0
    public var verifyRetries = 3
    /// Threads each actor's sampler uses (the machine's cores are shared by every process).
    public var actorThreads = 1
    /// Threads the learner's update uses while actors sample beside it. Lock-step parallel
    /// kernels stall when another process takes a core, but the actors run niced and idle
    /// while the learner is the bottleneck: on 2 cores, 2 threads made 1.31× more steps than 1.
    public var learnerThreads = 2
    /// Data-parallel learner processes (MPI ranks, started with `mpirun`): each trains a share
    /// of every update's rows, gradients summed with MPI_Allreduce. Rank 0 is the learner.
    public var learnerRanks = 1
    /// With several ranks, their parameters are compared every this many updates (0: never).
    public var rankCheckEvery = 10
    /// Extra arguments for `mpirun` when `launch` starts several ranks (`--hostfile FILE`
    /// puts them on other machines).
    public var mpirunArgs = ""
    /// `launch` runs every process on an emulated machine of this many cores (a cgroup CPU
    /// quota; root only): 0.25 is a quarter of a core. 0: the processes share the host.
    public var machineCPUs = 0.0
    /// The learner's (each rank's) emulated machine, in cores; 0: `machine_cpus`.
    public var learnerMachineCPUs = 0.0
    /// Scheduling niceness of actor processes `launch` starts: above 0 lets the learner's
    /// update take a core when it has work, with the actors filling the rest.
    public var actorNice = 5
    /// Largest message any bound port accepts.
    public var maxMessageBytes = 64 << 20
    /// How the policy's weights travel to the actors: `fp32`, or `bf16` (half the bytes; for
    /// fully fine-tuning a model whose fp32 weights would not fit a message, e.g. SmolLM2's
    /// 538 MB). The frozen reference always travels as fp32: its log-probs are audited to 10⁻³.
    public var weightsPrecision = WeightPrecision.fp32
    /// `curve`: every port encrypted and only workers whose keys are in the allow-list get
    /// in; `none`: plain text, anyone who can reach the ports is trusted (loopback only,
    /// unless said explicitly).
    public var security = "curve"
    /// The key directory (`nanoreasoner keygen`); empty: the run directory's `keys/`, made
    /// for a local cluster on first start.
    public var keys = ""
    /// Share of verifier answers the learner checks with its own verifier (built-in task),
    /// and of groups whose actor-computed reference log-probs it computes again.
    public var auditFraction = 0.1
    /// Actors pass the weights on to this many actors each, the learner serving as many
    /// (a tree in join order; 1 = a chain): the learner's link carries that many copies per
    /// update instead of one per actor. 0: every actor subscribes to the learner.
    public var weightFanout = 0
    /// Actors compute the KL term's reference log-probs (they hold the frozen reference) so
    /// the learner's update skips that forward pass: for actors on machines of their own.
    /// Off by default: on one 2-core machine the actors' extra forward costs more steps than
    /// the learner's saving buys (docs/EXPERIMENTS.md).
    public var referenceOnActors = false
    /// Mean |behaviour log-prob − the learner's recompute| per token above which a group's
    /// log-probs are taken as forged and the group dropped.
    public var maxLogprobGap = 1.0
    /// Forged groups after which an actor is refused.
    public var forgeryLimit = 3
    /// Workers (actors + verifiers) the learner admits at once.
    public var maxWorkers = 256
    /// Messages each learner port queues per connection before libzmq stops reading it.
    public var maxQueue = 1024

    public init() {}

    public var curve: Bool { security == "curve" }
    /// Whether the learner binds only where other machines cannot reach it.
    public var bindsLoopback: Bool { ["127.0.0.1", "localhost", "::1"].contains(bindHost) || bindHost.hasPrefix("127.") }

    public var endpoints: Endpoints { Endpoints(host: learnerHost, basePort: basePort) }
    public var bindEndpoints: Endpoints { Endpoints(host: bindHost, basePort: basePort) }
}
