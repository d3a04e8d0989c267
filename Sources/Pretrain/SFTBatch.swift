import Tasks

/// Token rows for supervised training on worked solutions.
///
/// Each row is `BOS prompt completion EOS`, right-padded with PAD. Targets are
/// the next token, with −1 (ignored) where the target is part of the prompt or
/// padding: the model learns to solve problems, not to invent them.
public struct SFTBatch {
    public let B: Int
    public let T: Int
    public var tokens: [Int32]
    public var targets: [Int32]
    /// Number of counted (non-ignored) target positions.
    public var supervisedTokens: Int

    public init(problems: [Problem], tokenizer: Tokenizer, length T: Int) {
        B = problems.count
        self.T = T
        tokens = [Int32](repeating: Tokenizer.pad, count: B * T)
        targets = [Int32](repeating: -1, count: B * T)
        supervisedTokens = 0
        for (b, p) in problems.enumerated() {
            let prompt = [Tokenizer.bos] + tokenizer.encode(p.prompt)
            let full = prompt + tokenizer.encode(p.completion ?? "<answer>\(p.answer)</answer>") + [Tokenizer.eos]
            let n = min(full.count - 1, T)
            for t in 0..<n {
                tokens[b * T + t] = full[t]
                if t + 1 >= prompt.count {
                    targets[b * T + t] = full[t + 1]
                    supervisedTokens += 1
                }
            }
        }
    }
}
