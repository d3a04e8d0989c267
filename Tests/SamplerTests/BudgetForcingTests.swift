import Testing
@testable import Kernels
@testable import Sampler
@testable import TinyGPT

/// s1's budget forcing: after B thinking tokens the sampler writes `</think><answer>`.
@Suite("Budget forcing")
struct BudgetForcingTests {
    let forcing = { (b: Int) in BudgetForcing(budget: b, open: 3, close: 4, force: [4, 5]) }

    @Test func theStateForcesOnceAfterTheBudget() {
        var s = BudgetForcing.State()
        for t: Int32 in [3, 9, 9] { s.saw(t, forcing(2)) }
        #expect(s.take() == 4 && s.take() == 5 && s.take() == nil)
        s.saw(3, forcing(2)); s.saw(9, forcing(2)); s.saw(9, forcing(2))
        #expect(s.take() == nil, "once per row")
        var closed = BudgetForcing.State()
        for t: Int32 in [3, 9, 4, 9, 9, 9] { closed.saw(t, forcing(2)) }
        #expect(closed.take() == nil, "a row that closed its thinking itself is left alone")
        var none = BudgetForcing.State()
        none.saw(3, forcing(0))
        #expect(none.take() == 4, "budget 0: no thinking at all")
    }

    /// A random policy rarely closes its thinking; forced, every completion that opens it
    /// (token 3) and does not close it within the budget gets `</think><answer>` (4, 5)
    /// right after the budget's last token, with log-prob 0.
    @Test(arguments: [0, 3, 7])
    func forcedCompletionsAreWellFormed(budget: Int) throws {
        let model = try GPT(config: GPTConfig(vocabSize: 12, contextLength: 64, layers: 1, heads: 2, width: 8))
        model.initialize(seed: 4)
        var p = SamplingParams(maxNewTokens: 40)
        p.forcing = forcing(budget)
        var rng = Xoshiro256(seed: 1)
        let groups = try Sampler(model: model).generate(prompts: [[1, 7], [1, 8, 9]], samplesPerPrompt: 16, params: p, rng: &rng)
        var forced = 0
        for c in groups.flatMap({ $0 }) {
            guard let open = c.tokens.firstIndex(of: 3) else { continue }
            let end = open + budget + 1  // where the force lands when the row did not close by itself
            guard end + 1 < c.tokens.count, !c.tokens[(open + 1)..<end].contains(4) else { continue }
            #expect(c.tokens[end] == 4 && c.tokens[end + 1] == 5, "\(c.tokens)")
            #expect(c.logprobs[end] == 0 && c.logprobs[end + 1] == 0)
            forced += 1
        }
        #expect(forced > 0, "some completion must have been forced for the test to mean anything")
    }
}
