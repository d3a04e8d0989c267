// GELU in its tanh form (GPT-2's "gelu_new"):
//   gelu(x) = ½·x·(1 + tanh(u)),  u = √(2/π)·(x + 0.044715·x³).
// Since ½·(1 + tanh(u)) = σ(2u) = 1/(1 + e^{−2u}), it is computed as x·σ(2u): one exp
// and one division, with no sign handling (e^{−2u} saturates harmlessly at either end).

private let geluScale: Float = 0.7978845608028654  // √(2/π)
private typealias V8 = SIMD8<Float>

/// σ(2u), and x² for the slope, for one lane group.
@inline(__always)
private func geluGate(_ x: V8) -> (s: V8, x2: V8) {
    let x2: V8 = x * x
    let u: V8 = geluScale * (x + 0.044715 * x2 * x)
    return (1 / (1 + FastMath.exp(-2 * u)), x2)
}

@inline(__always)
private func geluValue(_ x: V8) -> V8 { x * geluGate(x).s }

/// d gelu/dx = σ(2u) + x·σ(2u)·(1 − σ(2u))·2u′, since ½·sech²(u) = 2σ(2u)(1 − σ(2u)).
@inline(__always)
private func geluSlope(_ x: V8) -> V8 {
    let (s, x2) = geluGate(x)
    let du: V8 = geluScale * (1 + 3 * 0.044715 * x2)
    return s + 2 * x * s * (1 - s) * du
}

public func gelu_forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, N: Int) {
    Parallel.forChunks(N, minChunk: 1 << 15) { r in
        var i = r.lowerBound
        while i + 8 <= r.upperBound {
            store8(out + i, geluValue(load8(inp + i)))
            i += 8
        }
        while i < r.upperBound {
            out[i] = geluValue(V8(repeating: inp[i]))[0]
            i += 1
        }
    }
}

/// dinp = gelu'(inp) · dout  (overwrites: its input gradient has a single consumer)
public func gelu_backward(
    _ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ dout: UnsafePointer<Float>, N: Int
) {
    Parallel.forChunks(N, minChunk: 1 << 15) { r in
        var i = r.lowerBound
        while i + 8 <= r.upperBound {
            store8(dinp + i, geluSlope(load8(inp + i)) * load8(dout + i))
            i += 8
        }
        while i < r.upperBound {
            dinp[i] = geluSlope(V8(repeating: inp[i]))[0] * dout[i]
            i += 1
        }
    }
}
