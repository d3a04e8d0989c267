import Foundation
import Testing
@testable import Kernels
@testable import RL

private func rand(_ n: Int, _ seed: UInt64, scale: Float = 1) -> [Float] {
    var r = Xoshiro256(seed: seed)
    return (0..<n).map { _ in (r.uniform() * 2 - 1) * scale }
}

/// 2 groups × 3 rows, prompt of 1 token, 4 completion tokens each (one row shorter), V = 5.
private func fixture() -> (batch: TokenBatch, V: Int) {
    var r = Xoshiro256(seed: 5)
    let V = 5
    let prompts = (0..<6).map { _ in [Int32(1)] }
    let completions = (0..<6).map { i in (0..<(i == 2 ? 3 : 4)).map { _ in Int32(r.next() % 5) } }
    let behaviour = completions.map { c in c.map { _ in -1.5 + r.uniform() } }
    var b = TokenBatch(prompts: prompts, completions: completions, behaviourLogprobs: behaviour, contextLength: 8)
    for i in 0..<b.refLogprobs.count where b.sequence[i] >= 0 { b.refLogprobs[i] = -1.6 + r.uniform() }
    return (b, V)
}

private func checkGradient(_ name: String, loss: ([Float]) -> (Float, [Float]), batch: TokenBatch, V: Int,
                           temperature t: Float = 1, entropyBonus: [Float]? = nil) {
    var logits = rand(batch.positions * V, 11, scale: 2)
    func value(_ l: [Float]) -> Double {
        let (lp, h) = l.withUnsafeBufferPointer { LogitsGradient.logprobsAndEntropy($0.baseAddress!, targets: batch.targets, V: V, temperature: t) }
        return Double(loss(lp).0) - zip(entropyBonus ?? [], h).reduce(0) { $0 + Double($1.0 * $1.1) }
    }
    let (lp, _) = logits.withUnsafeBufferPointer { LogitsGradient.logprobsAndEntropy($0.baseAddress!, targets: batch.targets, V: V, temperature: t) }
    var dlogits = [Float](repeating: 0, count: logits.count)
    logits.withUnsafeBufferPointer { lg in
        LogitsGradient.write(&dlogits, logits: lg.baseAddress!, targets: batch.targets, dLossDLogp: loss(lp).1, V: V, temperature: t,
                             entropyBonus: entropyBonus)
    }
    var worst = 0.0
    for i in 0..<logits.count {
        let old = logits[i], h: Float = 1e-2
        logits[i] = old + h
        let up = value(logits)
        logits[i] = old - h
        let down = value(logits)
        logits[i] = old
        let num = (up - down) / Double(2 * h)
        worst = max(worst, abs(num - Double(dlogits[i])) / max(1e-2, abs(num)))
    }
    #expect(worst < 3e-2, "\(name): worst relative error \(worst)")
}

@Suite("RL")
struct RLTests {
    @Test func advantages() {
        let r: [Float] = [1, 0, 0, 1, 1, 1]
        let grpo = AdvantageEstimator.grpo.advantages(rewards: r, groupSize: 3)
        #expect(abs(grpo[0] - (1 - 1.0 / 3) / (0.4714045 + 1e-4)) < 1e-4)
        #expect(grpo[3...].allSatisfy { $0 == 0 })  // equal rewards: no signal
        let noStd = AdvantageEstimator.grpoNoStd.advantages(rewards: r, groupSize: 3)
        #expect(abs(noStd[1] + 1.0 / 3) < 1e-6)
        let rloo = AdvantageEstimator.rloo.advantages(rewards: r, groupSize: 3)
        #expect(rloo[0] == 1 && rloo[1] == -0.5)
        let reinforce = AdvantageEstimator.reinforce.advantages(rewards: r, groupSize: 3)
        #expect(abs(reinforce[1] + 4.0 / 6) < 1e-6)
        #expect(isZeroVariance([1, 1, 1][...]) && !isZeroVariance([1, 0][...]))
    }

    @Test(arguments: [(false, Float(1)), (true, Float(1)), (false, Float(1.3))])
    func clippedLossGradientMatchesFiniteDifferences(perToken: Bool, temperature: Float) {
        let (batch, V) = fixture()
        var c = LossConfig()
        c.beta = 0.3
        c.perToken = perToken
        c.clipLow = 0.5
        c.clipHigh = 0.6
        let adv: [Float] = [1.2, -0.7, 0.3, -1.1, 0.9, 0.2]
        checkGradient("grpo", loss: { lp in let (s, g) = clippedPolicyLoss(logp: lp, batch: batch, advantages: adv, config: c); return (s.loss, g) },
                      batch: batch, V: V, temperature: temperature)
    }

