import ArgumentParser
import Eval
import Foundation
import Tasks

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "pass@k, maj@k, reward, format rate and length on held-out problems.")

    @Option(help: "Checkpoint (or run) directory.") var checkpoint: String
    @Option(name: .shortAndLong, help: "Samples per problem.") var samples = 8
    @Option(help: "Comma-separated k values for pass@k and maj@k.") var k = "1,8"
    @Option(help: "Evaluate only the first N held-out problems (default: all).") var problems: Int?
    @Option(help: "A JSONL file of {\"prompt\", \"answer\"} problems instead of the built-in held-out split.") var tasks: String?
    @OptionGroup var sampling: SamplingOptions
    @Flag(help: "Print the report as JSON on stdout.") var json = false

    func run() throws {
        let ks = try k.split(separator: ",").map { s -> Int in
            guard let v = Int(s.trimmingCharacters(in: .whitespaces)), v >= 1 else {
                throw ValidationError("--k expects positive integers like 1,8; got \"\(s)\"")
            }
            return v
        }
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        if let bad = ks.first(where: { $0 > samples }) {
            throw ValidationError("k = \(bad) needs at least \(bad) samples per problem; raise --samples")
        }
        let (model, tokenizer) = try loadPolicy(checkpoint)
        var list = try tasks.map { try JSONLTasks.load(path: $0) } ?? ArithmeticTask(config: taskConfig(of: checkpoint)).heldOut
        if let p = problems { list = Array(list.prefix(max(0, p))) }
        guard !list.isEmpty else { throw ValidationError("no problems to evaluate") }
        let bar = ProgressBar(total: list.count, label: "eval")
        let report = try Evaluator(model: model, tokenizer: tokenizer)
            .run(problems: list, samples: samples, ks: ks, params: sampling.params, seed: sampling.seed) { done, total in
                bar.update(done, "")
            }
        if json { try printJSON(report) } else { printTable(report, ks: ks) }
    }

    private func printTable(_ r: Evaluator.Report, ks: [Int]) {
        print("problems \(r.problems) × \(r.samplesPerProblem) samples at temperature \(r.temperature)")
        print("metric          value")
        for k in ks { print(String(format: "pass@%-9d %.3f", k, r.passAtK[String(k)] ?? 0)) }
        for k in ks { print(String(format: "maj@%-10d %.3f", k, r.majAtK[String(k)] ?? 0)) }
        print(String(format: "mean reward    %.3f", r.meanReward))
        print(String(format: "format rate    %.3f", r.formatRate))
        print(String(format: "mean length    %.1f tokens", r.meanCompletionTokens))
        print(String(format: "sampling       %.0f new tokens/s (%.1fs)", r.newTokensPerSecond, r.seconds))
    }
}
