private typealias V8 = SIMD8<Float>

/// RMSNorm over the last dimension (Llama, Qwen2): out = x·rstd·weight, rstd = 1/√(mean(x²) + eps).
/// Saves rstd per row for the backward pass.
public func rmsnorm_forward(
    _ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, N: Int, C: Int, eps: Float
) {
    Parallel.forChunks(N, minChunk: 64) { rows in
        for n in rows {
            let x = inp + n * C, o = out + n * C
            let s = 1 / (squares(x, C) / Float(C) + eps).squareRoot()
            let vs = V8(repeating: s)
            var i = 0
            while i + 8 <= C {
                store8(o + i, load8(x + i) * vs * load8(weight + i))
                i += 8
            }
            while i < C { o[i] = x[i] * s * weight[i]; i += 1 }
            rstd[n] = s
        }
    }
}

/// Rows per piece of the backward pass: each piece sums its own dweight, and the pieces are
/// added in order, so the result does not depend on how many workers ran them.
private let rmsRowsPerPiece = 64

/// Adds into dinp and dweight (nil: a frozen gain). With y = w·x·r and r = (mean(x²) + eps)^−½:
/// dx = r·(w·dy) − x·r³/C·Σ(w·dy·x), dw = Σ_rows dy·x·r.
public func rmsnorm_backward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ rstd: UnsafePointer<Float>, N: Int, C: Int
) {
    let pieces = (N + rmsRowsPerPiece - 1) / rmsRowsPerPiece
    let partial = UnsafeMutablePointer<Float>.allocate(capacity: max(pieces, 1) * C)
    defer { partial.deallocate() }
    partial.initialize(repeating: 0, count: max(pieces, 1) * C)
    Parallel.forChunks(pieces, minChunk: 1) { range in
        for p in range {
            let rows = (p * rmsRowsPerPiece)..<min(N, (p + 1) * rmsRowsPerPiece)
            rmsRowsBackward(rows, dinp, partial + p * C, dout, inp, weight, rstd, C: C)
        }
    }
    guard let dweight else { return }
    for p in 0..<pieces {
        let dw = partial + p * C
        for i in 0..<C { dweight[i] += dw[i] }
    }
}

private func rmsRowsBackward(
    _ rows: Range<Int>, _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ rstd: UnsafePointer<Float>, C: Int
) {
    for n in rows {
        let d = dout + n * C, x = inp + n * C, di = dinp + n * C, r = rstd[n]
        var acc = V8(), i = 0
        while i + 8 <= C {
            acc = fma8(load8(weight + i) * load8(d + i), load8(x + i), acc)
            i += 8
        }
        var dot = acc.sum()
        while i < C { dot += weight[i] * d[i] * x[i]; i += 1 }
        let k = V8(repeating: r * r * r * dot / Float(C)), vr = V8(repeating: r)
        i = 0
        while i + 8 <= C {
            let xv = load8(x + i), dv = load8(d + i)
            store8(dweight + i, fma8(dv * xv, vr, load8(dweight + i)))
            store8(di + i, load8(di + i) + vr * load8(weight + i) * dv - xv * k)
            i += 8
        }
        while i < C {
            dweight[i] += d[i] * x[i] * r
            di[i] += r * weight[i] * d[i] - x[i] * k[0]
            i += 1
        }
    }
}

/// Σ x[i]² over C floats, eight lanes at a time.
@inline(__always)
private func squares(_ x: UnsafePointer<Float>, _ C: Int) -> Float {
    var acc = V8(), i = 0
    while i + 8 <= C {
        let v = load8(x + i)
        acc = fma8(v, v, acc)
        i += 8
    }
    var total = acc.sum()
    while i < C { total += x[i] * x[i]; i += 1 }
    return total
}
