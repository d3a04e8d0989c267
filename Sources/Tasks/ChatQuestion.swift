/// A problem's prompt as a person would ask it: our arithmetic prompts are bare expressions
/// (`47+85=`), which a chat model is asked as "What is 47+85?"; any other prompt (a JSONL
/// task's, already in words) is asked as it is.
public enum ChatQuestion {
    /// The characters of the built-in task's expressions.
    static let expressionCharacters = Set("0123456789+-*() ")

    public static func phrase(_ prompt: String) -> String {
        guard prompt.hasSuffix("=") else { return prompt }
        let expression = prompt.dropLast()
        guard !expression.isEmpty, expression.allSatisfy(expressionCharacters.contains) else { return prompt }
        return "What is \(expression)?"
    }
}
