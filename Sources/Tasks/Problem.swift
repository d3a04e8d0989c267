/// One problem: what the model is asked, the ground truth, and (for supervised
/// training) a worked solution in the R1 template `<think>…</think><answer>…</answer>`.
public struct Problem: Codable, Sendable, Equatable {
    public var id: Int
    public var prompt: String
    public var answer: String
    public var completion: String?

    public init(id: Int, prompt: String, answer: String, completion: String? = nil) {
        self.id = id
        self.prompt = prompt
        self.answer = answer
        self.completion = completion
    }
}
