import Foundation

/// The one place a run's verifier is chosen from its config: the external command when one is
/// named (`reward.external_verifier`), else the built-in checker with the reward settings. The
/// single-process run, the learner scoring in-process, the verifier workers and `eval` all make
/// theirs here, so they cannot score one completion two ways.
public struct RunVerifier {
    /// What scores: "the built-in checker (answer format …)" or the command.
    public let name: String
    private let scoreText: (_ prompt: String, _ completion: String, _ answer: String) -> Score

    private init(name: String, score: @escaping (_ prompt: String, _ completion: String, _ answer: String) -> Score) {
        self.name = name
        scoreText = score
    }

    /// `externalCommand` (split on spaces) with its `timeout` when non-empty, else the built-in checker.
    public init(reward: RewardConfig, externalCommand: String, timeout: Double = 5) throws {
        guard !externalCommand.isEmpty else { self = .builtIn(reward); return }
        let external = try ExternalVerifier(command: externalCommand.split(separator: " ").map(String.init), timeout: timeout)
        self.init(name: "`\(externalCommand)`") { external.score(prompt: $0, completion: $1, answer: $2) }
    }

    /// The built-in checker: the answer where `reward.answerFormat` puts it, compared by value.
    public static func builtIn(_ reward: RewardConfig = RewardConfig()) -> RunVerifier {
        let checker = ArithmeticVerifier(config: reward)
        return RunVerifier(name: "the built-in checker (answer format \(reward.answerFormat.rawValue))") {
            checker.score(completion: $1, answer: $2, prompt: $0)
        }
    }

    public func score(prompt: String, completion: String, answer: String) -> Score {
        scoreText(prompt, completion, answer)
    }
}
