import Foundation

/// AdamW hyper-parameters.
public struct AdamWConfig: Codable, Sendable, Equatable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var eps: Float = 1e-8
    public var weightDecay: Float = 0.1
    /// Global gradient-norm clip; 0 disables clipping.
    public var gradClip: Float = 1.0
    public init() {}
}

/// AdamW with decoupled weight decay (on matrices only) and global-norm clipping.
/// Its moments `m` and `v` share the model's parameter layout.
public final class AdamW {
    public var config: AdamWConfig
    public let m: FloatBuffer
    public let v: FloatBuffer
    /// Number of updates taken so far (bias correction uses it).
    public var step: Int = 0
    private let decayMask: [(range: Range<Int>, decays: Bool)]

    /// AdamW over what a model trains (its parameters or its adapters), decaying what it says decays.
    public convenience init(model: any CausalLM, config: AdamWConfig = AdamWConfig()) {
        self.init(count: model.trainable.count, decayRanges: model.trainableDecayRanges, config: config)
    }

    /// AdamW over `count` parameters, decaying those in the ranges marked so (none by default:
    /// a value head).
    public init(count: Int, decayRanges: [(range: Range<Int>, decays: Bool)]? = nil, config: AdamWConfig = AdamWConfig()) {
        self.config = config
        m = FloatBuffer(count: count)
        v = FloatBuffer(count: count)
        decayMask = decayRanges ?? [(0..<count, false)]
    }

    /// L2 norm of all gradients.
    public static func gradNorm(_ grads: FloatBuffer) -> Float {
        var sum: Double = 0
        let g = grads.pointer
        var i = 0
        var acc = SIMD8<Float>()
        while i + 8 <= grads.count {
            let x = load8(g + i)
            acc += x * x
            i += 8
            if i % 4096 == 0 {
                sum += Double(acc.sum())
                acc = .zero
            }
        }
        sum += Double(acc.sum())
        while i < grads.count { sum += Double(g[i] * g[i]); i += 1 }
        return Float(sum.squareRoot())
    }

    /// One update at learning rate `lr`. Returns the gradient norm before clipping.
    @discardableResult
    public func update(params: FloatBuffer, grads: FloatBuffer, lr: Float) -> Float {
        step += 1
        let norm = AdamW.gradNorm(grads)
        let clip: Float = (config.gradClip > 0 && norm > config.gradClip) ? config.gradClip / (norm + 1e-6) : 1
        let c = config
        let bc1 = 1 - Float(pow(Double(c.beta1), Double(step)))
        let bc2 = 1 - Float(pow(Double(c.beta2), Double(step)))
        let p = params.pointer, g = grads.pointer, m = m.pointer, v = v.pointer
        for (range, decays) in decayMask {
            let wd = decays ? c.weightDecay : 0
            Parallel.forChunks(range.count, minChunk: 1 << 15) { r in
                for j in r {
                    let i = range.lowerBound + j
                    let gi = g[i] * clip
                    let mi = c.beta1 * m[i] + (1 - c.beta1) * gi
                    let vi = c.beta2 * v[i] + (1 - c.beta2) * gi * gi
                    m[i] = mi
                    v[i] = vi
                    let mhat = mi / bc1, vhat = vi / bc2
                    p[i] -= lr * (mhat / (vhat.squareRoot() + c.eps) + wd * p[i])
                }
            }
        }
        return norm
    }
}
