/// What training, scoring and sampling ask of a causal language model, whichever family it
/// is (our GPT-2, the Llama family): one flat parameter buffer and its gradients, a forward
/// pass over an `AttentionLayout` that fills `logits`, and a backward pass from `dlogits`.
public protocol CausalLM: AnyObject {
    var params: FloatBuffer { get }
    var grads: FloatBuffer { get }
    var vocabSize: Int { get }
    var contextLength: Int { get }
    /// The width of `hidden` (what a value head reads).
    var width: Int { get }
    /// Bytes a training pass keeps per position (activations, logits and their gradients; the
    /// attention weights, which grow with the row's length, aside): what sizes micro-batches.
    var bytesPerPosition: Int { get }
    /// Runs the model on `tokens` [layout.positions] and fills `logits` [positions, V].
    func forward(_ tokens: UnsafePointer<Int32>, layout: AttentionLayout) throws
    /// Runs the body only, up to `hidden`: a loss then applies the head in chunks (`HeadChunks`).
    /// Without `forBackward` a model may keep less (a pass that scores: no `backward` after it).
    func forwardHidden(_ tokens: UnsafePointer<Int32>, layout: AttentionLayout, forBackward: Bool) throws
    /// The LM head's weights [vocab, width] (the embedding when tied), and their gradient (nil when frozen).
    var headWeights: UnsafePointer<Float> { get }
    var headGradient: UnsafeMutablePointer<Float>? { get }
    var logits: UnsafeMutablePointer<Float> { get }
    /// A loss fills every row before `backward`.
    var dlogits: UnsafeMutablePointer<Float> { get }
    /// The final norm's output of the last forward pass, [positions, width].
    var hidden: UnsafePointer<Float> { get }
    /// Adds the gradient of the last forward pass into `grads`; `hiddenGradient` joins the head's.
    func backward(hiddenGradient: UnsafePointer<Float>?)
    /// Adds the gradient of the last forward pass into `grads`, from d(loss)/d(hidden) [positions, width]
    /// with the head's part already in it (`HeadChunks.backward`).
    func backward(fromHidden: UnsafePointer<Float>)
    /// The parameter ranges, and whether AdamW decays each (matrices yes, norms and biases no).
    var decayRanges: [(range: Range<Int>, decays: Bool)] { get }
    /// A model of the same shape with these weights: the KL reference, a rank's copy.
    func twin() throws -> Self
    /// What an optimiser updates: `params`, or the adapters of a model with LoRA (its base frozen).
    var trainable: FloatBuffer { get }
    var trainableGrads: FloatBuffer { get }
    var trainableDecayRanges: [(range: Range<Int>, decays: Bool)] { get }
}

extension CausalLM {
    public var parameterCount: Int { params.count }

    public var trainable: FloatBuffer { params }
    public var trainableGrads: FloatBuffer { grads }
    public var trainableDecayRanges: [(range: Range<Int>, decays: Bool)] { decayRanges }

    public func zeroGrad() { trainableGrads.zero() }

    /// The log-probability of every completion token given its prompt and the tokens before
    /// it, at `temperature` (the distribution it was sampled from): the KL term's reference
    /// log-probs, computed by whoever holds the reference (the actor that sampled the rows,
    /// or the learner). Consecutive rows with the same prompt share it (`PackedRows`), in
    /// batches of at most `positions` positions. Tokens beyond the context get 0.
    public func completionLogprobs(prompts: [[Int32]], completions: [[Int32]], temperature: Float,
                                   positions: Int = 4096) throws -> [[Float]] {
        precondition(prompts.count == completions.count, "one prompt per completion")
        let context = contextLength
        var out = completions.map { [Float](repeating: 0, count: $0.count) }
        let head = HeadChunks()
        for rows in PackedRows.batches(prompts: prompts, completions: completions, contextLength: context, positions: positions) {
            let packed = PackedRows(prompts: Array(prompts[rows]), completions: Array(completions[rows]), contextLength: context)
            let N = packed.layout.positions
            guard N > 0 else { continue }
            try packed.tokens.withUnsafeBufferPointer { try forwardHidden($0.baseAddress!, layout: packed.layout, forBackward: false) }
            let logp = head.tokenLogprobs(self, targets: packed.targets, temperature: temperature)
            for p in 0..<N where packed.row[p] >= 0 { out[rows.lowerBound + Int(packed.row[p])][Int(packed.index[p])] = logp[p] }
        }
        return out
    }

    /// log p(tokens[t+1] | tokens[≤t]) for one sequence (its last token is only a target,
    /// so it may be one longer than the context).
    public func tokenLogprobs(_ tokens: [Int32]) throws -> [Float] {
        let T = tokens.count
        guard T >= 2 else { return [] }
        try tokens.withUnsafeBufferPointer { try forwardHidden($0.baseAddress!, layout: .dense(rows: 1, length: T - 1), forBackward: false) }
        return HeadChunks().tokenLogprobs(self, targets: Array(tokens[1...]), temperature: 1)
    }
}
