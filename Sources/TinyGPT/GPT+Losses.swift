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
}
