private typealias V8 = SIMD8<Float>

/// LayerNorm over the last dimension: out = (x − mean)·rstd·weight + bias.
/// Saves mean and rstd per row for the backward pass.
public func layernorm_forward(
    _ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
    _ rstd: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, N: Int, C: Int,
    eps: Float = 1e-5
) {
    Parallel.forChunks(N, minChunk: 256) { rows in
        for n in rows {
            let x = inp + n * C, o = out + n * C
            let m = sum(C, { load8(x + $0) }, { x[$0] }) / Float(C)
            let vm = V8(repeating: m)
            let v = sum(C, { (load8(x + $0) - vm) * (load8(x + $0) - vm) }, { (x[$0] - m) * (x[$0] - m) }) / Float(C)
            let s = 1 / (v + eps).squareRoot()
            var i = 0
            while i + 8 <= C {
                store8(o + i, fma8((load8(x + i) - vm) * V8(repeating: s), load8(weight + i), load8(bias + i)))
                i += 8
            }
            while i < C { o[i] = (x[i] - m) * s * weight[i] + bias[i]; i += 1 }
            mean[n] = m
            rstd[n] = s
        }
    }
}

/// Rows per piece of the backward pass: each piece sums its own dweight and dbias, and the
/// pieces are added in order, so the result does not depend on how many workers ran them.
private let backwardRowsPerPiece = 128

/// Accumulates dinp, dweight and dbias (llm.c's formulation).
public func layernorm_backward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
    _ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, N: Int, C: Int
) {
    let pieces = (N + backwardRowsPerPiece - 1) / backwardRowsPerPiece
    guard pieces > 1 else {
        layernormRowsBackward(0..<N, dinp, dweight, dbias, dout, inp, weight, mean, rstd, C: C)
        return
    }
    // Per piece, its dweight then its dbias.
    let partial = UnsafeMutablePointer<Float>.allocate(capacity: pieces * 2 * C)
    defer { partial.deallocate() }
    partial.initialize(repeating: 0, count: pieces * 2 * C)
    Parallel.forChunks(pieces, minChunk: 1) { range in
        for p in range {
            let rows = (p * backwardRowsPerPiece)..<min(N, (p + 1) * backwardRowsPerPiece)
            let dw = partial + p * 2 * C
            layernormRowsBackward(rows, dinp, dw, dw + C, dout, inp, weight, mean, rstd, C: C)
        }
    }
    for p in 0..<pieces {
        let dw = partial + p * 2 * C
        for i in 0..<C {
            dweight[i] += dw[i]
            dbias[i] += dw[C + i]
        }
    }
}

/// The backward pass of `rows`, adding into dinp, dweight and dbias.
private func layernormRowsBackward(
    _ rows: Range<Int>, _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
    _ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, C: Int
) {
    for n in rows {
        let d = dout + n * C, x = inp + n * C, di = dinp + n * C
        let m = mean[n], s = rstd[n]
        let vm = V8(repeating: m), vs = V8(repeating: s)
        let dnormMean = sum(C, { load8(weight + $0) * load8(d + $0) }, { weight[$0] * d[$0] }) / Float(C)
        let dnormNormMean = sum(C, { load8(weight + $0) * load8(d + $0) * ((load8(x + $0) - vm) * vs) },
                                { weight[$0] * d[$0] * ((x[$0] - m) * s) }) / Float(C)
        let vMean = V8(repeating: dnormMean), vNormMean = V8(repeating: dnormNormMean)
        var i = 0
        while i + 8 <= C {
            let dv = load8(d + i), norm = (load8(x + i) - vm) * vs
            let dnorm = load8(weight + i) * dv
            store8(dbias + i, load8(dbias + i) + dv)
            store8(dweight + i, fma8(norm, dv, load8(dweight + i)))
            store8(di + i, fma8(dnorm - vMean - norm * vNormMean, vs, load8(di + i)))
            i += 8
        }
        while i < C {
            let norm = (x[i] - m) * s, dnorm = weight[i] * d[i]
            dbias[i] += d[i]
            dweight[i] += norm * d[i]
            di[i] += (dnorm - dnormMean - norm * dnormNormMean) * s
            i += 1
        }
    }
}

/// Σ_{i<C} term(i): `lanes(i)` gives terms i…i+7, `scalar(i)` term i for the tail. A plain
/// loop of Float adds stays scalar, since the compiler may not reorder them.
@inline(__always)
private func sum(_ C: Int, _ lanes: (Int) -> V8, _ scalar: (Int) -> Float) -> Float {
    var acc = V8()
    var i = 0
    while i + 8 <= C {
        acc += lanes(i)
        i += 8
    }
    var total = acc.sum()
    while i < C { total += scalar(i); i += 1 }
    return total
}
