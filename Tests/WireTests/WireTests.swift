import Foundation
import Verifier
import Testing
@testable import Wire
import Completions

/// One example of every message type, with awkward values (empty strings, large ids, wide tokens).
func sampleMessages() -> [Message] {
    let rollouts = (0..<4).map { i in
        Completion(tokens: (0..<(20 + i)).map { Int32(($0 * 7 + i) % 285) }, logprobs: (0..<(20 + i)).map { -Float($0) / 10 }, stopped: i % 2 == 0)
    }
    return [
        .hello(Hello(role: .actor, workerId: "actor-1", incarnation: 0xDEAD_BEEF_0000_0001, host: "hôst")),
        .welcome(Welcome(runId: 42, policyVersion: 7, settingsJSON: #"{"group_size":8}"#)),
        .workRequest(WorkRequest(workerId: "", credits: 8, policyVersion: .max)),
        .workRequest(WorkRequest(workerId: "a", credits: 1, policyVersion: 3, hasReference: true)),
        .work(WorkBatch(assignments: [Assignment(groupId: 1, promptIndex: 10_000_000, prompt: [1, 5, 284]),
                                      Assignment(groupId: 2, promptIndex: 3, prompt: [])])),
        .trajectory(TrajectoryGroup(workerId: "a", groupId: 9, promptIndex: 99, policyVersion: 3, prompt: [1, 2, 3],
                                    rollouts: rollouts, sampleSeconds: 0.25)),
        .trajectory(TrajectoryGroup(workerId: "big", groupId: 1, promptIndex: 1, policyVersion: 0, prompt: [70_000, -1],
                                    rollouts: [], sampleSeconds: 0)),
        .scoreRequest(ScoreRequest(requestId: 5, prompt: "3-15/4=", answer: "-3/4", completions: ["<think>x</think><answer>-0.75</answer>", ""])),
        .scoreResult(ScoreResult(requestId: 5, workerId: "verifier-2", scores: [
            Score(reward: 1.1, correct: true, wellFormed: true, extracted: "-0.75", error: nil),
            Score(reward: 0, correct: false, wellFormed: false, extracted: nil, error: "timed out")])),
        .heartbeat(Heartbeat(role: .verifier, workerId: "v", incarnation: 1, policyVersion: 0, busySeconds: 1.5, idleSeconds: 0.5,
                             peakResidentBytes: 1_234_567_890)),
        .weights(Weights(version: 12, params: (0..<1000).map { Float($0) * 0.001 })),
        .weights(Weights(version: 13, params: (0..<999).map { Float($0) * 0.37 - 100 }.map(WeightPrecision.roundedToBF16), precision: .bf16)),
        .shutdown(Shutdown(reason: "run finished")),
        .reference(Weights(version: 0, params: (0..<300).map { -Float($0) })),
        .trajectory(TrajectoryGroup(workerId: "r", groupId: 4, promptIndex: 4, policyVersion: 1, prompt: [1],
                                    rollouts: rollouts.enumerated().map { i, c in
                                        var c = c
                                        if i != 1 { c.referenceLogprobs = c.logprobs.map { $0 - 0.5 } }  // one without: mixed is allowed
                                        return c
                                    }, sampleSeconds: 0.1)),
        .workRequest(WorkRequest(workerId: "a", credits: 0, policyVersion: .max, relayEndpoint: "tcp://*:41234")),
        .weightsPart(WeightsPart(version: 3, index: 1, count: 2, offset: 5, totalBytes: 9, bytes: [1, 2, 3, 4])),
        .weightsRoute(WeightsRoute(upstream: "tcp://10.0.0.2:41234", upstreamKey: String(repeating: "k", count: 40),
                                   downstreamKeys: ["a", ""])),
        .weightsRoute(WeightsRoute(upstream: "")),
    ]
}

@Suite("Wire")
struct WireTests {
    @Test func everyMessageRoundTrips() throws {
        for m in sampleMessages() {
            #expect(try Message.decode(m.encoded()) == m)
        }
    }

    /// bfloat16 keeps fp32's exponent and 8 bits of mantissa: nearest, ties to even, within
    /// 2⁻⁸ relative; the weights arrive so rounded, from the fast encoder as from the plain one.
    @Test func bf16WeightsRoundToNearestEvenAndTravelAtHalfTheBytes() throws {
        #expect(WeightPrecision.bf16Bits(1) == 0x3F80 && WeightPrecision.bf16Bits(-2) == 0xC000)
        #expect(WeightPrecision.roundedToBF16(1 + 0x1p-8) == 1, "a tie goes to the even mantissa")
        #expect(WeightPrecision.roundedToBF16(1 + 3 * 0x1p-8) == 1 + 0x1p-6, "a tie goes to the even mantissa, upward here")
        #expect(WeightPrecision.roundedToBF16(1 + 0x1p-8 + 0x1p-12) == 1 + 0x1p-7, "past the tie, up")
        #expect(WeightPrecision.roundedToBF16(.infinity) == .infinity && WeightPrecision.roundedToBF16(.nan).isNaN)
        var rng = SystemRandomNumberGenerator()
        let params = (0..<4097).map { _ in Float.random(in: -3...3, using: &rng) * Float(pow(10, Double.random(in: -6...2, using: &rng))) }
        #expect(params.allSatisfy { abs(WeightPrecision.roundedToBF16($0) - $0) <= abs($0) * 0x1p-8 })
        let fast = params.withUnsafeBufferPointer { Message.encodedWeights(version: 7, params: $0, precision: .bf16) }
        let plain = Message.weights(Weights(version: 7, params: params, precision: .bf16)).encoded()
        let full = Message.weights(Weights(version: 7, params: params)).encoded()
        #expect(fast == plain)
        #expect(fast.count == Message.weightsMessageBytes(count: params.count, precision: .bf16)
                && full.count == Message.weightsMessageBytes(count: params.count, precision: .fp32))
        #expect(fast.count - 2 * params.count == full.count - 4 * params.count, "two bytes a parameter instead of four")
        guard case .weights(let w) = try Message.decode(fast) else { Issue.record("not weights"); return }
        #expect(w.version == 7 && w.precision == .bf16 && w.params == params.map(WeightPrecision.roundedToBF16))
        var unknown = ByteWriter()
        unknown.u64(1); unknown.u8(7); unknown.u32(0)
        let framed = Frame.encode(type: MessageType.weights.rawValue, payload: unknown.bytes, compress: false)
        #expect { try Message.decode(framed) } throws: { "\($0)".contains("weights precision 7") }
    }

    @Test func crcMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // The 8-byte loop and the bytewise tail agree on every length around the 8-byte boundary.
        let data = (0..<37).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for n in 0...data.count {
            #expect(CRC32C.checksum(Array(data[0..<n])) == bitwiseCRC(Array(data[0..<n])))
        }
    }

    /// The three interleaved streams (24 KiB rounds) and their joining, around the round's edges.
    @Test func crcOfLongBuffersMatchesTheBitwiseDefinition() {
        var state: UInt64 = 0x1234_5678_9ABC_DEF1
        let data = (0..<(3 * 24_576 + 100)).map { _ -> UInt8 in state ^= state << 13; state ^= state >> 7; state ^= state << 17; return UInt8(truncatingIfNeeded: state) }
        for n in [24_575, 24_576, 24_577, 2 * 24_576 + 9, data.count] {
            #expect(CRC32C.checksum(Array(data[0..<n])) == bitwiseCRC(Array(data[0..<n])), "length \(n)")
        }
        print("CRC-32C on the crc32 instruction: \(CRC32C.hardware)")
    }

    /// The copy that checksums as it goes: the same bytes as a copy, the same CRC as a
    /// checksum, on every length around the streams' rounds, and continued from a prefix.
    @Test func checksummedCopyEqualsACopyAndAChecksum() {
        var state: UInt64 = 0x0F0F_1234_ABCD_0001
        let data = (0..<(3 * 24_576 + 40)).map { _ -> UInt8 in state ^= state << 13; state ^= state >> 7; state ^= state << 17; return UInt8(truncatingIfNeeded: state) }
        for n in [0, 1, 7, 8, 9, 24_575, 24_576, 24_577, 2 * 24_576 + 9, data.count] {
            var out = [UInt8](repeating: 0xAA, count: n + 1)
            let crc = data.withUnsafeBytes { src in out.withUnsafeMutableBytes { CRC32C.copy($0.baseAddress!, from: src.baseAddress!, count: n) } }
            #expect(Array(out[0..<n]) == Array(data[0..<n]), "length \(n)")
            #expect(out[n] == 0xAA, "length \(n): wrote past the end")
            #expect(crc == bitwiseCRC(Array(data[0..<n])), "length \(n)")
        }
        let prefix = Array(data[0..<13]), rest = Array(data[13..<30_000])
        var out = [UInt8](repeating: 0, count: rest.count)
        let crc = rest.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { CRC32C.copy($0.baseAddress!, from: src.baseAddress!, count: rest.count, continuing: CRC32C.checksum(prefix)) }
        }
        #expect(crc == bitwiseCRC(prefix + rest))
    }

    /// The weights frame (built in one pass, read in place) carries what the generic encoder
    /// would, and damage anywhere in its body (header fields, the floats, the last byte) is a
    /// checksum error, not a parse error or a silently wrong weight.
    @Test func weightsFramesAreCheckedWhereverTheyAreDamaged() throws {
        let m = sampleMessages()[10]
        let bytes = m.encoded()
        var generic = ByteWriter()
        m.write(into: &generic)
        #expect(Array(bytes[Frame.headerSize...]) == generic.bytes)
        #expect(try bytes.withUnsafeBytes { try Frame.decode($0).payload } == generic.bytes)
        for offset in [Frame.headerSize, Frame.headerSize + 9, Frame.headerSize + 30, bytes.count / 2, bytes.count - 1] {
            var bad = bytes
            bad[offset] ^= 0x01
            #expect(throws: WireError.checksumMismatch, "byte \(offset)") { try Message.decode(bad) }
        }
    }

    /// A peer of an older protocol version (1: CRC-32; 2: no reference log-probs) is refused
    /// with the reason, not a checksum or parse error.
    @Test func theOldProtocolVersionsAreRefusedClearly() {
        for old: UInt16 in [1, 2] {
            var bytes = sampleMessages()[11].encoded()
            bytes[4] = UInt8(old)
            bytes[5] = 0
            #expect(throws: WireError.wrongVersion(old)) { try Message.decode(bytes) }
            #expect("\(WireError.wrongVersion(old))".contains("run the same NanoReasoner release on every machine"))
        }
    }

    @Test func trajectoriesCompress() {
        let m = sampleMessages()[5]
        let framed = m.encoded()
        #expect(framed[7] & Frame.flagLZ4 != 0)
        #expect(framed.count < m.payload().count)
    }

    @Test func weightsAreSentUncompressed() {
        let framed = sampleMessages()[10].encoded()
        #expect(framed[7] == 0)
    }

    @Test func everyTruncationIsRejected() throws {
        for m in sampleMessages() {
            let bytes = m.encoded()
            for n in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 200)) {
                #expect(throws: WireError.self) { try Message.decode(Array(bytes[0..<n])) }
            }
        }
    }

    @Test func corruptionIsCaughtByTheChecksum() {
        var bytes = sampleMessages()[5].encoded()
        bytes[Frame.headerSize + 3] ^= 0x10
        #expect(throws: WireError.checksumMismatch) { try Message.decode(bytes) }
    }

    @Test func headerFieldsAreValidated() {
        let good = sampleMessages()[0].encoded()
        var bad = good; bad[0] = UInt8(ascii: "X")
        #expect(throws: WireError.badMagic) { try Message.decode(bad) }
        bad = good; bad[4] = 9
        #expect(throws: WireError.wrongVersion(9)) { try Message.decode(bad) }
        bad = good; bad[6] = 200
        #expect(throws: WireError.unknownType(200)) { try Message.decode(bad) }
        bad = good; bad[7] = 0x80
        #expect(throws: WireError.unknownFlags(0x80)) { try Message.decode(bad) }
        #expect(throws: WireError.tooShort(3)) { try Message.decode([1, 2, 3]) }
    }

    @Test func oversizedPayloadIsRefusedBeforeAllocating() {
        // A compressed body claiming a 4 GB payload must fail on the limit, not on malloc.
        var w = ByteWriter()
        for b in Frame.magic { w.u8(b) }
        w.u16(Frame.protocolVersion); w.u8(MessageType.trajectory.rawValue); w.u8(Frame.flagLZ4)
        w.u32(.max); w.u32(4); w.u32(CRC32C.checksum([0, 0, 0, 0]))
        let bytes = w.bytes + [0, 0, 0, 0]
        #expect(throws: WireError.tooLarge(Int(UInt32.max), limit: Frame.defaultLimit)) { try Message.decode(bytes) }
    }

    @Test func hostileCountsAreRefused() throws {
        // A well-framed weights message whose float count claims more than the payload holds.
        var w = ByteWriter()
        w.u64(1); w.u8(0); w.u32(1_000_000_000)  // version, fp32, a billion floats in a few bytes
        let framed = Frame.encode(type: MessageType.weights.rawValue, payload: w.bytes, compress: false)
        #expect(throws: WireError.self) { try Message.decode(framed) }
    }

    @Test func trailingBytesAreRefused() {
        let shutdown = sampleMessages().first { if case .shutdown = $0 { return true } else { return false } }!
        var payload = shutdown.payload()
        payload.append(0)
        let framed = Frame.encode(type: MessageType.shutdown.rawValue, payload: payload, compress: false)
        #expect(throws: WireError.invalid("1 trailing bytes after shutdown")) { try Message.decode(framed) }
    }

    @Test func randomBytesNeverCrash() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        let seeds = sampleMessages().map { $0.encoded() }
        for i in 0..<3000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = (0..<Int(next() % 200)).map { _ in UInt8(truncatingIfNeeded: next()) }
            } else {
                // Mutate a valid message and re-seal its checksum, so the payload decoder sees the garbage.
                bytes = seeds[Int(next() % UInt64(seeds.count))]
                guard bytes.count > Frame.headerSize, bytes[7] == 0 else { continue }
                for _ in 0..<3 { bytes[Frame.headerSize + Int(next() % UInt64(bytes.count - Frame.headerSize))] = UInt8(truncatingIfNeeded: next()) }
                let crc = CRC32C.checksum(Array(bytes[Frame.headerSize...]))
                withUnsafeBytes(of: crc.littleEndian) { for k in 0..<4 { bytes[16 + k] = $0[k] } }
            }
            _ = try? Message.decode(bytes)
        }
    }
}

private func bitwiseCRC(_ data: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in data {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
    }
    return c ^ 0xFFFF_FFFF
}
