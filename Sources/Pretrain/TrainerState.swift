import Foundation

/// What a checkpoint needs besides weights and optimizer moments to resume exactly.
public struct TrainerState: Codable, Sendable {
    public var kind: String
    public var step: Int
    public var config: PretrainConfig
    /// Index of the next training problem (the dataset cursor).
    public var cursor: Int
    public var elapsedSeconds: Double

    public static let file = "trainer_state.json"
}
