import Verifier
import Completions

/// Every message of the protocol, with its binary encoding (field order is the protocol).
public enum Message: Equatable, Sendable {
    case hello(Hello)
    case welcome(Welcome)
    case workRequest(WorkRequest)
    case work(WorkBatch)
    case trajectory(TrajectoryGroup)
    case scoreRequest(ScoreRequest)
    case scoreResult(ScoreResult)
    case heartbeat(Heartbeat)
    case weights(Weights)
    case shutdown(Shutdown)
    case reference(Weights)
    case weightsPart(WeightsPart)
    case weightsRoute(WeightsRoute)

    public var type: MessageType {
        switch self {
        case .hello: return .hello
        case .welcome: return .welcome
        case .workRequest: return .workRequest
        case .work: return .work
        case .trajectory: return .trajectory
        case .scoreRequest: return .scoreRequest
        case .scoreResult: return .scoreResult
        case .heartbeat: return .heartbeat
        case .weights: return .weights
        case .shutdown: return .shutdown
        case .reference: return .reference
        case .weightsPart: return .weightsPart
        case .weightsRoute: return .weightsRoute
        }
    }

    /// Trajectories and score requests carry token ids and text, which LZ4 shrinks; weights
    /// are fp32 noise to LZ4, and the rest are too small to bother.
    public var compresses: Bool { type == .trajectory || type == .scoreRequest || type == .work }

    /// The framed bytes to send.
    public func encoded() -> [UInt8] {
        switch self {
        case .weights(let w), .reference(let w):
            return w.params.withUnsafeBufferPointer {
                Self.encodedWeights(version: w.version, params: $0, precision: w.precision, reference: type == .reference)
            }
        default: break
        }
        return Frame.encode(type: type.rawValue, compress: compresses, capacity: 256) { write(into: &$0) }
    }

    /// The size of a weights message of `count` parameters sent as `precision`, the frame's
    /// header included: what `encodedWeights` makes.
    public static func weightsMessageBytes(count: Int, precision: WeightPrecision) -> Int {
        Frame.headerSize + 8 + 1 + 4 + precision.bytesPerParameter * count  // version, precision, count, floats
    }

    /// A weights message (or, with `reference`, the reference policy's) straight from a
    /// parameter buffer: the floats are copied once (as bfloat16, converted), into the frame
    /// that is sent, and checksummed on the way.
    public static func encodedWeights(version: UInt64, params: UnsafeBufferPointer<Float>, precision: WeightPrecision = .fp32,
                                      reference: Bool = false) -> [UInt8] {
        var prefix = ByteWriter(capacity: 16)
        prefix.u64(version); prefix.u8(precision.code); prefix.count(params.count)
        let type: MessageType = reference ? .reference : .weights
        return Frame.encode(type: type.rawValue, prefix: prefix.finish(), floats: params, precision: precision)
    }

    /// Decodes and validates one framed message, reading it where it lies.
    public static func decode(_ bytes: UnsafeRawBufferPointer, limit: Int = Frame.defaultLimit) throws -> Message {
        try Frame.withPayload(bytes, limit: limit) { rawType, payload, unverified in
            let type = MessageType(rawValue: rawType)!
            var r = ByteReader(payload, checksumming: unverified != nil)
            let parsed = Result { () throws -> Message in
                let m = try decodePayload(type, &r)
                try r.expectEnd("\(type)")
                return m
            }
            // Compared after parsing (the floats were checksummed as they were copied), and
            // before a parse error: a body damaged in transit is reported as damaged.
            if let crc = unverified, r.checksum() != crc { throw WireError.checksumMismatch }
            return try parsed.get()
        }
    }

    public static func decode(_ bytes: [UInt8], limit: Int = Frame.defaultLimit) throws -> Message {
        try bytes.withUnsafeBytes { try decode($0, limit: limit) }
    }

    /// The payload alone (what the frame carries before compression).
    public func payload() -> [UInt8] {
        var w = ByteWriter(capacity: 256)
        write(into: &w)
        return w.finish()
    }

