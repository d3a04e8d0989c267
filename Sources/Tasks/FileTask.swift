import Foundation

/// The two JSONL files of a file task: what it trains on and what it is scored on.
public struct TaskFiles: Codable, Sendable, Equatable {
    public var train: String
    public var heldOut: String

    public init(train: String, heldOut: String) {
        self.train = train
        self.heldOut = heldOut
    }
}

/// Problems from JSONL files (see `JSONLTasks`), e.g. DeepMind's mathematics data made by
/// `scripts/deepmind_math.py`. Training problem `i` is line `i mod count` of the training
/// file, so a run resumes without storing data; held-out prompts are taken out of it.
///
/// A line without a `completion` is answer-only data: its supervised target is the R1
/// template with empty thinking, `<think></think><answer>ANSWER</answer>`.
public struct FileTask: ProblemSet {
    public let files: TaskFiles
    public let heldOut: [Problem]
    private let train: [Problem]
    /// Each problem's line in its file, for error messages.
    private let lines: (train: [Int], heldOut: [Int])

    /// How many training lines were dropped because their prompt is also held out.
    public let overlapDropped: Int
    /// Number of distinct training problems (lines after the held-out ones are dropped).
    public var trainCount: Int { train.count }

    public init(files: TaskFiles) throws {
        self.files = files
        let held = try JSONLTasks.loadNumbered(path: files.heldOut)
        guard !held.isEmpty else { throw JSONLTasksError.empty(source: files.heldOut, reason: "the held-out file has no lines") }
        let heldPrompts = Set(held.map(\.problem.prompt))
        let all = try JSONLTasks.loadNumbered(path: files.train)
        let kept = all.filter { !heldPrompts.contains($0.problem.prompt) }
        guard !kept.isEmpty else {
            throw JSONLTasksError.empty(source: files.train, reason: all.isEmpty ? "the file has no lines" : "every prompt is also in the held-out file \(files.heldOut)")
        }
        overlapDropped = all.count - kept.count
        heldOut = held.enumerated().map { FileTask.withTemplate($1.problem, id: $0) }
        train = kept.map { FileTask.withTemplate($0.problem, id: $0.problem.id) }
        lines = (kept.map(\.line), held.map(\.line))
    }

    public func trainProblem(at index: Int) -> Problem {
        var p = train[((index % train.count) + train.count) % train.count]
        p.id = index
        return p
    }

    public func maxSequenceLength(tokenizer: Tokenizer) -> Int {
        (train + heldOut).map { tokenizer.encode($0.prompt + ($0.completion ?? "")).count }.max() ?? 0
    }

    /// Every text the model reads or writes, for building an alphabet.
    public var texts: [String] {
        (train + heldOut).flatMap { [$0.prompt, $0.answer, $0.completion ?? ""] }
    }

    /// Throws `unmappableCharacter` naming the file and line of the first character
    /// `tokenizer` has no id for.
    public func checkCovered(by tokenizer: Tokenizer) throws {
        try JSONLTasks.checkCovered(Array(zip(lines.train, train)), source: files.train, by: tokenizer)
        try JSONLTasks.checkCovered(Array(zip(lines.heldOut, heldOut)), source: files.heldOut, by: tokenizer)
    }

    private static func withTemplate(_ p: Problem, id: Int) -> Problem {
        Problem(id: id, prompt: p.prompt, answer: p.answer, completion: p.completion ?? "<think></think><answer>\(p.answer)</answer>")
    }
}
