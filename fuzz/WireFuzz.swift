// libFuzzer target over the wire decoders (module Wire). Built by fuzz/build.sh, run by fuzz/run.sh.
//
// Each input is decoded three ways, so the fuzzer reaches the payload decoders without having
// to forge a CRC-32C:
//   1. raw:        the bytes as a framed message (Frame.payloadLength, Frame.messageType(of:),
//                  Frame.decode, Message.decode);
//   2. payload:    byte 0 = selector (low nibble = message type, bit 7 clear), the rest is an
//                  uncompressed payload, sealed with Frame.encode (valid header and CRC);
//   3. lz4 body:   byte 0 with bit 7 set, bytes 1...3 = declared payload length (u24 LE), the
//                  rest is an LZ4 body, sealed by hand with the LZ4 flag and a valid CRC.
// Thrown errors are expected; a trap, sanitizer report or failed round-trip check is a bug.
// Every message that decodes is re-encoded and must decode again to the same payload bytes
// (compared as bytes, so NaN floats do not break Equatable equality).
//
// WIRE_FUZZ_WRITE_SEEDS=<dir> makes the binary write the seed corpus (real encodings of
// every MessageType plus corrupted ones) into <dir> and exit, instead of fuzzing.

import Wire
import Verifier
import Completions

#if canImport(Glibc)
import Glibc
#endif

/// Keeps decompression allocations small; max_len is 64 KiB and LZ4 expands at most ~255×.
let fuzzLimit = 1 << 20

@inline(never)
func bug(_ why: String) -> Never {
    fputs("wire-fuzz: \(why)\n", stderr)
    abort()
}

/// encode(decode(x)) must decode again, to a message that encodes to the same payload.
func checkRoundTrip(_ m: Message) {
    let framed = m.encoded()
    let again: Message
    do { again = try Message.decode(framed) } catch { bug("re-encoded \(m.type) does not decode: \(error)") }
    guard again.type == m.type else { bug("round trip changed type \(m.type) -> \(again.type)") }
    guard again.payload() == m.payload() else { bug("round trip changed the payload of \(m.type)") }
    guard Frame.payloadLength(of: framed) == m.payload().count else { bug("header payload length disagrees for \(m.type)") }
    guard framed.withUnsafeBytes({ Frame.messageType(of: $0) }) == m.type else { bug("messageType(of:) disagrees for \(m.type)") }
}

func decodeFramed(_ bytes: [UInt8]) {
    _ = Frame.payloadLength(of: bytes)
    _ = bytes.withUnsafeBytes { Frame.messageType(of: $0) }
    let frame = try? bytes.withUnsafeBytes { try Frame.decode($0, limit: fuzzLimit) }
    do {
        let m = try Message.decode(bytes, limit: fuzzLimit)
        guard let frame, frame.type == m.type.rawValue else { bug("Message.decode succeeded where Frame.decode failed") }
        checkRoundTrip(m)
    } catch is WireError {
    } catch {
        bug("non-WireError thrown: \(error)")
    }
}

/// A frame with the LZ4 flag, the given declared size and a correct checksum around `body`.
func lz4Frame(type: UInt8, declared: Int, body: ArraySlice<UInt8>) -> [UInt8] {
    var w = ByteWriter(capacity: Frame.headerSize + body.count)
    for b in Frame.magic { w.u8(b) }
    w.u16(Frame.protocolVersion)
    w.u8(type)
    w.u8(Frame.flagLZ4)
    w.u32(UInt32(declared))
    w.u32(UInt32(body.count))
    w.u32(CRC32C.checksum(Array(body)))
    var out = w.bytes
    out.append(contentsOf: body)
    return out
}