    @Test(arguments: [Float(1), Float(0.8)])
    func entropyBonusGradientMatchesFiniteDifferences(temperature: Float) {
        let (batch, V) = fixture()
        let bonus = batch.sequence.map { $0 >= 0 ? Float(0.3) : 0 }
        let adv: [Float] = [1.2, -0.7, 0.3, -1.1, 0.9, 0.2]
        checkGradient("entropy", loss: { lp in let (s, g) = clippedPolicyLoss(logp: lp, batch: batch, advantages: adv, config: LossConfig()); return (s.loss, g) },
                      batch: batch, V: V, temperature: temperature, entropyBonus: bonus)
    }

    @Test func clippingStopsTheGradient() {
        let (batch, _) = fixture()
        var lp = batch.oldLogprobs
        for i in lp.indices where batch.sequence[i] >= 0 { lp[i] += 1 }  // ratio e ≫ 1 + ε
        let adv = [Float](repeating: 1, count: 6)
        let (stats, grad) = clippedPolicyLoss(logp: lp, batch: batch, advantages: adv, config: LossConfig())
        #expect(stats.clipFraction == 1)
        #expect(grad.allSatisfy { $0 == 0 })
    }

    @Test func kimiLossGradientMatchesFiniteDifferences() {
        let (batch, V) = fixture()
        var c = LossConfig()
        c.tau = 0.7
        c.beta = 0.3
        let rewards: [Float] = [1, 0, 0.1, 1.1, 0, 1]
        checkGradient("kimi", loss: { lp in
            let (s, g) = kimiMirrorDescentLoss(logp: lp, batch: batch, rewards: rewards, groupSize: 3, config: c)
            return (s.loss, g)
        }, batch: batch, V: V)
    }

    @Test func kimiLossAtOldPolicyIsTheRewardSpread() {
        let (batch, _) = fixture()
        var c = LossConfig()
        c.tau = 1
        let rewards: [Float] = [1, 1, 1, 0, 0, 0]
        // π = π_old and equal rewards in a group: r − τ·log Z = 0 exactly.
        let (s, _) = kimiMirrorDescentLoss(logp: batch.oldLogprobs, batch: batch, rewards: rewards, groupSize: 3, config: c)
        #expect(abs(s.loss) < 1e-10)
    }

    @Test func kimiTargetsUseLogZOrTheMean() {
        var c = LossConfig()
        c.tau = 1
        let rewards: [Float] = [1, 0, 0, 0.5, 0.5, 2]
        let logZ = kimiTargets(rewards: rewards, groupSize: 3, config: c)
        // τ·log mean exp(r/τ) lies above the mean reward, so the log-Z targets sum below zero.
        let first = log((exp(Float(1)) + 2) / 3)
        #expect(abs(logZ[0] - (1 - first)) < 1e-6)
        #expect(logZ[0..<3].reduce(0, +) < 0)
        c.kimiMeanBaseline = true
        let mean = kimiTargets(rewards: rewards, groupSize: 3, config: c)
        #expect(abs(mean[0] - 2.0 / 3) < 1e-6 && abs(mean[5] - 1) < 1e-6)
        #expect(abs(mean[0..<3].reduce(0, +)) < 1e-6 && abs(mean[3..<6].reduce(0, +)) < 1e-6)
    }

    @Test func kimiWeighsTheReferenceKLByTwoTau() {
        let (batch, _) = fixture()
        var c = LossConfig()
        c.tau = 0.5
        let rewards: [Float] = [1, 0, 0.1, 1.1, 0, 1]
        let plain = kimiMirrorDescentLoss(logp: batch.oldLogprobs, batch: batch, rewards: rewards, groupSize: 3, config: c).stats.loss
        c.beta = 0.3
        let withKL = kimiMirrorDescentLoss(logp: batch.oldLogprobs, batch: batch, rewards: rewards, groupSize: 3, config: c).stats.loss
        var k3 = [Float](repeating: 0, count: batch.rows)  // Σ_t k3 per sequence
        for p in batch.sequence.indices where batch.sequence[p] >= 0 {
            let d = batch.refLogprobs[p] - batch.oldLogprobs[p]
            k3[Int(batch.sequence[p])] += exp(d) - d - 1
        }
        let expected = plain + 2 * c.tau * c.beta * k3.reduce(0, +) / Float(batch.rows)
        #expect(abs(withKL - expected) < 1e-5)
    }

