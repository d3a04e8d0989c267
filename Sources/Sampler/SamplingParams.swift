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

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, maxNewTokens: Int = 96, stopTokens: [Int32] = []) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.maxNewTokens = maxNewTokens
        self.stopTokens = stopTokens
    }

    public func validate() throws {
        if !(temperature > 0) { throw SamplerError.invalidParams("temperature must be > 0, got \(temperature)") }
        if topK < 0 { throw SamplerError.invalidParams("top_k must be ≥ 0, got \(topK)") }
        if !(topP > 0 && topP <= 1) { throw SamplerError.invalidParams("top_p must be in (0, 1], got \(topP)") }
        if maxNewTokens < 1 { throw SamplerError.invalidParams("max_new_tokens must be ≥ 1, got \(maxNewTokens)") }
    }
}

public enum SamplerError: Error, CustomStringConvertible {
    case invalidParams(String)
    case promptTooLong(Int, context: Int)
    case emptyPrompt

    public var description: String {
        switch self {
        case .invalidParams(let m): return "invalid sampling parameters: \(m)"
        case .promptTooLong(let n, let c): return "prompt of \(n) tokens leaves no room in the context of \(c)"
        case .emptyPrompt: return "empty prompt: a prompt needs at least one token (BOS)"
        }
    }
}
