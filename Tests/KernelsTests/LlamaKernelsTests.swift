import Foundation
import Testing
@testable import Kernels

/// The Llama family's layers, each checked against finite differences.
@Suite("Llama kernels")
struct LlamaKernelsTests {
    @Test func rmsnormGradients() {
        let N = 3, C = 12  // eight lanes and a scalar tail
        let inp = randomArray(N * C, seed: 1, scale: 2), w = randomArray(C, seed: 2)
        let dout = randomArray(N * C, seed: 3)
        func run(_ x: [Float], _ w: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
            rmsnorm_forward(&out, &rstd, x, w, N: N, C: C, eps: 1e-5)
            return out
        }
        var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
        rmsnorm_forward(&out, &rstd, inp, w, N: N, C: C, eps: 1e-5)
        // Against the definition, in Double.
        for n in 0..<N {
            let x = (0..<C).map { Double(inp[n * C + $0]) }
            let r = 1 / (x.map { $0 * $0 }.reduce(0, +) / Double(C) + 1e-5).squareRoot()
            for i in 0..<C { #expect(abs(Double(out[n * C + i]) - x[i] * r * Double(w[i])) < 1e-5) }
        }
        var dinp = [Float](repeating: 0.5, count: N * C), dw = [Float](repeating: 0, count: C)
        rmsnorm_backward(&dinp, &dw, dout, inp, w, rstd, N: N, C: C)
        let dx = dinp.map { $0 - 0.5 }  // it adds into what was there
        expectGradientsMatch("dinp", x: inp, analytic: dx) { weightedSum(run($0, w), dout) }
        expectGradientsMatch("dweight", x: w, analytic: dw) { weightedSum(run(inp, $0), dout) }
    }

    @Test func swigluGradients() {
        let N = 3, I = 5
        let gu = randomArray(N * 2 * I, seed: 4, scale: 3), dout = randomArray(N * I, seed: 5)
        func run(_ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: N * I)
            swiglu_forward(&out, x, N: N, I: I)
            return out
        }
        let out = run(gu)
        let g = Double(gu[0]), u = Double(gu[I])
        #expect(abs(Double(out[0]) - g / (1 + Foundation.exp(-g)) * u) < 1e-5)
        var dgu = [Float](repeating: 9, count: N * 2 * I)
        swiglu_backward(&dgu, gu, dout, N: N, I: I)
        expectGradientsMatch("dgateUp", x: gu, analytic: dgu) { weightedSum(run($0), dout) }
    }

    /// HF's rotate-half: pair (i, i + hs/2) turns by position·θ^(−2i/hs); the inverse undoes it,
    /// and, a rotation being orthogonal, is also its gradient.
    @Test func rotaryEmbeddingsRotateHalvesAndInvert() {
        let hs = 8, heads = 2, N = 3, ld = 20
        let table = RotaryTable(headSize: hs, theta: 10000, positions: 16)
        let x = randomArray(N * ld, seed: 6)
        let positions: [Int32] = [0, 5, 11]
        var y = x
        table.apply(&y, ld: ld, positions: positions, N: N, heads: heads)
        #expect(Array(y[0..<(heads * hs)]) == Array(x[0..<(heads * hs)]), "position 0 is not rotated")
        #expect(Array(y[(heads * hs)..<ld]) == Array(x[(heads * hs)..<ld]), "only the heads asked for turn")
        let i = 1, p = 5.0, angle = p * pow(10000.0, -Double(2 * i) / Double(hs))
        let a = Double(x[ld + i]), b = Double(x[ld + i + hs / 2])
        #expect(abs(Double(y[ld + i]) - (a * cos(angle) - b * sin(angle))) < 1e-5)
        #expect(abs(Double(y[ld + i + hs / 2]) - (b * cos(angle) + a * sin(angle))) < 1e-5)
        var back = y
        table.apply(&back, ld: ld, positions: positions, N: N, heads: heads, inverse: true)
        #expect(zip(back, x).allSatisfy { abs($0 - $1) < 1e-5 })
        let dout = randomArray(N * ld, seed: 7)
        var grad = dout
        table.apply(&grad, ld: ld, positions: positions, N: N, heads: heads, inverse: true)
        expectGradientsMatch("drope", x: x, analytic: grad) { v in
            var o = v
            table.apply(&o, ld: ld, positions: positions, N: N, heads: heads)
            return weightedSum(o, dout)
        }
    }

