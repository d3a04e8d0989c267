import ArgumentParser
import Foundation
import Kernels
import Tasks

struct LogprobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logprobs", abstract: "Print each token's log-probability under the model, as JSON.")

    @Option(help: "Checkpoint (or run) directory.") var checkpoint: String
    @Option(help: "Text to score; BOS is prepended.") var text: String
    @Flag(help: "Also print the whole next-token distribution at every position (full_logprobs).") var full = false
    @Flag(help: "Accepted for uniformity: the output is always JSON.") var json = false

    struct Output: Codable {
        var tokens: [Int32]
        var pieces: [String]
        /// logprobs[i] = log p(tokens[i] | tokens[<i]); the first is null.
        var logprobs: [Float?]
        var total: Float
        /// full_logprobs[j] = log p(· | tokens[≤j]) for j = 0 ..< n−1 (the logits layout).
        var full_logprobs: [[Float]]?
    }

    func run() throws {
        let (model, tokenizer) = try loadPolicy(checkpoint)
        let ids = [Tokenizer.bos] + tokenizer.encode(text)
        guard ids.count <= model.config.contextLength + 1 else {
            throw ValidationError("text is \(ids.count) tokens; the model's context is \(model.config.contextLength)")
        }
        let lps = try model.tokenLogprobs(ids)
        var fullRows: [[Float]]?
        if full && ids.count > 1 {
            let V = model.config.vocabSize
            fullRows = (0..<(ids.count - 1)).map { t in
                let row = model.logits + t * V
                let lse = logSumExp(row, V)
                return (0..<V).map { row[$0] - lse }
            }
        }
        try printJSON(Output(tokens: ids, pieces: ids.map { tokenizer.decode([$0]) }, logprobs: [nil] + lps.map { $0 },
                             total: lps.reduce(0, +), full_logprobs: fullRows))
    }
}