    @Test func gspoLossGradientMatchesFiniteDifferences() {
        let (batch, V) = fixture()
        var c = LossConfig()
        c.beta = 0.3
        // Wide enough that most sequences stay inside the clip at these random log-probs.
        c.sequenceClipLow = 0.6
        c.sequenceClipHigh = 0.8
        let adv: [Float] = [1.2, -0.7, 0.3, -1.1, 0.9, 0.2]
        checkGradient("gspo", loss: { lp in let (s, g) = gspoLoss(logp: lp, batch: batch, advantages: adv, config: c); return (s.loss, g) },
                      batch: batch, V: V)
    }

    /// One ratio per sequence: at the sampling policy it is 1 and the gradient is A/|y| on every token.
    @Test func gspoClipsWholeSequences() {
        let (batch, _) = fixture()
        let adv: [Float] = [1, -1, 0.5, 1, -1, 0.5]
        let atOld = gspoLoss(logp: batch.oldLogprobs, batch: batch, advantages: adv, config: LossConfig())
        #expect(atOld.stats.clipFraction == 0 && abs(atOld.stats.meanRatio - 1) < 1e-6)
        let p = batch.sequence.firstIndex(of: 2)!
        #expect(abs(atOld.dLogp[p] - (-0.5 / 3 / 6)) < 1e-6)  // row 2 has 3 tokens, 6 rows
        var lp = batch.oldLogprobs
        for i in lp.indices where batch.sequence[i] == 0 { lp[i] += 0.01 }  // s = e^0.01 > 1 + 4e-4, A > 0
        let moved = gspoLoss(logp: lp, batch: batch, advantages: adv, config: LossConfig())
        #expect(abs(moved.stats.clipFraction - 1.0 / 6) < 1e-6)
        #expect(batch.sequence.indices.filter { batch.sequence[$0] == 0 }.allSatisfy { moved.dLogp[$0] == 0 })
    }

    /// A row of 3 tokens, reward 1 at the end, V = (0.2, 0.5, 0.9), γ = 1, λ = 0.5, worked by hand:
    /// δ = (0.3, 0.4, 0.1), A_2 = 0.1, A_1 = 0.4 + 0.05 = 0.45, A_0 = 0.3 + 0.225 = 0.525.
    @Test func gaeByHand() {
        let b = TokenBatch(prompts: [[1]], completions: [[2, 3, 4]], behaviourLogprobs: [[0, 0, 0]], contextLength: 3)
        let values: [Float] = [0.2, 0.5, 0.9]
        let (adv, ret) = generalizedAdvantages(values: values, batch: b, rewards: [1], gamma: 1, lambda: 0.5)
        for (got, want) in zip(adv, [Float(0.525), 0.45, 0.1]) { #expect(abs(got - want) < 1e-6) }
        for (got, want) in zip(ret, [Float(0.725), 0.95, 1.0]) { #expect(abs(got - want) < 1e-6) }
        // λ = 1: every advantage is the reward minus the position's value.
        let mc = generalizedAdvantages(values: values, batch: b, rewards: [1], gamma: 1, lambda: 1).advantages
        for (got, v) in zip(mc, values) { #expect(abs(got - (1 - v)) < 1e-6) }
    }

    @Test func valueLossGradientMatchesFiniteDifferences() {
        let (batch, _) = fixture()
        let n = batch.sequence.count
        let old = rand(n, 21), returns = rand(n, 22)
        // Some positions far beyond the clip (the clipped branch), some inside it.
        var values = zip(old, rand(n, 23, scale: 0.5)).map { $0 + $1 }
        values[0] = old[0] + 0.05
        for perToken in [true, false] {
            let loss = { (v: [Float]) in clippedValueLoss(values: v, oldValues: old, returns: returns, batch: batch, clip: 0.2, perToken: perToken) }
            let analytic = loss(values).dValues
            var worst: Float = 0
            for p in 0..<n where batch.sequence[p] >= 0 {
                var up = values, down = values
                up[p] += 1e-3
                down[p] -= 1e-3
                let num = (loss(up).loss - loss(down).loss) / 2e-3
                worst = max(worst, abs(num - analytic[p]) / max(1e-2, abs(num)))
            }
            #expect(worst < 2e-2, "value loss (perToken \(perToken)): worst relative error \(worst)")
            #expect(batch.sequence.indices.filter { batch.sequence[$0] < 0 }.allSatisfy { analytic[$0] == 0 })
        }
    }
}
