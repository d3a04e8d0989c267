import Kernels

extension GPT {
    /// The log-probability of every completion token given its prompt and the tokens before
    /// it, at `temperature` (the distribution it was sampled from): the KL term's reference
    /// log-probs, computed by whoever holds the reference (the actor that sampled the rows,
    /// or the learner). Consecutive rows with the same prompt share it (`PackedRows`), in
    /// batches of at most `positions` positions. Tokens beyond the context get 0.
    public func completionLogprobs(prompts: [[Int32]], completions: [[Int32]], temperature: Float,
                                   positions: Int = 4096) throws -> [[Float]] {
        precondition(prompts.count == completions.count, "one prompt per completion")
        let context = config.contextLength
        var out = completions.map { [Float](repeating: 0, count: $0.count) }
        for rows in PackedRows.batches(prompts: prompts, completions: completions, contextLength: context, positions: positions) {
            let packed = PackedRows(prompts: Array(prompts[rows]), completions: Array(completions[rows]), contextLength: context)
            let N = packed.layout.positions
            guard N > 0 else { continue }
            try packed.tokens.withUnsafeBufferPointer { try forward($0.baseAddress!, layout: packed.layout) }
            var logp = [Float](repeating: 0, count: N)
            token_logprobs(&logp, logits, packed.targets, N: N, V: config.vocabSize, temperature: temperature)
            for p in 0..<N where packed.row[p] >= 0 { out[rows.lowerBound + Int(packed.row[p])][Int(packed.index[p])] = logp[p] }
        }
        return out
    }
}
