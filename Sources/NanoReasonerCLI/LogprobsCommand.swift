import ArgumentParser
import Foundation
import Kernels
import Policy
import Tasks

struct LogprobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logprobs", abstract: "Print each token's log-probability under the model, as JSON.")

    @Option(help: "Checkpoint (or run) directory.") var checkpoint: String
    @Option(help: "Text to score (our own model gets BOS first).") var text: String
    @Flag(help: "Score the text as a chat model's prompt: the user's message in its chat template.") var chat = false
    @Option(help: "With --chat: a system prompt instead of the template's default.") var system: String?
    @Flag(help: "Also print the whole next-token distribution at every position (full_logprobs).") var full = false
    @Flag(help: "Accepted for uniformity: the output is always JSON.") var json = false

    struct Output: Codable {
        /// The text scored (with --chat, the rendered template).
        var text: String
        var tokens: [Int32]
        var pieces: [String]
        /// logprobs[i] = log p(tokens[i] | tokens[<i]); the first is null.
        var logprobs: [Float?]
        var total: Float
        /// full_logprobs[j] = log p(· | tokens[≤j]) for j = 0 ..< n−1 (the logits layout).
        var full_logprobs: [[Float]]?
    }

    func run() throws {
        let policy = try loadAnyPolicy(checkpoint, system: system)
        let scored: String
        if chat {
            guard let codec = policy.codec as? ChatCodec else { throw ValidationError("--chat needs a chat model; \(checkpoint) has no chat template") }
            scored = codec.render(text)
        } else {
            scored = text
        }
        let ids = policy.codec.scoredIds(scored)
        guard !ids.isEmpty else { throw ValidationError("the text has no tokens to score") }
        let model = policy.model
        guard ids.count <= model.contextLength + 1 else {
            throw ValidationError("text is \(ids.count) tokens; the model's context is \(model.contextLength)")
        }
        let lps = try model.tokenLogprobs(ids)
        var fullRows: [[Float]]?
        if full && ids.count > 1 {
            // Whole logits this time (tokenLogprobs applies the head in chunks): row t is the
            // distribution after tokens[≤t].
            let input = Array(ids.dropLast())
            try input.withUnsafeBufferPointer { try model.forward($0.baseAddress!, layout: .dense(rows: 1, length: input.count)) }
            let V = model.vocabSize, logits = model.logits
            fullRows = (0..<(ids.count - 1)).map { t in
                let row = logits + t * V
                let lse = logSumExp(row, V)
                return (0..<V).map { row[$0] - lse }
            }
        }
        try printJSON(Output(text: scored, tokens: ids, pieces: ids.map { policy.codec.text([$0]) }, logprobs: [nil] + lps.map { $0 },
                             total: lps.reduce(0, +), full_logprobs: fullRows))
    }
}
