import Foundation

/// SwiGLU (Llama's MLP): out[n, i] = silu(gate)·up, with gate and up side by side in each
/// row of `gateUp` [N, 2I] (one GEMM makes both).
public func swiglu_forward(_ out: UnsafeMutablePointer<Float>, _ gateUp: UnsafePointer<Float>, N: Int, I: Int) {
    Parallel.forChunks(N, minChunk: 16) { rows in
        for n in rows {
            let g = gateUp + n * 2 * I, u = g + I, o = out + n * I
            for i in 0..<I { o[i] = g[i] / (1 + exp(-g[i])) * u[i] }
        }
    }
}

/// Writes dgateUp [N, 2I] (overwrites) from dout [N, I].
public func swiglu_backward(_ dgateUp: UnsafeMutablePointer<Float>, _ gateUp: UnsafePointer<Float>,
                            _ dout: UnsafePointer<Float>, N: Int, I: Int) {
    Parallel.forChunks(N, minChunk: 16) { rows in
        for n in rows {
            let g = gateUp + n * 2 * I, u = g + I, d = dout + n * I
            let dg = dgateUp + n * 2 * I, du = dg + I
            for i in 0..<I {
                let s = 1 / (1 + exp(-g[i]))
                du[i] = d[i] * g[i] * s
                dg[i] = d[i] * u[i] * s * (1 + g[i] * (1 - s))
            }
        }
    }
}
