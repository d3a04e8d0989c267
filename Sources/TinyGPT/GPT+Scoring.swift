import Kernels

extension GPT {
    /// The log-probability of every completion token given its prompt and the tokens before
    /// it, at `temperature` (the distribution it was sampled from): the KL term's reference
    /// log-probs, computed by whoever holds the reference (the actor that sampled the rows,
    /// or the learner). Rows run sorted by length in batches of at most `positions`
    /// positions, each padded to its longest row. Tokens beyond the context get 0.
    public func completionLogprobs(prompts: [[Int32]], completions: [[Int32]], temperature: Float, pad: Int32,
                                   positions: Int = 4096) throws -> [[Float]] {
        precondition(prompts.count == completions.count, "one prompt per completion")
        let length = { (i: Int) in min(self.config.contextLength, prompts[i].count + completions[i].count - 1) }
        var out = completions.map { [Float](repeating: 0, count: $0.count) }
        let order = completions.indices.filter { !completions[$0].isEmpty && length($0) >= 1 }.sorted { length($0) < length($1) }
        var start = 0
        while start < order.count {
            var end = start + 1
            // Sorted ascending, so the last row taken sets the batch's length.
            while end < order.count && (end - start + 1) * length(order[end]) <= positions { end += 1 }
            let rows = Array(order[start..<end])
            try scoreRows(rows, T: length(rows[rows.count - 1]), prompts: prompts, completions: completions,
                          temperature: temperature, pad: pad, into: &out)
            start = end
        }
        return out
    }

    /// One padded batch of `rows`: forward, then each completion token's tempered log-prob.
    private func scoreRows(_ rows: [Int], T: Int, prompts: [[Int32]], completions: [[Int32]], temperature: Float,
                           pad: Int32, into out: inout [[Float]]) throws {
        let B = rows.count, V = config.vocabSize
        var tokens = [Int32](repeating: pad, count: B * T)
        for (r, i) in rows.enumerated() {
            let full = prompts[i] + completions[i]
            for t in 0..<min(full.count - 1, T) { tokens[r * T + t] = full[t] }
        }
        try tokens.withUnsafeBufferPointer { try forward($0.baseAddress!, B: B, T: T) }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: V)
        defer { scratch.deallocate() }
        for (r, i) in rows.enumerated() {
            let p = prompts[i].count, full = prompts[i] + completions[i]
            // Position t predicts token t + 1: completion token k is predicted at t = p − 1 + k.
            let first = max(p - 1, 0), last = min(full.count - 1, T)
            guard first < last else { continue }
            for t in first..<last {
                out[i][t + 1 - p] = temperedLogprob(logits + (r * T + t) * V, target: Int(full[t + 1]), V: V,
                                                    temperature: temperature, scratch: scratch)
            }
        }
    }

    private func temperedLogprob(_ row: UnsafePointer<Float>, target: Int, V: Int, temperature t: Float,
                                 scratch: UnsafeMutablePointer<Float>) -> Float {
        guard t != 1 else { return row[target] - logSumExp(row, V) }
        let inv = 1 / t
        for j in 0..<V { scratch[j] = row[j] * inv }
        return scratch[target] - logSumExp(scratch, V)
    }
}
