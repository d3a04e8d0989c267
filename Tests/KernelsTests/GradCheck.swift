import Foundation
import Testing
@testable import Kernels

/// Random buffer in [-1, 1) from a fixed seed.
func randomArray(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = Xoshiro256(seed: seed)
    return (0..<n).map { _ in (rng.uniform() * 2 - 1) * scale }
}

/// Central finite difference of `loss` w.r.t. x[i], in Double for the sum.
func numericGrad(_ x: inout [Float], _ i: Int, h: Float = 1e-2, _ loss: ([Float]) -> Double) -> Double {
    let old = x[i]
    x[i] = old + h
    let up = loss(x)
    x[i] = old - h
    let down = loss(x)
    x[i] = old
    return (up - down) / Double(2 * h)
}

/// Checks analytic gradient `analytic` against finite differences of `loss` over every element.
func expectGradientsMatch(_ name: String, x: [Float], analytic: [Float], tol: Double = 2e-2,
                          _ loss: ([Float]) -> Double) {
    var x = x
    var worst = 0.0
    for i in 0..<x.count {
        let num = numericGrad(&x, i, loss)
        let err = abs(num - Double(analytic[i])) / max(1, abs(num))
        worst = max(worst, err)
    }
    #expect(worst < tol, "\(name): worst relative error \(worst)")
}

/// Σ out·w with fixed random weights w: a scalar loss whose d/dout is w.
func weightedSum(_ out: [Float], _ w: [Float]) -> Double {
    zip(out, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}