    /// Appends the payload's fields to `w`.
    public func write(into w: inout ByteWriter) {
        switch self {
        case .hello(let h):
            w.u8(h.role.rawValue); w.string(h.workerId); w.u64(h.incarnation); w.string(h.host)
        case .welcome(let m):
            w.u64(m.runId); w.u64(m.policyVersion); w.string(m.settingsJSON)
        case .workRequest(let m):
            w.string(m.workerId); w.u32(m.credits); w.u64(m.policyVersion); w.bool(m.hasReference); w.string(m.relayEndpoint)
        case .work(let m):
            w.count(m.assignments.count)
            for a in m.assignments { w.u64(a.groupId); w.u64(a.promptIndex); w.tokens(a.prompt) }
        case .trajectory(let t):
            w.string(t.workerId); w.u64(t.groupId); w.u64(t.promptIndex); w.u64(t.policyVersion)
            w.tokens(t.prompt); w.f32(t.sampleSeconds)
            // Columns: all token ids first (they compress), then log-probs, then flags.
            w.count(t.rollouts.count)
            for r in t.rollouts { w.tokens(r.tokens) }
            for r in t.rollouts { w.floats(r.logprobs) }
            for r in t.rollouts { w.bool(r.stopped) }
            for r in t.rollouts {
                w.bool(r.referenceLogprobs != nil)
                if let ref = r.referenceLogprobs { w.floats(ref) }
            }
        case .scoreRequest(let m):
            w.u64(m.requestId); w.string(m.prompt); w.string(m.answer)
            w.count(m.completions.count)
            for c in m.completions { w.string(c) }
        case .scoreResult(let m):
            w.u64(m.requestId); w.string(m.workerId)
            w.count(m.scores.count)
            for s in m.scores {
                w.f32(s.reward); w.bool(s.correct); w.bool(s.wellFormed); w.optionalString(s.extracted); w.optionalString(s.error)
            }
        case .heartbeat(let h):
            w.u8(h.role.rawValue); w.string(h.workerId); w.u64(h.incarnation); w.u64(h.policyVersion)
            w.f64(h.busySeconds); w.f64(h.idleSeconds); w.u64(h.peakResidentBytes)
        case .weights(let m), .reference(let m):
            w.u64(m.version); w.u8(m.precision.code)
            if m.precision == .fp32 { w.floats(m.params) } else { w.bf16(m.params) }
        case .shutdown(let m):
            w.string(m.reason)
        case .weightsPart(let p):
            w.u64(p.version); w.u32(p.index); w.u32(p.count); w.u64(p.offset); w.u64(p.totalBytes)
            p.bytes.withUnsafeBytes { w.rawBytes($0) }
        case .weightsRoute(let m):
            w.string(m.upstream); w.string(m.upstreamKey)
            w.count(m.downstreamKeys.count)
            for k in m.downstreamKeys { w.string(k) }
        }
    }

    private static func role(_ r: inout ByteReader) throws -> Role {
        let b = try r.u8("role")
        guard let role = Role(rawValue: b) else { throw WireError.invalid("unknown role \(b)") }
        return role
    }

