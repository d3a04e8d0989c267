import Foundation

/// Rotary position embeddings in Hugging Face's rotate-half layout: within each head the
/// pairs are (i, i + hs/2), rotated by position·θ^(−2i/hs). Cosines and sines are tabled
/// once per model for every position of its context.
public struct RotaryTable: Sendable {
    public let headSize: Int, positions: Int
    /// [position][hs/2] each.
    private let cosines: [Float], sines: [Float]

    public init(headSize: Int, theta: Float, positions: Int) {
        precondition(headSize % 2 == 0, "rotary embeddings need an even head size")
        self.headSize = headSize
        self.positions = positions
        let half = headSize / 2
        // As transformers computes them in float32: inverse frequencies, then angle = position · frequency.
        let inv = (0..<half).map { 1 / powf(theta, Float(2 * $0) / Float(headSize)) }
        var c = [Float](repeating: 0, count: positions * half), s = c
        for p in 0..<positions {
            for i in 0..<half {
                let angle = Double(Float(p) * inv[i])
                c[p * half + i] = Float(cos(angle))
                s[p * half + i] = Float(sin(angle))
            }
        }
        cosines = c
        sines = s
    }

    /// Rotates `heads` heads of each of N rows in place: row n starts at x + n·ld and sits at
    /// positions[n]. `inverse` rotates the other way: the backward pass (a rotation's
    /// transpose is its inverse).
    public func apply(_ x: UnsafeMutablePointer<Float>, ld: Int, positions pos: UnsafePointer<Int32>, N: Int,
                      heads: Int, inverse: Bool = false) {
        let half = headSize / 2, sign: Float = inverse ? -1 : 1
        cosines.withUnsafeBufferPointer { cb in
            sines.withUnsafeBufferPointer { sb in
                let cb = cb.baseAddress!, sb = sb.baseAddress!
                Parallel.forChunks(N, minChunk: 64) { rows in
                    for n in rows {
                        let p = Int(pos[n])
                        precondition(p >= 0 && p < positions, "position \(p) is outside the rotary table (\(positions))")
                        let c = cb + p * half, s = sb + p * half
                        for h in 0..<heads {
                            let a = x + n * ld + h * headSize, b = a + half
                            for i in 0..<half {
                                let x0 = a[i], x1 = b[i], sn = sign * s[i]
                                a[i] = x0 * c[i] - x1 * sn
                                b[i] = x1 * c[i] + x0 * sn
                            }
                        }
                    }
                }
            }
        }
    }
}
