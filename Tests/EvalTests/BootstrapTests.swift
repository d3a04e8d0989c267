import Testing
@testable import Eval

@Suite("Bootstrap intervals")
struct BootstrapTests {
    /// By hand: resampling [0, 0, 0, 1] gives a mean of j/4 with j ~ Binomial(4, 1/4):
    /// P(j ≤ 0) = 0.316, P(j ≤ 1) = 0.738, P(j ≤ 2) = 0.949, P(j ≤ 3) = 0.996. The 2.5 % point
    /// is therefore 0 and the 97.5 % point 3/4 (0.949 < 0.975 ≤ 0.996).
    @Test func theIntervalOfAHandComputedCase() {
        let (low, high) = Bootstrap.interval([0, 0, 0, 1], resamples: 20_000)
        #expect(low == 0 && high == 0.75)
    }

    @Test func aConstantHasNoSpreadAndOneValueIsItself() {
        let c = Bootstrap.interval([0.4, 0.4, 0.4])
        #expect(abs(c.low - 0.4) < 1e-12 && abs(c.high - 0.4) < 1e-12)
        #expect(Bootstrap.interval([0.7]) == (0.7, 0.7))
    }

    @Test func theIntervalHoldsTheMeanAndNarrowsWithMoreProblems() {
        let few = (0..<20).map { Double($0 % 2) }, many = (0..<2000).map { Double($0 % 2) }
        let a = Bootstrap.interval(few), b = Bootstrap.interval(many)
        #expect(a.low < 0.5 && a.high > 0.5 && b.low < 0.5 && b.high > 0.5)
        #expect(b.high - b.low < (a.high - a.low) / 5)  // ~1/√100 of the width
    }

    @Test func theCurveHasEveryPowerOfTwoAndTheKsAsked() {
        #expect(Evaluator.curveKs(samples: 32, asked: [1, 3, 8, 64]) == [1, 2, 3, 4, 8, 16, 32])
        #expect(Evaluator.curveKs(samples: 1, asked: [1]) == [1])
    }

    @Test func quantilesAreValuesTaken() {
        #expect(Bootstrap.quantile([1, 2, 3, 4], 0.5) == 2 && Bootstrap.quantile([1, 2, 3, 4], 0.975) == 4)
        #expect(Bootstrap.quantile([1, 2, 3, 4], 0.0) == 1)
    }
}

@Suite("ScalingPlot")
struct ScalingPlotTests {
    @Test func bothPoliciesAndTheirIntervalsAreDrawn() {
        let point = Evaluator.CurvePoint(k: 1, passAtK: 0.2, passLow: 0.1, passHigh: 0.3, majAtK: 0.2, majLow: 0.1, majHigh: 0.3)
        let two = Evaluator.CurvePoint(k: 2, passAtK: 0.3, passLow: 0.2, passHigh: 0.4, majAtK: 0.25, majLow: 0.15, majHigh: 0.35)
        let r = Evaluator.Report(problems: 4, samplesPerProblem: 2, temperature: 1, passAtK: [:], majAtK: [:], curve: [point, two],
                                 meanReward: 0, formatRate: 1, meanCompletionTokens: 3, seconds: 1, newTokensPerSecond: 1)
        let svg = ScalingPlot.svg([("trained", r), ("base", r)])
        #expect(svg.hasPrefix("<svg") && svg.contains("trained") && svg.contains("base 95 % low") && svg.contains("maj@k"))
    }
}
