import Foundation
import Testing
@testable import Kernels

@Suite("Kernels")
struct KernelsTests {
    @Test func fastMathMatchesLibm() {
        var worstExp: Float = 0, worstTanh: Float = 0
        for i in -2000...2000 {
            let x = Float(i) / 50
            worstExp = max(worstExp, abs(FastMath.exp(x) - Foundation.exp(x)) / Foundation.exp(x))
            worstTanh = max(worstTanh, abs(FastMath.tanh(x) - Foundation.tanh(x)))
        }
        #expect(worstExp < 1e-6)
        #expect(worstTanh < 1e-6)
        #expect(FastMath.exp(-200) == 0 || FastMath.exp(-200) < 1e-37)
    }

    /// Every split GEMM uses (by rows; by K when K dwarfs M and N, with its partial sums
    /// added) gives the plain triple loop's product, for each transpose and beta, and with
    /// a bias row in place of C's start (beta then unused).
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmSplitsGiveTheProduct(transA: Bool, transB: Bool) {
        var rng = Xoshiro256(seed: 11)
        for (M, N, K) in [(16, 24, 3000), (200, 96, 64), (7, 5, 9000)] {
            let a = (0..<(M * K)).map { _ in rng.normal() }, b = (0..<(K * N)).map { _ in rng.normal() }
            let start = (0..<(M * N)).map { _ in rng.normal() }, bias = (0..<N).map { _ in rng.normal() }
            // Row-major op(A)[m, k]: A[k·M + m] when transposed; op(B)[k, n]: B[n·K + k] when transposed.
            let opA = { (m: Int, k: Int) in transA ? a[k * M + m] : a[m * K + k] }
            let opB = { (k: Int, n: Int) in transB ? b[n * K + k] : b[k * N + n] }
            for (beta, withBias): (Float, Bool) in [(0, false), (1, false), (1, true)] {
                var c = start
                Parallel.with(threads: 2) {
                    bias.withUnsafeBufferPointer { biasRow in
                        GEMM.sgemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 0.5, a, lda: transA ? M : K,
                                   b, ldb: transB ? K : N, beta: beta, &c, ldc: N, bias: withBias ? biasRow.baseAddress : nil)
                    }
                }
                var worst: Float = 0
                for m in 0..<M {
                    for n in 0..<N {
                        var sum: Float = 0
                        for k in 0..<K { sum += opA(m, k) * opB(k, n) }
                        let added = withBias ? bias[n] : beta * start[m * N + n]
                        worst = max(worst, abs(c[m * N + n] - (0.5 * sum + added)))
                    }
                }
                #expect(worst < 2e-3, "M \(M) N \(N) K \(K) beta \(beta) bias \(withBias): off by \(worst)")
            }
        }
    }

    @Test func matmulGradients() {
        let N = 3, C = 4, OC = 5
        let inp = randomArray(N * C, seed: 1), w = randomArray(C * OC, seed: 2), b = randomArray(OC, seed: 3)
        let dout = randomArray(N * OC, seed: 4)
        func run(_ inp: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: N * OC)
            matmul_forward(&out, inp, w, b, N: N, C: C, OC: OC)
            return out
        }
        var dinp = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: C * OC)
        var db = [Float](repeating: 0, count: OC)
        matmul_backward(&dinp, &dw, &db, dout, inp, w, N: N, C: C, OC: OC)
        expectGradientsMatch("dinp", x: inp, analytic: dinp) { weightedSum(run($0, w, b), dout) }
        expectGradientsMatch("dweight", x: w, analytic: dw) { weightedSum(run(inp, $0, b), dout) }
        expectGradientsMatch("dbias", x: b, analytic: db) { weightedSum(run(inp, w, $0), dout) }
    }

    @Test func layernormGradients() {
        let N = 3, C = 12  // eight lanes and a scalar tail
        let inp = randomArray(N * C, seed: 5, scale: 2), w = randomArray(C, seed: 6), b = randomArray(C, seed: 7)
        let dout = randomArray(N * C, seed: 8)
        var mean = [Float](repeating: 0, count: N), rstd = [Float](repeating: 0, count: N)
        func run(_ inp: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: N * C)
            var m = [Float](repeating: 0, count: N), r = [Float](repeating: 0, count: N)
            layernorm_forward(&out, &m, &r, inp, w, b, N: N, C: C)
            return out
        }
        var out = [Float](repeating: 0, count: N * C)
        layernorm_forward(&out, &mean, &rstd, inp, w, b, N: N, C: C)
        var dinp = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: C)
        var db = [Float](repeating: 0, count: C)
        layernorm_backward(&dinp, &dw, &db, dout, inp, w, mean, rstd, N: N, C: C)
        expectGradientsMatch("dinp", x: inp, analytic: dinp) { weightedSum(run($0, w, b), dout) }
        expectGradientsMatch("dweight", x: w, analytic: dw) { weightedSum(run(inp, $0, b), dout) }
        expectGradientsMatch("dbias", x: b, analytic: db) { weightedSum(run(inp, w, $0), dout) }
    }

    /// Many rows run as pieces on several workers; each piece sums its own dweight and dbias.
    /// Checked against a double-precision backward, and bit for bit against one worker.
    @Test func layernormBackwardInPieces() {
        let N = 300, C = 20
        let inp = randomArray(N * C, seed: 11, scale: 2), w = randomArray(C, seed: 12), b = randomArray(C, seed: 13)
        let dout = randomArray(N * C, seed: 14)
        var out = [Float](repeating: 0, count: N * C)
        var mean = [Float](repeating: 0, count: N), rstd = [Float](repeating: 0, count: N)
        layernorm_forward(&out, &mean, &rstd, inp, w, b, N: N, C: C)
        func backward(threads: Int) -> (dinp: [Float], dw: [Float], db: [Float]) {
            var dinp = [Float](repeating: 0.5, count: N * C), dw = [Float](repeating: 1, count: C)
            var db = [Float](repeating: -1, count: C)
            Parallel.with(threads: threads) { layernorm_backward(&dinp, &dw, &db, dout, inp, w, mean, rstd, N: N, C: C) }
            return (dinp, dw, db)
        }
        let two = backward(threads: 2), one = backward(threads: 1)
        #expect(two.dinp == one.dinp && two.dw == one.dw && two.db == one.db)
        // The reference, in Double, added onto the same starting values.
        var dinp = [Double](repeating: 0.5, count: N * C), dw = [Double](repeating: 1, count: C)
        var db = [Double](repeating: -1, count: C)
        for n in 0..<N {
            let x = (0..<C).map { Double(inp[n * C + $0]) }, d = (0..<C).map { Double(dout[n * C + $0]) }
            let m = x.reduce(0, +) / Double(C)
            let s = 1 / (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(C) + 1e-5).squareRoot()
            let norm = x.map { ($0 - m) * s }, dnorm = (0..<C).map { Double(w[$0]) * d[$0] }
            let dm = dnorm.reduce(0, +) / Double(C), dnm = zip(dnorm, norm).map { $0 * $1 }.reduce(0, +) / Double(C)
            for i in 0..<C {
                db[i] += d[i]
                dw[i] += norm[i] * d[i]
                dinp[n * C + i] += (dnorm[i] - dm - norm[i] * dnm) * s
            }
        }
        func close(_ a: [Float], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs(Double($0) - $1) <= 1e-4 * (1 + abs($1)) } }
        #expect(close(two.dinp, dinp) && close(two.dw, dw) && close(two.db, db))
    }

    @Test func geluGradients() {
        let N = 37  // not a multiple of 8: exercises the scalar tail
        let inp = randomArray(N, seed: 9, scale: 4), dout = randomArray(N, seed: 10)
        func run(_ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: N)
            gelu_forward(&out, x, N: N)
            return out
        }
        var dinp = [Float](repeating: 0, count: N)
        gelu_backward(&dinp, inp, dout, N: N)
        expectGradientsMatch("dinp", x: inp, analytic: dinp) { weightedSum(run($0), dout) }
        // tanh-form reference value at a known point
        #expect(abs(run([Float](repeating: 1, count: N))[0] - 0.841192) < 1e-5)
        // the σ(2u) form against the tanh form, including where e^{−2u} saturates
        let xs = (0..<200).map { Float($0 - 100) * 0.25 } + [-300, -90, 90, 300]
        var out = [Float](repeating: 0, count: xs.count)
        gelu_forward(&out, xs, N: xs.count)
        for (x, y) in zip(xs, out) {
            let u = Double(x) * 0.7978845608028654 * (1 + 0.044715 * Double(x) * Double(x))
            let want = 0.5 * Double(x) * (1 + tanh(u))
            #expect(abs(Double(y) - want) <= 1e-6 + 1e-6 * abs(want), "gelu(\(x)) = \(y), want \(want)")
        }
    }

    @Test func attentionGradientsAndCausality() {
        let B = 2, T = 5, C = 8, NH = 2
        let layout = AttentionLayout.dense(rows: B, length: T)
        let qkv = randomArray(B * T * 3 * C, seed: 11, scale: 1.5), dout = randomArray(B * T * C, seed: 12)
        let out = attentionOutput(qkv, layout, C: C, NH: NH)
        let dqkv = attentionGradient(qkv, dout, layout, C: C, NH: NH)
        expectGradientsMatch("dqkv", x: qkv, analytic: dqkv) { weightedSum(attentionOutput($0, layout, C: C, NH: NH), dout) }
        // Changing the last token must not change earlier outputs.
        var changed = qkv
        for i in 0..<(3 * C) { changed[(T - 1) * 3 * C + i] += 1 }
        let b = attentionOutput(changed, layout, C: C, NH: NH)
        #expect(Array(out[0..<((T - 1) * C)]) == Array(b[0..<((T - 1) * C)]))
    }

    /// A shared prefix with two branches gives each row what the row gives on its own.
    @Test func packedAttentionMatchesEachRowOnItsOwn() {
        let C = 8, NH = 2, P = 3, branches = [2, 4]
        let layout = AttentionLayout(spans: [(prefix: P, branches: branches)])
        #expect(layout.positions == 9 && layout.weightsPerHead == 9 + 2 * 5 + 4 * 7 && layout.longestRow == 7)
        #expect(layout.positionIndices() == [0, 1, 2, 3, 4, 3, 4, 5, 6])
        let qkv = randomArray(layout.positions * 3 * C, seed: 21, scale: 1.5)
        let packed = attentionOutput(qkv, layout, C: C, NH: NH)
        var start = P
        for L in branches {
            let row = Array(qkv[0..<(P * 3 * C)] + qkv[(start * 3 * C)..<((start + L) * 3 * C)])
            let alone = attentionOutput(row, .dense(rows: 1, length: P + L), C: C, NH: NH)
            let mine = Array(packed[0..<(P * C)] + packed[(start * C)..<((start + L) * C)])
            #expect(zip(alone, mine).allSatisfy { abs($0 - $1) < 1e-6 }, "branch of \(L)")
            start += L
        }
    }

    @Test func packedAttentionGradients() {
        let C = 8, NH = 2
        // A span with branches, one of a bare prefix, one whose rows share nothing, an empty branch.
        let layout = AttentionLayout(spans: [(prefix: 3, branches: [2, 0, 4]), (prefix: 4, branches: []), (prefix: 0, branches: [3, 1])])
        let qkv = randomArray(layout.positions * 3 * C, seed: 23, scale: 1.5), dout = randomArray(layout.positions * C, seed: 24)
        let dqkv = attentionGradient(qkv, dout, layout, C: C, NH: NH)
        expectGradientsMatch("dqkv", x: qkv, analytic: dqkv) { weightedSum(attentionOutput($0, layout, C: C, NH: NH), dout) }
    }

    @Test func crossEntropyGradients() {
        let N = 4, V = 7
        let logits = randomArray(N * V, seed: 13, scale: 3)
        let targets: [Int32] = [2, -1, 6, 0]
        func loss(_ l: [Float]) -> Double {
            var d = [Float](repeating: 0, count: N * V)
            return Double(crossentropy_forward_backward(&d, l, targets, N: N, V: V).loss)
        }
        var dlogits = [Float](repeating: 0, count: N * V)
        let (value, count) = crossentropy_forward_backward(&dlogits, logits, targets, N: N, V: V)
        #expect(count == 3)
        #expect(value > 0)
        expectGradientsMatch("dlogits", x: logits, analytic: dlogits, tol: 3e-2, loss)
        #expect(dlogits[V..<(2 * V)].allSatisfy { $0 == 0 })
    }

    @Test func tokenLogprobsAreNormalised() {
        let V = 6
        let logits = randomArray(V, seed: 14, scale: 5)
        var total: Double = 0
        for t in 0..<V {
            var out: [Float] = [0]
            token_logprobs(&out, logits, [Int32(t)], N: 1, V: V)
            total += Foundation.exp(Double(out[0]))
        }
        #expect(abs(total - 1) < 1e-5)
    }

    @Test func rngIsDeterministicAndUniform() {
        var a = Xoshiro256(seed: 42), b = Xoshiro256(seed: 42)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
        var r = Xoshiro256(seed: 7)
        let xs = (0..<20000).map { _ in r.normal() }
        let mean = xs.reduce(0, +) / Float(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(xs.count)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.05)
    }

    @Test func partitionCoversEveryIndexOnceAndKeepsKernelsOnItsThread() {
        Parallel.with(threads: 2) {
            // Cuts only where a new "prompt" starts (every 5th index here).
            let ranges = Parallel.ranges(23) { $0 % 5 == 0 }
            #expect(ranges.count == 2)
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == 23)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && $1.lowerBound % 5 == 0 })
            #expect(Parallel.ranges(3) { _ in false } == [0..<3], "no allowed cut: one piece")
            #expect(Parallel.ranges(0).isEmpty)

            let seen = UnsafeMutablePointer<Int>.allocate(capacity: 23)
            let inner = UnsafeMutablePointer<Int>.allocate(capacity: ranges.count)
            defer { seen.deallocate(); inner.deallocate() }
            seen.initialize(repeating: 0, count: 23)
            Parallel.partition(ranges) { r in
                for i in r { seen[i] += 1 }
                inner[ranges.firstIndex(of: r)!] = Parallel.available
            }
            #expect((0..<23).allSatisfy { seen[$0] == 1 })
            #expect((0..<ranges.count).allSatisfy { inner[$0] == 1 }, "kernels inside a piece run inline")
            #expect(Parallel.available == 2, "and in parallel again outside")
        }
        #expect(Parallel.threads == Parallel.cores, "the count is scoped to the closure")
    }
}

private func attentionOutput(_ qkv: [Float], _ layout: AttentionLayout, C: Int, NH: Int) -> [Float] {
    var out = [Float](repeating: 0, count: layout.positions * C), att = [Float](repeating: 0, count: NH * layout.weightsPerHead)
    attention_forward(&out, &att, qkv, layout: layout, C: C, NH: NH)
    return out
}

private func attentionGradient(_ qkv: [Float], _ dout: [Float], _ layout: AttentionLayout, C: Int, NH: Int) -> [Float] {
    var out = [Float](repeating: 0, count: layout.positions * C), att = [Float](repeating: 0, count: NH * layout.weightsPerHead)
    attention_forward(&out, &att, qkv, layout: layout, C: C, NH: NH)
    // Stale values in the gradient buffer must not leak into it: the backward overwrites.
    var dqkv = [Float](repeating: 7, count: qkv.count), scratch = [Float](repeating: 7, count: att.count)
    attention_backward(&dqkv, &scratch, dout, qkv, att, layout: layout, C: C, NH: NH)
    return dqkv
}
