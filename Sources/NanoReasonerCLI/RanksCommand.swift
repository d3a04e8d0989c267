import ArgumentParser
import Completions
import Foundation
import Kernels
import Launcher
import Ranks
import Tasks
import TinyGPT
import Trainer
import Verifier

/// Checks and times the learner's data-parallel ranks on made-up groups: run it under
/// `mpirun -np K` and again with one rank, and the parameters it writes must agree.
struct RanksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ranks",
        abstract: "Check and time data-parallel learner ranks: N updates on seeded groups (run under mpirun -np K).")

    @Option(help: "Updates to run.") var updates = 5
    @Option(help: "Groups per update.") var groups = 32
    @Option(help: "Completions per group.") var groupSize = 8
    @Option(help: "Model layers / width (a fresh model from --seed).") var layers = 4
    @Option var width = 128
    @Option(help: "Vocabulary size of the made-up tokens.") var vocab = 300
    @Option(help: "Seed of the model and the groups.") var seed: UInt64 = 7
    @Option(help: "Threads each rank's update uses.") var threads = 1
    @Option(help: "Rank 0 writes the final parameters here (raw little-endian floats).") var out: String?
    @Flag(help: "Print the result as JSON.") var json = false

    struct Result: Encodable {
        var ranks: Int, updates: Int, rowsPerUpdate: Int, tokensPerUpdate: Int
        var secondsPerUpdate: [Double]
        /// Of each update, rank 0's seconds inside MPI collectives (0 with one rank).
        var collectiveSecondsPerUpdate: [Double]
        var checksum: String
    }

    func run() throws {
        let world = try launchedRank()
        if let world, world.rank > 0 { return followLearner(world, threads: threads) }
        var rl = RLConfig()
        rl.groupSize = groupSize
        let model = GPTConfig(vocabSize: vocab, contextLength: 128, layers: layers, heads: 4, width: width)
        let policy = try GPT(config: model)
        policy.initialize(seed: seed)
        let updater = try PolicyUpdater(config: rl, policy: policy, ranks: world ?? SingleRank())
        if world != nil { try updater.shareState() }
        let batch = try Self.seededGroups(policy: policy, count: groups, groupSize: groupSize, temperature: rl.temperature, seed: seed)
        var seconds: [Double] = [], collective: [Double] = []
        do {
            try Parallel.with(threads: threads) {
                for _ in 0..<updates {
                    let t0 = Date(), c0 = world?.collectiveSeconds ?? 0
                    _ = try updater.update(batch)
                    seconds.append(Date().timeIntervalSince(t0))
                    collective.append((world?.collectiveSeconds ?? 0) - c0)
                }
            }
            try updater.releaseRanks()
        } catch {
            world?.abort("\(error)")
            throw error
        }
        world?.finalize()
        if let out { try Data(UnsafeRawBufferPointer(start: policy.params.pointer, count: policy.params.count * 4)).write(to: URL(fileURLWithPath: out)) }
        let r = Result(ranks: world?.size ?? 1, updates: updates, rowsPerUpdate: groups * groupSize,
                       tokensPerUpdate: batch.reduce(0) { $0 + $1.completions.reduce(0) { $0 + $1.tokens.count } },
                       secondsPerUpdate: seconds, collectiveSecondsPerUpdate: collective, checksum: String(PolicyUpdater.checksum(policy.params), radix: 16))
        if json { try printJSON(r); return }
        print("\(r.ranks) rank(s): \(updates) updates of \(r.rowsPerUpdate) rows (\(r.tokensPerUpdate) completion tokens); "
              + String(format: "median %.3f s per update", seconds.sorted()[seconds.count / 2]) + "; parameters \(r.checksum)")
    }

    /// Prompts and completions of random tokens and lengths, their behaviour log-probs the
    /// policy's own (so the first pass's ratios are 1), rewards 0 or 1 with both in every group.
    static func seededGroups(policy: GPT, count: Int, groupSize G: Int, temperature: Float, seed: UInt64) throws -> [ScoredGroup] {
        var rng = Xoshiro256(seed: seed &+ 1)
        let V = UInt64(policy.config.vocabSize - 3)
        let token = { (r: inout Xoshiro256) in Int32(3 + r.next() % V) }
        return try (0..<count).map { _ in
            let prompt = [Tokenizer.bos] + (0..<(8 + Int(rng.next() % 9))).map { _ in token(&rng) }
            let tokens = (0..<G).map { _ in (0..<(10 + Int(rng.next() % 51))).map { _ in token(&rng) } }
            let logprobs = try policy.completionLogprobs(prompts: Array(repeating: prompt, count: G), completions: tokens,
                                                         temperature: temperature)
            let rewards = (0..<G).map { i in i == 0 ? Float(1) : i == 1 ? 0 : Float(rng.next() % 2) }
            return ScoredGroup(prompt: prompt, completions: zip(tokens, logprobs).map { Completion(tokens: $0, logprobs: $1, stopped: true) },
                               scores: rewards.map { Score(reward: $0, correct: $0 > 0, wellFormed: true, extracted: nil) })
        }
    }
}

/// Under mpirun/srun, this process's learner rank (nil in a plain run), on its emulated machine
/// when the environment names one (`launch` with `cluster.machine_cpus`, `bench --scaling`).
func launchedRank() throws -> MPIRanks? {
    let world = MPIRanks.isLaunched ? try MPIRanks.launched() : nil
    try EmulatedMachine.joinFromEnvironment(name: "learner-rank\(world?.rank ?? 0)")
    return world
}

/// A learner rank other than 0: rank 0's state, then its updates until it says stop. Stop
/// signals are rank 0's to handle (mpirun forwards them to every rank): this rank ends when told.
func followLearner(_ world: MPIRanks, threads: Int) {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    do {
        let updater = try PolicyUpdater.joinRankZero(world)
        log("learner rank \(world.rank) of \(world.size) (pid \(getpid())): following rank 0")
        let updates = try Parallel.with(threads: threads) { try updater.followRankZero() }
        log("learner rank \(world.rank) of \(world.size): \(updates) updates, done")
    } catch {
        world.abort("\(error)")
    }
    world.finalize()
}
