import Foundation

/// An `ArithmeticConfig` field is out of range.
public struct ArithmeticConfigError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The field in snake_case, as the project's config messages spell fields
    /// (`max_digits` for `ArithmeticConfig.maxDigits`).
    public var field: String
    /// What is wrong, including the valid range, e.g. `must be in 1...9, got 12`.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "invalid task config: task.\(field) \(message)" }
    public var errorDescription: String? { description }
}
