import Kernels

extension GPT {
    /// Forward + mean cross-entropy over targets ≥ 0 + backward. Returns the loss.
    /// `targets[b, t]` is the id expected after `tokens[b, t]`; −1 is ignored.
    @discardableResult
    public func trainStep(tokens: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, B: Int, T: Int) throws -> Float {
        try forward(tokens, B: B, T: T)
        let (loss, _) = crossentropy_forward_backward(dlogits, logits, targets, N: B * T, V: config.vocabSize)
        backward()
        return loss
    }

    /// Mean cross-entropy of the current parameters on a batch (no gradient).
    public func loss(tokens: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, B: Int, T: Int) throws -> Float {
        try forward(tokens, B: B, T: T)
        return crossentropy_forward_backward(dlogits, logits, targets, N: B * T, V: config.vocabSize).loss
    }

    /// Per-token log-probabilities log p(tokens[t+1] | tokens[≤t]) for one sequence.
    public func tokenLogprobs(_ tokens: [Int32]) throws -> [Float] {
        let T = tokens.count
        guard T >= 2 else { return [] }
        try tokens.withUnsafeBufferPointer { try forward($0.baseAddress!, B: 1, T: T - 1) }
        var out = [Float](repeating: 0, count: T - 1)
        let targets = Array(tokens[1...])
        targets.withUnsafeBufferPointer { tp in
            out.withUnsafeMutableBufferPointer { op in
                token_logprobs(op.baseAddress!, logits, tp.baseAddress!, N: T - 1, V: config.vocabSize)
            }
        }
        return out
    }
}
