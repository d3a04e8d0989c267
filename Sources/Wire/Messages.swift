import Verifier
import Completions

/// A worker introduces itself (and, after a restart, its new incarnation).
public struct Hello: Equatable, Sendable {
    public var role: Role
    public var workerId: String
    /// Distinguishes restarts of the same worker id (pid and start time).
    public var incarnation: UInt64
    public var host: String
    public init(role: Role, workerId: String, incarnation: UInt64, host: String) {
        self.role = role; self.workerId = workerId; self.incarnation = incarnation; self.host = host
    }
}

/// The learner's answer to `Hello`: run settings as JSON (sampling, group size, tokenizer, model shape).
public struct Welcome: Equatable, Sendable {
    public var runId: UInt64
    public var policyVersion: UInt64
    public var settingsJSON: String
    public init(runId: UInt64, policyVersion: UInt64, settingsJSON: String) {
        self.runId = runId; self.policyVersion = policyVersion; self.settingsJSON = settingsJSON
    }
}

/// An actor asks for up to `credits` prompts; the learner answers when it has work (flow control).
public struct WorkRequest: Equatable, Sendable {
    public var workerId: String
    public var credits: UInt32
    public var policyVersion: UInt64
    /// The actor holds the run's reference policy (else the learner publishes it again).
    public var hasReference: Bool
    /// Where this actor's weights relay listens (`tcp://*:PORT`: the learner puts in the
    /// address it sees the actor at), when the learner asked actors to relay; empty otherwise.
    public var relayEndpoint: String
    public init(workerId: String, credits: UInt32, policyVersion: UInt64, hasReference: Bool = false, relayEndpoint: String = "") {
        self.workerId = workerId; self.credits = credits; self.policyVersion = policyVersion; self.hasReference = hasReference
        self.relayEndpoint = relayEndpoint
    }
}

/// One prompt to sample a group for.
public struct Assignment: Equatable, Sendable {
    public var groupId: UInt64
    public var promptIndex: UInt64
    public var prompt: [Int32]
    public init(groupId: UInt64, promptIndex: UInt64, prompt: [Int32]) {
        self.groupId = groupId; self.promptIndex = promptIndex; self.prompt = prompt
    }
}

public struct WorkBatch: Equatable, Sendable {
    public var assignments: [Assignment]
    public init(assignments: [Assignment]) { self.assignments = assignments }
}

/// One sampled completion with its behaviour log-probs.

/// A group of G completions for one assignment, as an actor sampled it.
public struct TrajectoryGroup: Equatable, Sendable {
    public var workerId: String
    public var groupId: UInt64
    public var promptIndex: UInt64
    public var policyVersion: UInt64
    public var prompt: [Int32]
    public var rollouts: [Completion]
    /// Seconds the actor spent sampling the batch this group came from, divided by its groups.
    public var sampleSeconds: Float
    public init(workerId: String, groupId: UInt64, promptIndex: UInt64, policyVersion: UInt64, prompt: [Int32],
                rollouts: [Completion], sampleSeconds: Float) {
        self.workerId = workerId; self.groupId = groupId; self.promptIndex = promptIndex
        self.policyVersion = policyVersion; self.prompt = prompt; self.rollouts = rollouts; self.sampleSeconds = sampleSeconds
    }
}

/// Completions to score against one ground-truth answer.
public struct ScoreRequest: Equatable, Sendable {
    public var requestId: UInt64
    public var prompt: String
    public var answer: String
    public var completions: [String]
    public init(requestId: UInt64, prompt: String, answer: String, completions: [String]) {
        self.requestId = requestId; self.prompt = prompt; self.answer = answer; self.completions = completions
    }
}

public struct ScoreResult: Equatable, Sendable {
    public var requestId: UInt64
    public var workerId: String
    public var scores: [Score]
    public init(requestId: UInt64, workerId: String, scores: [Score]) {
        self.requestId = requestId; self.workerId = workerId; self.scores = scores
    }
}

/// "I am alive", with what the worker is doing; the learner times workers out without it.
public struct Heartbeat: Equatable, Sendable {
    public var role: Role
    public var workerId: String
    public var incarnation: UInt64
    public var policyVersion: UInt64
    /// Seconds spent working and waiting since the worker started.
    public var busySeconds: Double
    public var idleSeconds: Double
    /// The worker process's peak resident memory so far (0: not said).
    public var peakResidentBytes: UInt64
    public init(role: Role, workerId: String, incarnation: UInt64, policyVersion: UInt64, busySeconds: Double, idleSeconds: Double,
                peakResidentBytes: UInt64 = 0) {
        self.role = role; self.workerId = workerId; self.incarnation = incarnation; self.policyVersion = policyVersion
        self.busySeconds = busySeconds; self.idleSeconds = idleSeconds; self.peakResidentBytes = peakResidentBytes
    }
}

/// A versioned snapshot of the policy's trainable floats (or, in a `.reference` message, the
/// frozen reference's): held as fp32, sent as `precision` says. (The model's shape travels
/// once, in the welcome's settings.)
public struct Weights: Equatable, Sendable {
    public var version: UInt64
    public var params: [Float]
    public var precision: WeightPrecision
    public init(version: UInt64, params: [Float], precision: WeightPrecision = .fp32) {
        self.version = version; self.params = params; self.precision = precision
    }
}

/// How the weights' floats travel: fp32 as they are, or bfloat16 (the top half of each
/// fp32, rounded to nearest even): half the bytes, fp32's range, about three significant
/// digits. The actors sample with what arrives and say so in their behaviour log-probs,
/// so the learner's importance ratios stay those of the weights that sampled.
public enum WeightPrecision: String, Codable, Sendable, CaseIterable {
    case fp32, bf16

    public var bytesPerParameter: Int { self == .fp32 ? 4 : 2 }

    /// The byte on the wire.
    var code: UInt8 { self == .fp32 ? 0 : 1 }
    init?(code: UInt8) {
        switch code {
        case 0: self = .fp32
        case 1: self = .bf16
        default: return nil
        }
    }

    /// `x` rounded to bfloat16 (nearest, ties to even; a NaN stays a NaN).
    public static func bf16Bits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        if x.isNaN { return UInt16(bits >> 16) | 0x40 }
        return UInt16((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    public static func float(bf16 b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    /// `x` as it arrives when sent as bfloat16.
    public static func roundedToBF16(_ x: Float) -> Float { float(bf16: bf16Bits(x)) }
}

public struct Shutdown: Equatable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

extension Shutdown {
    /// The reason the learner gives a worker it does not know (presumed dead, or the learner restarted): say hello again.
    public static let rejoin = "unknown worker: send hello"
    /// The start of the reason the learner gives a worker it will not work with (a live id
    /// claimed again under another key, a verifier caught lying, an actor forging log-probs).
    public static let refusedPrefix = "refused: "
}
