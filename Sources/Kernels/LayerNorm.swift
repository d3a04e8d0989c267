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
            let x = inp + n * C
            var m: Float = 0
            for i in 0..<C { m += x[i] }
            m /= Float(C)
            var v: Float = 0
            for i in 0..<C {
                let d = x[i] - m
                v += d * d
            }
            let s = 1 / (v / Float(C) + eps).squareRoot()
            let o = out + n * C
            for i in 0..<C { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[n] = m
            rstd[n] = s
        }
    }
}

/// Accumulates dinp, dweight and dbias (llm.c's formulation).
public func layernorm_backward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
    _ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, N: Int, C: Int
) {
    for n in 0..<N {
        let d = dout + n * C
        let x = inp + n * C
        let di = dinp + n * C
        let m = mean[n]
        let s = rstd[n]
        var dnormMean: Float = 0
        var dnormNormMean: Float = 0
        for i in 0..<C {
            let norm = (x[i] - m) * s
            let dnorm = weight[i] * d[i]
            dnormMean += dnorm
            dnormNormMean += dnorm * norm
        }
        dnormMean /= Float(C)
        dnormNormMean /= Float(C)
        for i in 0..<C {
            let norm = (x[i] - m) * s
            let dnorm = weight[i] * d[i]
            dbias[i] += d[i]
            dweight[i] += norm * d[i]
            di[i] += (dnorm - dnormMean - norm * dnormNormMean) * s
        }
    }
}