    @Test func linearLayerGradients() {
        let N = 4, C = 5, OC = 3
        let inp = randomArray(N * C, seed: 8), w = randomArray(OC * C, seed: 9), b = randomArray(OC, seed: 10)
        let dout = randomArray(N * OC, seed: 11)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: N * OC)
            linear_forward(&out, x, w, b, N: N, C: C, OC: OC)
            return out
        }
        let out = run(inp, w, b)
        var want: Float = b[1]
        for k in 0..<C { want += inp[2 * C + k] * w[1 * C + k] }
        #expect(abs(out[2 * OC + 1] - want) < 1e-5, "out = x·Wᵀ + b with W [out, in]")
        var dinp = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: OC * C)
        var db = [Float](repeating: 0, count: OC)
        linear_backward(&dinp, &dw, &db, dout, inp, w, N: N, C: C, OC: OC)
        expectGradientsMatch("dinp", x: inp, analytic: dinp) { weightedSum(run($0, w, b), dout) }
        expectGradientsMatch("dweight", x: w, analytic: dw) { weightedSum(run(inp, $0, b), dout) }
        expectGradientsMatch("dbias", x: b, analytic: db) { weightedSum(run(inp, w, $0), dout) }
    }

    /// Grouped-query attention, packed: two query heads share each key/value head; the
    /// gradient of the shared keys and values sums both heads'.
    @Test(arguments: [1, 2, 4])
    func groupedQueryAttentionGradients(kvHeads: Int) {
        let heads = AttentionHeads(heads: 4, kvHeads: kvHeads, headSize: 4)
        let layout = AttentionLayout(spans: [(prefix: 3, branches: [2, 3]), (prefix: 2, branches: [])])
        let N = layout.positions, S = heads.stride
        let qkv = randomArray(N * S, seed: 12, scale: 1.5), dout = randomArray(N * heads.qWidth, seed: 13)
        func run(_ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: N * heads.qWidth)
            var att = [Float](repeating: 0, count: heads.heads * layout.weightsPerHead)
            attention_forward(&out, &att, x, layout: layout, heads: heads)
            return out
        }
        var out = [Float](repeating: 0, count: N * heads.qWidth)
        var att = [Float](repeating: 0, count: heads.heads * layout.weightsPerHead)
        attention_forward(&out, &att, qkv, layout: layout, heads: heads)
        var dqkv = [Float](repeating: 7, count: qkv.count), scratch = [Float](repeating: 7, count: att.count)
        attention_backward(&dqkv, &scratch, dout, qkv, att, layout: layout, heads: heads)
        expectGradientsMatch("dqkv (\(kvHeads) kv heads)", x: qkv, analytic: dqkv) { weightedSum(run($0), dout) }
        // Query head h reads key/value head h / group: with kv heads repeated to every query
        // head (as transformers' repeat_kv does), plain multi-head attention gives the same.
        let full = AttentionHeads(heads: 4, kvHeads: 4, headSize: 4)
        var expanded = [Float](repeating: 0, count: N * full.stride)
        for n in 0..<N {
            for i in 0..<heads.qWidth { expanded[n * full.stride + i] = qkv[n * S + i] }
            for h in 0..<4 {
                let kv = h / heads.group
                for j in 0..<4 {
                    expanded[n * full.stride + full.qWidth + h * 4 + j] = qkv[n * S + heads.qWidth + kv * 4 + j]
                    expanded[n * full.stride + 2 * full.qWidth + h * 4 + j] = qkv[n * S + heads.qWidth + heads.kvWidth + kv * 4 + j]
                }
            }
        }
        var outFull = [Float](repeating: 0, count: N * full.qWidth)
        var attFull = [Float](repeating: 0, count: 4 * layout.weightsPerHead)
        attention_forward(&outFull, &attFull, expanded, layout: layout, heads: full)
        #expect(zip(out, outFull).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func embeddingGradients() {
        let V = 5, C = 3, tokens: [Int32] = [4, 0, 4]
        let wte = randomArray(V * C, seed: 14), dout = randomArray(tokens.count * C, seed: 15)
        var out = [Float](repeating: 0, count: tokens.count * C)
        embedding_forward(&out, tokens, wte, N: tokens.count, C: C)
        #expect(Array(out[0..<C]) == Array(wte[(4 * C)..<(5 * C)]))
        var dwte = [Float](repeating: 0, count: V * C)
        embedding_backward(&dwte, dout, tokens, N: tokens.count, C: C)
        #expect(dwte[4 * C] == dout[0] + dout[2 * C])
    }
}