    static func decodePayload(_ type: MessageType, _ r: inout ByteReader) throws -> Message {
        switch type {
        case .hello:
            return .hello(Hello(role: try role(&r), workerId: try r.string("worker id"), incarnation: try r.u64(), host: try r.string("host")))
        case .welcome:
            return .welcome(Welcome(runId: try r.u64(), policyVersion: try r.u64(), settingsJSON: try r.string("settings")))
        case .workRequest:
            return .workRequest(WorkRequest(workerId: try r.string("worker id"), credits: try r.u32(), policyVersion: try r.u64(),
                                            hasReference: try r.bool("has reference"), relayEndpoint: try r.string("relay endpoint")))
        case .work:
            let n = try r.count("assignments", minSize: 21)
            var list: [Assignment] = []
            for _ in 0..<n {
                list.append(Assignment(groupId: try r.u64(), promptIndex: try r.u64(), prompt: try r.tokens("prompt")))
            }
            return .work(WorkBatch(assignments: list))
        case .trajectory:
            let worker = try r.string("worker id")
            let group = try r.u64(), index = try r.u64(), version = try r.u64()
            let prompt = try r.tokens("prompt")
            let seconds = try r.f32()
            let n = try r.count("rollouts", minSize: 10)
            var tokens: [[Int32]] = []
            for _ in 0..<n { tokens.append(try r.tokens("rollout tokens")) }
            var logprobs: [[Float]] = []
            for i in 0..<n {
                let lp = try r.floats("rollout logprobs")
                guard lp.count == tokens[i].count else {
                    throw WireError.invalid("rollout \(i) has \(tokens[i].count) tokens but \(lp.count) log-probs")
                }
                logprobs.append(lp)
            }
            var rollouts: [Completion] = []
            for i in 0..<n { rollouts.append(Completion(tokens: tokens[i], logprobs: logprobs[i], stopped: try r.bool("stopped"))) }
            for i in 0..<n {
                guard try r.bool("has reference log-probs") else { continue }
                let ref = try r.floats("rollout reference log-probs")
                guard ref.count == tokens[i].count else {
                    throw WireError.invalid("rollout \(i) has \(tokens[i].count) tokens but \(ref.count) reference log-probs")
                }
                rollouts[i].referenceLogprobs = ref
            }
            return .trajectory(TrajectoryGroup(workerId: worker, groupId: group, promptIndex: index, policyVersion: version,
                                               prompt: prompt, rollouts: rollouts, sampleSeconds: seconds))
        case .scoreRequest:
            let id = try r.u64(), prompt = try r.string("prompt"), answer = try r.string("answer")
            let n = try r.count("completions", minSize: 4)
            var texts: [String] = []
            for _ in 0..<n { texts.append(try r.string("completion")) }
            return .scoreRequest(ScoreRequest(requestId: id, prompt: prompt, answer: answer, completions: texts))
        case .scoreResult:
            let id = try r.u64(), worker = try r.string("worker id")
            let n = try r.count("scores", minSize: 8)
            var scores: [Score] = []
            for _ in 0..<n {
                scores.append(Score(reward: try r.f32(), correct: try r.bool(), wellFormed: try r.bool(),
                                        extracted: try r.optionalString("extracted"), error: try r.optionalString("error")))
            }
            return .scoreResult(ScoreResult(requestId: id, workerId: worker, scores: scores))
        case .heartbeat:
            return .heartbeat(Heartbeat(role: try role(&r), workerId: try r.string("worker id"), incarnation: try r.u64(),
                                        policyVersion: try r.u64(), busySeconds: try r.f64(), idleSeconds: try r.f64(),
                                        peakResidentBytes: try r.u64()))
        case .weights, .reference:
            let version = try r.u64(), code = try r.u8("precision")
            guard let precision = WeightPrecision(code: code) else { throw WireError.invalid("weights precision \(code)") }
            let w = Weights(version: version, params: try precision == .fp32 ? r.floats("params") : r.bf16("params"), precision: precision)
            return type == .weights ? .weights(w) : .reference(w)
        case .shutdown:
            return .shutdown(Shutdown(reason: try r.string("reason")))
        case .weightsPart:
            return .weightsPart(WeightsPart(version: try r.u64(), index: try r.u32(), count: try r.u32(), offset: try r.u64(),
                                            totalBytes: try r.u64(), bytes: try r.rawBytes("weights part")))
        case .weightsRoute:
            let upstream = try r.string("upstream"), key = try r.string("upstream key")
            let n = try r.count("downstream keys", minSize: 4)
            var keys: [String] = []
            for _ in 0..<n { keys.append(try r.string("downstream key")) }
            return .weightsRoute(WeightsRoute(upstream: upstream, upstreamKey: key, downstreamKeys: keys))
        }
    }
}
