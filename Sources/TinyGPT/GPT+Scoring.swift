import Kernels

extension GPT {
    /// The log-probability of every completion token given its prompt and the tokens before
    /// it, at `temperature` (the distribution it was sampled from): the KL term's reference
    /// log-probs, computed by whoever holds the reference (the actor that sampled the rows,
    /// or the learner). Rows run in `lengthSortedBatches` of at most `positions` positions.
    /// Tokens beyond the context get 0.
    public func completionLogprobs(prompts: [[Int32]], completions: [[Int32]], temperature: Float, pad: Int32,
                                   positions: Int = 4096) throws -> [[Float]] {
        precondition(prompts.count == completions.count, "one prompt per completion")
        let length = { (i: Int) in min(self.config.contextLength, prompts[i].count + completions[i].count - 1) }
        var out = completions.map { [Float](repeating: 0, count: $0.count) }
        let scored = completions.indices.filter { !completions[$0].isEmpty && length($0) >= 1 }
        for rows in GPT.lengthSortedBatches(scored, length: length, positions: positions) {
            try scoreRows(rows, T: length(rows[rows.count - 1]), prompts: prompts, completions: completions,
                          temperature: temperature, pad: pad, into: &out)
        }
        return out
    }

    /// `rows` sorted by `length` and cut into batches of at most `positions` positions (at
    /// least one row each), each to be padded only to its own longest row: how ragged rows
    /// are batched for a forward pass, here and in the learner's update.
    public static func lengthSortedBatches(_ rows: [Int], length: (Int) -> Int, positions: Int) -> [[Int]] {
        let order = rows.sorted { length($0) < length($1) }
        var batches: [[Int]] = [], start = 0
        while start < order.count {
            var end = start + 1
            // Sorted ascending, so the last row taken sets the batch's length.
            while end < order.count && (end - start + 1) * length(order[end]) <= positions { end += 1 }
            batches.append(Array(order[start..<end]))
            start = end
        }
        return batches
    }

    /// One padded batch of `rows`: forward, then each completion token's tempered log-prob.
    /// Position t predicts token t + 1, so completion token k is read at t = p − 1 + k.
    private func scoreRows(_ rows: [Int], T: Int, prompts: [[Int32]], completions: [[Int32]], temperature: Float,
                           pad: Int32, into out: inout [[Float]]) throws {
        let B = rows.count
        var tokens = [Int32](repeating: pad, count: B * T), targets = [Int32](repeating: -1, count: B * T)
        for (r, i) in rows.enumerated() {
            let p = prompts[i].count, full = prompts[i] + completions[i]
            for t in 0..<min(full.count - 1, T) {
                tokens[r * T + t] = full[t]
                if t + 1 >= p { targets[r * T + t] = full[t + 1] }
            }
        }
        try tokens.withUnsafeBufferPointer { try forward($0.baseAddress!, B: B, T: T) }
        var logp = [Float](repeating: 0, count: B * T)
        token_logprobs(&logp, logits, targets, N: B * T, V: config.vocabSize, temperature: temperature)
        for (r, i) in rows.enumerated() {
            let p = prompts[i].count
            for t in 0..<T where targets[r * T + t] >= 0 { out[i][t + 1 - p] = logp[r * T + t] }
        }
    }
}
