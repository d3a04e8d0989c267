import Foundation
import Kernels

/// PPO's critic: one linear map from the policy's final hidden state to a value per
/// position, V = h·w + b.
///
/// It reads the policy's own trunk rather than a second network: a separate critic of
/// the same size would double the learner's update, which already bounds every cluster
/// step. The trunk sees the value loss only through `trunkWeight` (0: the head learns on
/// detached features). Its C + 1 parameters have their own AdamW and learning rate.
public final class ValueHead {
    public let width: Int
    /// [w (width), b].
    public let params: FloatBuffer
    public let grads: FloatBuffer
    public let optimizer: AdamW
    /// False until the bias is set from the first batch's mean reward (`warmStart`).
    public var started = false

    public init(width: Int) {
        self.width = width
        params = FloatBuffer(count: width + 1)
        grads = FloatBuffer(count: width + 1)
        var c = AdamWConfig()
        c.weightDecay = 0
        c.gradClip = 0
        optimizer = AdamW(count: width + 1, config: c)
    }

    /// Starts the bias at `mean` (the first batch's mean reward): a zero critic would make
    /// the first hundred advantages the raw rewards.
    public func warmStart(mean: Float) {
        guard !started else { return }
        params.pointer[width] = mean
        started = true
    }

    /// values[p] = hidden[p]·w + b for the N positions of `hidden` [N, width].
    public func forward(_ hidden: UnsafePointer<Float>, N: Int) -> [Float] {
        let w = params.pointer, b = params.pointer[width]
        return (0..<N).map { p in
            var s: Float = b
            let h = hidden + p * width
            for j in 0..<width { s += h[j] * w[j] }
            return s
        }
    }

    /// Adds dL/dw and dL/db to `grads` from `dValues`; returns trunkWeight·dL/dhidden [N, width].
    public func backward(_ hidden: UnsafePointer<Float>, dValues: [Float], trunkWeight: Float) -> [Float] {
        let C = width, w = params.pointer, g = grads.pointer
        var dHidden = [Float](repeating: 0, count: dValues.count * C)
        for (p, dv) in dValues.enumerated() where dv != 0 {
            let h = hidden + p * C
            for j in 0..<C { g[j] += dv * h[j] }
            g[C] += dv
            if trunkWeight != 0 { for j in 0..<C { dHidden[p * C + j] = trunkWeight * dv * w[j] } }
        }
        return dHidden
    }

    public func zeroGrad() { grads.zero() }

    /// What a checkpoint keeps of the head: weights, moments and step, for `--resume`.
    public struct Saved: Codable, Sendable {
        public var params: [Float], m: [Float], v: [Float], step: Int
        /// Whether the bias was warm-started (nil in files without it: after a first update).
        public var started: Bool?
    }

    public var saved: Saved {
        Saved(params: params.array, m: optimizer.m.array, v: optimizer.v.array, step: optimizer.step, started: started)
    }

    /// JSON that keeps a diverged head's NaN or ±∞ rather than failing the checkpoint.
    public static func encode(_ s: Saved) throws -> Data {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(s)
    }

    public static func decode(_ data: Data) throws -> Saved {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try d.decode(Saved.self, from: data)
    }

    public func restore(_ s: Saved) throws {
        guard s.params.count == width + 1, s.m.count == width + 1, s.v.count == width + 1 else {
            throw CheckpointError("value head", "has \(s.params.count) weights, a head on this model's width \(width) has \(width + 1)")
        }
        for i in 0...width { params.pointer[i] = s.params[i]; optimizer.m.pointer[i] = s.m[i]; optimizer.v.pointer[i] = s.v[i] }
        optimizer.step = s.step
        started = s.started ?? (s.step > 0)
    }

    public static let checkpointFile = "value_head.json"
}
