import ArgumentParser
import Eval
import Foundation
import Plots
import Policy
import Sampler
import Tasks
import Verifier

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "pass@k, maj@k, reward, format rate and length on held-out problems.")

    @Option(help: "Checkpoint (or run) directory.") var checkpoint: String
    @Option(name: .shortAndLong, help: "Samples per problem.") var samples = 8
    @Option(help: "Comma-separated k values for pass@k and maj@k.") var k = "1,8"
    @Option(help: "Evaluate only the first N held-out problems (default: all).") var problems: Int?
    @Option(help: "A JSONL file of {\"prompt\", \"answer\"} problems instead of the built-in held-out split.") var tasks: String?
    @Option(help: "Also evaluate this checkpoint (the base) the same way, for the table and the plot.") var compare: String?
    @Option(help: "Write the test-time-scaling curves (pass@k and maj@k against k, with 95 % intervals) as SVG here.") var plot: String?
    @Option(help: "Budget sweep: evaluate with each think budget (e.g. 0,4,8,16,32) and report accuracy against budget.")
    var budgetSweep: String?
    @Option(help: "A chat model's system prompt instead of its template's default.") var system: String?
    @Option(help: "Where the answer is read: tags (<answer>…</answer>), answer_line (a last line Answer: N) or boxed (\\boxed{N}). Default: tags for our model, answer_line for a chat model, which is asked each problem in words with this format's instruction.")
    var answerFormat: AnswerFormat?
    @OptionGroup var sampling: SamplingOptions
    @Flag(help: "Print the report as JSON on stdout ({\"model\", \"base\"} with --compare).") var json = false

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
        var list = try problemList()
        if let p = problems { list = Array(list.prefix(max(0, p))) }
        guard !list.isEmpty else { throw ValidationError("no problems to evaluate") }
        if let budgetSweep { return try sweep(budgetSweep, list, ks) }
        let report = try evaluate(checkpoint, list, ks)
        // The same problems, samples and seed: the two curves differ only by the policy.
        let base = try compare.map { try evaluate($0, list, ks) }
        if let plot {
            let svg = ScalingPlot.svg([(checkpoint, report)] + (base.map { [(compare!, $0)] } ?? []))
            do { try svg.write(toFile: plot, atomically: true, encoding: .utf8) } catch { throw ValidationError("cannot write --plot \(plot): \(error)") }
        }
        if json {
            if let base { try printJSON(["model": report, "base": base]) } else { try printJSON(report) }
        } else {
            if let base { print("base \(compare!):"); printTable(base) ; print("\n\(checkpoint):") }
            printTable(report)
            if let plot { print("plot: \(plot)") }
        }
    }

    /// `--tasks` (every character checked against the checkpoint's tokenizer), or the
    /// checkpoint's own held-out split.
    private func problemList() throws -> [Problem] {
        guard let tasks else { return try problemSet(of: checkpoint).heldOut }
        let numbered = try JSONLTasks.loadNumbered(path: tasks)
        // Our character-level tokenizer cannot spell every text; a byte-level BPE can.
        if let ours = try? loadTokenizer(checkpoint) { try JSONLTasks.checkCovered(numbered, source: tasks, by: ours) }
        return numbered.map(\.problem)
    }

    private func evaluate(_ dir: String, _ list: [Problem], _ ks: [Int], thinkBudget: Int?? = nil) throws -> Evaluator.Report {
        let chat = (try? loadTokenizer(dir)) == nil  // our checkpoints carry our tokenizer
        let format = answerFormat ?? (chat ? .answerLine : .tags)
        let policy = try loadAnyPolicy(dir, system: system, instruction: format.instruction)
        let bar = ProgressBar(total: list.count, label: "eval")
        let params = try sampling.params(for: policy, thinkBudget: thinkBudget ?? sampling.thinkBudget)
        var evaluator = Evaluator(sampler: Sampler(model: policy.model), codec: policy.codec)
        let verifier = RunVerifier.builtIn(RewardConfig(answerFormat: format))
        evaluator.verify = { verifier.score(prompt: $0.prompt, completion: $1, answer: $0.answer) }
        return try evaluator
            .run(problems: list, samples: samples, ks: ks, params: params, seed: sampling.seed) { done, _ in
                bar.update(done, "")
            }
    }

    struct Sweep: Codable {
        var checkpoint: String
        var problems: Int, samples: Int
        var sweep: [BudgetPoint]
    }

    /// One point of a budget sweep.
    struct BudgetPoint: Codable {
        var budget: Int
        var passAt1: Double, passLow: Double, passHigh: Double
        var formatRate: Double
        var meanCompletionTokens: Double
    }

    /// Accuracy against think budget (s1's figure), the same problems and seed at every budget.
    private func sweep(_ text: String, _ list: [Problem], _ ks: [Int]) throws {
        let budgets = try text.split(separator: ",").map { s -> Int in
            guard let b = Int(s.trimmingCharacters(in: .whitespaces)), b >= 0 else {
                throw ValidationError("--budget-sweep expects budgets ≥ 0 like 0,8,16; got \"\(s)\"")
            }
            return b
        }
        let points = try budgets.map { b -> BudgetPoint in
            let r = try evaluate(checkpoint, list, [1], thinkBudget: .some(b))
            let one = r.curve?.first { $0.k == 1 }
            return BudgetPoint(budget: b, passAt1: one?.passAtK ?? 0, passLow: one?.passLow ?? 0, passHigh: one?.passHigh ?? 0,
                               formatRate: r.formatRate, meanCompletionTokens: r.meanCompletionTokens)
        }
        if let plot {
            let svg = SVGPlot(panels: [.init(title: "pass@1 against think budget (budget forcing)", series: [
                .init(name: "pass@1", color: "#1f77b4", points: points.map { (Double($0.budget), $0.passAt1) }),
                .init(name: "95 % low", color: "#1f77b466", points: points.map { (Double($0.budget), $0.passLow) }),
                .init(name: "95 % high", color: "#1f77b466", points: points.map { (Double($0.budget), $0.passHigh) }),
            ])], xLabel: "think budget (tokens)").render()
            do { try svg.write(toFile: plot, atomically: true, encoding: .utf8) } catch { throw ValidationError("cannot write --plot \(plot): \(error)") }
        }
        if json { try printJSON(Sweep(checkpoint: checkpoint, problems: list.count, samples: samples, sweep: points)); return }
        print("\(checkpoint): \(list.count) problems × \(samples) samples per budget")
        print("budget  pass@1  (95 % interval)   format  tokens")
        for p in points {
            print(String(format: "%-6d  %.3f   (%.3f–%.3f)     %.3f   %.1f", p.budget, p.passAt1, p.passLow, p.passHigh, p.formatRate, p.meanCompletionTokens))
        }
        if let plot { print("plot: \(plot)") }
    }

    private func printTable(_ r: Evaluator.Report) {
        print("problems \(r.problems) × \(r.samplesPerProblem) samples at temperature \(r.temperature); 95 % bootstrap intervals over problems")
        print("k       pass@k  (95 % interval)     maj@k  (95 % interval)")
        for p in r.curve ?? [] {
            print(String(format: "%-6d  %.3f   (%.3f–%.3f)       %.3f  (%.3f–%.3f)", p.k, p.passAtK, p.passLow, p.passHigh,
                         p.majAtK, p.majLow, p.majHigh))
        }
        print(String(format: "mean reward    %.3f", r.meanReward))
        print(String(format: "format rate    %.3f", r.formatRate))
        print(String(format: "mean length    %.1f tokens", r.meanCompletionTokens))
        print(String(format: "sampling       %.0f new tokens/s (%.1fs)", r.newTokensPerSecond, r.seconds))
    }
}

extension AnswerFormat: ExpressibleByArgument {}
