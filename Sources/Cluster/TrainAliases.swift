/// `train`'s flags that stay, each an alias of a config key, so a flag and `--set` can
/// never mean different things (`--algo kimi` is `--set algorithm.name=kimi`).
public enum TrainAliases {
    public struct Alias: Sendable {
        /// The flag without its dashes.
        public let flag: String
        public let key: String
        /// A flag without a value sets the key to this.
        public let setsTo: String?
    }

    public static let all: [Alias] = [
        .init(flag: "init-from", key: "run.init_from", setsTo: nil),
        .init(flag: "out", key: "run.out", setsTo: nil),
        .init(flag: "seed", key: "run.seed", setsTo: nil),
        .init(flag: "algo", key: "algorithm.name", setsTo: nil),
        .init(flag: "steps", key: "algorithm.steps", setsTo: nil),
        .init(flag: "minutes", key: "algorithm.minutes", setsTo: nil),
        .init(flag: "prompts-per-step", key: "algorithm.prompts_per_step", setsTo: nil),
        .init(flag: "group-size", key: "algorithm.group_size", setsTo: nil),
        .init(flag: "lr", key: "algorithm.lr", setsTo: nil),
        .init(flag: "temperature", key: "algorithm.temperature", setsTo: nil),
        .init(flag: "epochs", key: "algorithm.epochs", setsTo: nil),
        .init(flag: "beta", key: "algorithm.beta", setsTo: nil),
        .init(flag: "tau", key: "algorithm.tau", setsTo: nil),
        .init(flag: "grad-clip", key: "algorithm.grad_clip", setsTo: nil),
        .init(flag: "entropy-coef", key: "algorithm.entropy_coef", setsTo: nil),
        .init(flag: "clip-low", key: "algorithm.clip_low", setsTo: nil),
        .init(flag: "clip-high", key: "algorithm.clip_high", setsTo: nil),
        .init(flag: "eval-every", key: "eval.every", setsTo: nil),
        .init(flag: "eval-problems", key: "eval.problems", setsTo: nil),
        .init(flag: "kimi-mean-baseline", key: "algorithm.kimi_mean_baseline", setsTo: "true"),
        .init(flag: "std", key: "algorithm.no_std", setsTo: "false"),
        .init(flag: "per-sequence", key: "algorithm.per_token", setsTo: "false"),
        .init(flag: "no-dynamic-sampling", key: "algorithm.dynamic_sampling", setsTo: "false"),
        .init(flag: "no-curriculum", key: "algorithm.curriculum", setsTo: "false"),
    ]

    /// The `--set` overrides that given flags stand for (`values[flag]`: the flag's value,
    /// or "" for a flag without one).
    public static func overrides(_ values: [String: String]) -> [String] {
        all.compactMap { a in values[a.flag].map { "\(a.key)=\(a.setsTo ?? $0)" } }
    }
}
