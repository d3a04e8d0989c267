/// How tokens are drawn.
///
/// The behaviour log-probability recorded for each token is taken under the
/// distribution it was actually drawn from: logits divided by `temperature`,
/// cut to the `topK` most likely and then to the smallest set whose mass reaches
/// `topP`, and renormalised. At temperature 1 with no truncation that is the
/// policy's own log-probability; otherwise importance ratios against it measure
/// the policy against the sampler, as the learner needs.
public struct SamplingParams: Codable, Sendable, Equatable {
    public var temperature: Float = 1
    /// 0 keeps every token.
    public var topK: Int = 0
    /// 1 keeps every token.
    public var topP: Float = 1
    public var maxNewTokens: Int = 96
    /// Generation of a row stops after it emits one of these.
    public var stopTokens: [Int32] = []
    /// s1's budget forcing: end the thinking after this many tokens (nil: no limit).
    public var forcing: BudgetForcing?

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, maxNewTokens: Int = 96, stopTokens: [Int32] = []) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.maxNewTokens = maxNewTokens
        self.stopTokens = stopTokens
    }

    public func validate() throws {
        if let f = forcing, f.budget < 0 { throw SamplerError.invalidParams("think budget must be ≥ 0, got \(f.budget)") }
        if !(temperature > 0) { throw SamplerError.invalidParams("temperature must be > 0, got \(temperature)") }
        if topK < 0 { throw SamplerError.invalidParams("top_k must be ≥ 0, got \(topK)") }
        if !(topP > 0 && topP <= 1) { throw SamplerError.invalidParams("top_p must be in (0, 1], got \(topP)") }
        if maxNewTokens < 1 { throw SamplerError.invalidParams("max_new_tokens must be ≥ 1, got \(maxNewTokens)") }
    }
}

/// Budget forcing as in s1 (Muennighoff et al., 2025): once a row has thought for `budget`
/// tokens after `open` without closing, the sampler writes `force` (the closing tag and
/// the answer's opening tag) in its place, so the answer must come now. Forced tokens get
/// log-prob 0: they were not sampled.
public struct BudgetForcing: Codable, Sendable, Equatable {
    public var budget: Int
    public var open: Int32
    public var close: Int32
    public var force: [Int32]
    public init(budget: Int, open: Int32, close: Int32, force: [Int32]) {
        self.budget = budget; self.open = open; self.close = close; self.force = force
    }

    /// What a row's thinking looks like so far, token by token.
    struct State {
        var thinking = false, thought = 0, pending: [Int32] = [], done = false

        /// Records `token`; returns the forced tokens to write next (once per row).
        mutating func saw(_ token: Int32, _ f: BudgetForcing) {
            if token == f.open && !done && !thinking {
                thinking = true
                thought = 0
                if f.budget == 0 { pending = f.force; done = true; thinking = false }  // no thinking at all
                return
            }
            if token == f.close {  // a close without an open is noise, not the end of thinking
                if thinking { done = true }
                thinking = false
                return
            }
            guard thinking else { return }
            thought += 1
            if thought >= f.budget && pending.isEmpty && !done { pending = f.force; done = true; thinking = false }
        }

        /// The next forced token, if any.
        mutating func take() -> Int32? { pending.isEmpty ? nil : pending.removeFirst() }
    }
}

public enum SamplerError: Error, CustomStringConvertible {
    case invalidParams(String)
    case promptTooLong(Int, context: Int)
    case emptyPrompt
    case tokenOutsideVocabulary(Int32, vocabulary: Int)

    public var description: String {
        switch self {
        case .invalidParams(let m): return "invalid sampling parameters: \(m)"
        case .promptTooLong(let n, let c): return "prompt of \(n) tokens leaves no room in the context of \(c)"
        case .emptyPrompt: return "empty prompt: a prompt needs at least one token (BOS)"
        case .tokenOutsideVocabulary(let t, let v): return "token id \(t) is outside the vocabulary 0..<\(v)"
        }
    }
}