func fuzzOne(_ bytes: [UInt8]) {
    decodeFramed(bytes)
    guard let selector = bytes.first, !bytes.starts(with: Frame.magic) else { return }
    let type = selector & 0x0F
    if selector & 0x80 == 0 {
        decodeFramed(Frame.encode(type: type, payload: Array(bytes.dropFirst()), compress: false))
    } else if bytes.count >= 4 {
        let declared = Int(bytes[1]) | Int(bytes[2]) << 8 | Int(bytes[3]) << 16
        decodeFramed(lz4Frame(type: type, declared: declared, body: bytes[4...]))
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    fuzzOne(bytes)
    return 0
}

// MARK: - Seed corpus

/// One message of every type (and a few shapes of the variable-length ones).
func sampleMessages() -> [(String, Message)] {
    let rollouts = (0..<4).map { g in
        Completion(tokens: (0..<40).map { Int32(($0 * 7 + g) % 60) } + [2],
                   logprobs: (0..<41).map { -Float($0 % 9) * 0.25 - 0.01 }, stopped: g % 2 == 0)
    }
    let wide = [Completion(tokens: [300, 70_000, -1, 5], logprobs: [-0.5, -1, -2, -.infinity], stopped: false)]
    return [
        ("hello", .hello(Hello(role: .actor, workerId: "actor-1", incarnation: 0x1234_5678_9ABC, host: "node-a"))),
        ("hello-verifier", .hello(Hello(role: .verifier, workerId: "verifier-0", incarnation: 7, host: "ünïcødé-host"))),
        ("welcome", .welcome(Welcome(runId: 42, policyVersion: 3,
                                     settingsJSON: #"{"group_size":4,"temperature":1.0,"max_new_tokens":64}"#))),
        ("work-request", .workRequest(WorkRequest(workerId: "actor-1", credits: 8, policyVersion: 3))),
        ("work", .work(WorkBatch(assignments: (0..<6).map {
            Assignment(groupId: UInt64($0), promptIndex: UInt64(100 + $0), prompt: [1, 17, 23, 11, 17, 23, 11, 5, Int32($0)])
        }))),
        ("work-wide-tokens", .work(WorkBatch(assignments: [Assignment(groupId: 1, promptIndex: 2, prompt: [1, 300, 65_535, 70_000])]))),
        ("work-empty", .work(WorkBatch(assignments: []))),
        ("trajectory", .trajectory(TrajectoryGroup(workerId: "actor-2", groupId: 9, promptIndex: 77, policyVersion: 3,
                                                   prompt: [1, 4, 7, 12, 4, 7], rollouts: rollouts, sampleSeconds: 0.125))),
        ("trajectory-wide", .trajectory(TrajectoryGroup(workerId: "a", groupId: 1, promptIndex: 2, policyVersion: 0,
                                                        prompt: [], rollouts: wide, sampleSeconds: .nan))),
        ("score-request", .scoreRequest(ScoreRequest(requestId: 5, prompt: "47+85=", answer: "132", completions: [
            "<think>47+85:7+5=12,4+8+1=13>132</think><answer>132</answer>",
            "<think>47+85:7+5=12,4+8=12>122</think><answer>122</answer>",
            "garbage", "",
        ]))),
        ("score-result", .scoreResult(ScoreResult(requestId: 5, workerId: "verifier-0", scores: [
            Score(reward: 1.1, correct: true, wellFormed: true, extracted: "132"),
            Score(reward: 0.1, correct: false, wellFormed: true, extracted: "122"),
            Score(reward: 0, correct: false, wellFormed: false, extracted: nil, error: "timeout"),
        ]))),
        ("heartbeat", .heartbeat(Heartbeat(role: .learner, workerId: "learner", incarnation: 1, policyVersion: 3,
                                           busySeconds: 12.5, idleSeconds: 0.25))),
        ("weights", .weights(Weights(version: 3, modelConfigJSON: #"{"layers":2,"d_model":16,"heads":2,"vocab":64}"#,
                                     params: (0..<256).map { Float($0) * 0.01 - 1 }))),
        ("shutdown", .shutdown(Shutdown(reason: Shutdown.rejoin))),
        ("shutdown-empty", .shutdown(Shutdown(reason: ""))),
        ("reference", .reference(Weights(version: 0, modelConfigJSON: #"{"layers":2,"d_model":16,"heads":2,"vocab":64}"#,
                                         params: (0..<256).map { 1 - Float($0) * 0.01 }))),
        ("work-request-with-reference", .workRequest(WorkRequest(workerId: "actor-1", credits: 8, policyVersion: 3, hasReference: true))),
        ("trajectory-reference", .trajectory(TrajectoryGroup(workerId: "actor-2", groupId: 10, promptIndex: 78, policyVersion: 3,
                                                             prompt: [1, 4, 7, 12], rollouts: rollouts.enumerated().map { i, c in
                                                                 var c = c
                                                                 if i != 2 { c.referenceLogprobs = c.logprobs.map { $0 * 1.5 } }
                                                                 return c
                                                             }, sampleSeconds: 0.25))),
    ]
}

func writeSeeds(to dir: String) {
    var count = 0
    func write(_ name: String, _ bytes: [UInt8]) {
        guard let f = fopen(dir + "/" + name, "wb") else { bug("cannot write \(dir)/\(name)") }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        count += 1
    }
    var covered = Set<MessageType>()
    for (name, m) in sampleMessages() {
        covered.insert(m.type)
        let framed = m.encoded()
        guard (try? Message.decode(framed)) == m || m.payload() == (try? Message.decode(framed))?.payload() else {
            bug("seed \(name) does not round-trip")
        }
        // 1. the real framed message (LZ4-compressed where the encoder compresses).
        write("frame-\(name)", framed)
        // 2. the same payload in the "selector + payload" form.
        write("payload-\(name)", [m.type.rawValue] + m.payload())
        // 3. an LZ4 body in the "selector | 0x80, u24 size, body" form.
        let payload = m.payload()
        if framed[7] & Frame.flagLZ4 != 0, payload.count < 1 << 24 {
            let n = payload.count
            write("lz4-\(name)", [0x80 | m.type.rawValue, UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16)] + framed[Frame.headerSize...])
        }
    }
    for t in MessageType.allCases where !covered.contains(t) { bug("no seed for \(t)") }

    // Truncated and corrupted frames.
    let traj = Message.trajectory(TrajectoryGroup(workerId: "actor-2", groupId: 9, promptIndex: 77, policyVersion: 3,
                                                  prompt: [1, 4, 7], rollouts: [Completion(tokens: [3, 4], logprobs: [-1, -2], stopped: true)],
                                                  sampleSeconds: 1)).encoded()
    let hb = sampleMessages().first { $0.0 == "heartbeat" }!.1.encoded()
    write("bad-empty", [])
    write("bad-short", Array(hb[0..<7]))
    write("bad-header-only", Array(hb[0..<Frame.headerSize]))
    write("bad-truncated", Array(hb[0..<(hb.count - 5)]))
    write("bad-truncated-lz4", Array(traj[0..<(traj.count / 2)]))
    var crc = hb; crc[Frame.headerSize + 2] ^= 0x40; write("bad-crc", crc)
    var magic = hb; magic[0] = UInt8(ascii: "X"); write("bad-magic", magic)
    var version = hb; version[4] = 2; write("bad-version", version)
    var type = hb; type[6] = 0xC8; write("bad-type", type)
    var flags = hb; flags[7] = 0x80; write("bad-flags", flags)
    var declared = traj; declared[8] = declared[8] &+ 1; write("bad-declared-size", declared)
    var lz = traj; lz[Frame.headerSize + 3] ^= 0xFF
    let body = Array(lz[Frame.headerSize...]); let sum = CRC32C.checksum(body)
    for k in 0..<4 { lz[16 + k] = UInt8(truncatingIfNeeded: sum >> (8 * UInt32(k))) }
    write("bad-lz4-body", lz)
    var trailing = [MessageType.shutdown.rawValue] + Message.shutdown(Shutdown(reason: "x")).payload(); trailing.append(0)
    write("bad-trailing", trailing)
    write("bad-count", [MessageType.work.rawValue, 0xFF, 0xFF, 0xFF, 0x7F])
    write("bad-utf8", [MessageType.shutdown.rawValue, 2, 0, 0, 0, 0xC3, 0x28])
    write("bad-bool", [MessageType.scoreResult.rawValue] + Array(repeating: 0, count: 12) + [1, 0, 0, 0] + [0, 0, 0, 0, 7, 0, 0, 0])
    write("bad-token-width", [MessageType.work.rawValue, 1, 0, 0, 0] + Array(repeating: 0, count: 16) + [1, 0, 0, 0, 3, 9, 9, 9])
    write("bad-role", [MessageType.hello.rawValue, 9, 0, 0, 0, 0])
    print("wrote \(count) seeds to \(dir)")
}

@_cdecl("LLVMFuzzerInitialize")
public func LLVMFuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    if let dir = getenv("WIRE_FUZZ_WRITE_SEEDS") {
        writeSeeds(to: String(cString: dir))
        exit(0)
    }
    return 0
}
