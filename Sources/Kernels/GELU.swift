// GELU in its tanh form (GPT-2's "gelu_new"):
//   gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))

private let geluScale: Float = 0.7978845608028654  // √(2/π)
private typealias V8 = SIMD8<Float>

@inline(__always)
private func geluValue(_ x: V8) -> V8 {
    let x3: V8 = x * x * x
    let u: V8 = geluScale * (x + 0.044715 * x3)
    let th: V8 = FastMath.tanh(u)
    return 0.5 * x * (1 + th)
}

@inline(__always)
private func geluSlope(_ x: V8) -> V8 {
    let x2: V8 = x * x
    let u: V8 = geluScale * (x + 0.044715 * x2 * x)
    let th: V8 = FastMath.tanh(u)
    let sech2: V8 = 1 - th * th
    let du: V8 = geluScale * (1 + 3 * 0.044715 * x2)
    let left: V8 = 0.5 * (1 + th)
    return left + 0.5 * x * sech2 * du
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
