// The learner's update on a fixed default-cluster step, timed in CPU-seconds.
//
// One file that compiles against this tree and against older commits (scripts/update_bench.sh
// adds it to a copy of each as the executable `UpdateBench`), so a speed-up is measured side
// by side against the commit it claims to beat, on the very same scored groups.
//
//   UpdateBench write CHECKPOINT GROUPS.json [--reference]
//                                              sample a default step (32 groups × 8 with reward
//                                              variance) from the base and score it; with
//                                              --reference add the reference log-probs actors
//                                              send under cluster.reference_on_actors (this tree
//                                              only; older trees ignore them)
//   UpdateBench time CHECKPOINT GROUPS.json N  N updates, each from the base: one JSON line each
import Foundation
import TinyGPT
import Trainer
import Verifier
#if canImport(Completions)
import Completions
import Kernels
import Sampler
import Tasks
#else
import Sampler
#endif

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

struct GroupRecord: Codable {
    var prompt: [Int32]
    var completions: [Completion]
    var scores: [Score]
}

struct GroupsFile: Codable {
    var pad: Int32
    var groups: [GroupRecord]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("UpdateBench: \(message)\n".utf8))
    exit(2)
}

let args = CommandLine.arguments
guard args.count >= 4 else { fail("usage: UpdateBench write|time CHECKPOINT GROUPS.json [N]") }
let checkpoint = args[2], groupsPath = args[3]

switch args[1] {
case "time":
    let repeats = args.count > 4 ? Int(args[4]) ?? 3 : 3
    let file = try JSONDecoder().decode(GroupsFile.self, from: Data(contentsOf: URL(fileURLWithPath: groupsPath)))
    let base = try Checkpoint.loadModel(from: checkpoint)
    let groups = file.groups.map { ScoredGroup(prompt: $0.prompt, completions: $0.completions, scores: $0.scores) }
    let tokens = groups.reduce(0) { $0 + $1.completions.reduce(0) { $0 + $1.tokens.count } }
    // One updater for all runs, as the learner keeps one: each run starts from the base's weights.
    let policy = try GPT(config: base.config)
    policy.params.copy(from: base.params)
    let updater = try PolicyUpdater(config: RLConfig(), policy: policy)
    // An experiment's knob, the same on both builds: positions per micro-batch.
    if let p = ProcessInfo.processInfo.environment["UPDATE_POSITIONS"].flatMap(Int.init) { updater.microBatchPositions = p }
    for r in 0...repeats {
        policy.params.copy(from: base.params)
        let (c0, t0) = (cpuSeconds(), Date())
        let stats = try updater.update(groups, pad: file.pad)
        let (cpu, wall) = (cpuSeconds() - c0, Date().timeIntervalSince(t0))
        if r == 0 { continue }  // the first sizes the activation buffers, as the learner's first steps do
        print(#"{"cpu_seconds":\#(cpu),"wall_seconds":\#(wall),"groups":\#(groups.count),"tokens":\#(tokens),"loss":\#(stats.loss),"grad_norm":\#(stats.gradNorm)}"#)
    }
case "write":
    #if canImport(Completions)
    let (model, tokenizer) = (try Checkpoint.loadModel(from: checkpoint), try Tokenizer.load(checkpoint: checkpoint))
    let config = RLConfig(), task = try ArithmeticTask(), verifier = ArithmeticVerifier(config: config.reward)
    var rng = Xoshiro256(seed: 7)
    var kept: [GroupRecord] = [], next = 0
    while kept.count < config.promptsPerStep {
        let problems = (next..<next + config.promptsPerStep).map { task.trainProblem(at: $0) }
        next += config.promptsPerStep
        let prompts = problems.map { [Tokenizer.bos] + tokenizer.encode($0.prompt) }
        let sampled = try Sampler(model: model).generate(prompts: prompts, samplesPerPrompt: config.groupSize,
                                                         params: config.samplingParams, rng: &rng)
        for (problem, (ids, completions)) in zip(problems, zip(prompts, sampled)) where kept.count < config.promptsPerStep {
            let scores = completions.map { verifier.score(completion: tokenizer.decode($0.tokens), answer: problem.answer, prompt: problem.prompt) }
            guard Set(scores.map(\.reward)).count > 1 else { continue }
            var rows = completions
            if args.contains("--reference") {  // what actors send under cluster.reference_on_actors
                let reference = try model.completionLogprobs(prompts: Array(repeating: ids, count: rows.count), completions: rows.map(\.tokens),
                                                             temperature: config.temperature)
                for i in rows.indices { rows[i].referenceLogprobs = reference[i] }
            }
            kept.append(GroupRecord(prompt: ids, completions: rows, scores: scores))
        }
    }
    try JSONEncoder().encode(GroupsFile(pad: Tokenizer.pad, groups: kept)).write(to: URL(fileURLWithPath: groupsPath))
    print("wrote \(kept.count) groups from \(next) prompts to \(groupsPath)")
    #else
    fail("write needs this tree's sampler; run it from the current checkout")
    #endif
default:
    fail("unknown mode \(args[1]): write or time")
}
