/// The LM head applied a chunk of positions at a time (100 MB of logits), so that a [positions × vocab] logits
/// matrix never exists whole (SmolLM2's 49,152 columns make it 197 KB a position, twice
/// over with its gradient): after `CausalLM.forwardHidden`, a loss reads each chunk's logits,
/// and `backward` recomputes them, lets the loss write d(loss)/d(logits) over them in place and
/// back-propagates into d(hidden) and the head's gradient. The recomputation costs one more
/// head product (≈ 7 % of a SmolLM2 training pass); the memory saved sizes bigger micro-batches.
public final class HeadChunks {
    /// Positions per chunk; nil: as many as `logitsBudget` floats of logits hold (512 for
    /// SmolLM2's vocabulary, so both cores share each chunk's softmax; a whole micro-batch for
    /// our GPT-2's 303 tokens, whose head is cheaper in one product than in many).
    public let chunk: Int?
    private var logits: FloatBuffer?
    private var dHidden: FloatBuffer?

    /// One chunk's logits: 100 MB.
    public static let logitsBudget = 512 * 49_152

    public init(chunk: Int? = nil) {
        precondition((chunk ?? 1) >= 1, "a chunk has at least one position")
        self.chunk = chunk
    }

    /// Positions per chunk for a vocabulary of `V`.
    public func positions(vocabulary V: Int) -> Int { chunk ?? max(1, Self.logitsBudget / max(V, 1)) }

    /// Calls `body(range, logits)` for consecutive ranges of the last forward pass's positions,
    /// `logits` [range.count, V] = hidden[range] · headᵀ (valid only during the call).
    public func forEach(_ model: any CausalLM, positions N: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let V = model.vocabSize, C = model.width, chunk = min(positions(vocabulary: V), max(N, 1))
        let buffer = FloatBuffer.reuse(&logits, atLeast: chunk * V).pointer
        for lo in stride(from: 0, to: N, by: chunk) {
            let range = lo..<min(N, lo + chunk)
            linear_forward(buffer, model.hidden + lo * C, model.headWeights, nil, N: range.count, C: C, OC: V)
            body(range, buffer)
        }
    }

    /// log p(targets[p]) at `temperature` for every position of the last forward pass (0 where
    /// the target is negative).
    public func tokenLogprobs(_ model: any CausalLM, targets: [Int32], temperature: Float) -> [Float] {
        let V = model.vocabSize
        var out = [Float](repeating: 0, count: targets.count)
        out.withUnsafeMutableBufferPointer { o in
            targets.withUnsafeBufferPointer { t in
                forEach(model, positions: t.count) { range, logits in
                    let lo = range.lowerBound
                    token_logprobs(o.baseAddress! + lo, logits, t.baseAddress! + lo, N: range.count, V: V, temperature: temperature)
                }
            }
        }
        return out
    }

    /// The backward pass through head and body. For each chunk `write(range, buffer)` finds the
    /// chunk's logits in `buffer` and overwrites them with d(loss)/d(logits); d(hidden) (plus
    /// `extra` [N, C] when given: a value head's) then flows down the body, and the head's
    /// gradient accumulates unless it is frozen.
    public func backward(_ model: any CausalLM, positions N: Int, extra: [Float]? = nil,
                         _ write: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let V = model.vocabSize, C = model.width
        let dh = FloatBuffer.reuse(&dHidden, atLeast: N * C).pointer
        forEach(model, positions: N) { range, buffer in
            write(range, buffer)
            linear_backward(dh + range.lowerBound * C, model.headGradient, nil, buffer, model.hidden + range.lowerBound * C,
                            model.headWeights, N: range.count, C: C, OC: V)
        }
        if let extra {
            precondition(extra.count == N * C, "d(hidden) is [positions, width]")
            for i in 0..<(N * C) { dh[i] += extra[i] }
        }
        model.backward(fromHidden: dh)
    }
}
