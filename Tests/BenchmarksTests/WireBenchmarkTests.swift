import Testing
import Wire
@testable import Benchmarks
import Completions

private func group(_ id: UInt64) -> Message {
    let rollouts = (0..<4).map { i in
        Completion(tokens: (0..<20).map { Int32(($0 + i) % 7) }, logprobs: (0..<20).map { -Float($0) / 10 }, stopped: i % 2 == 0)
    }
    return .trajectory(TrajectoryGroup(workerId: "t", groupId: id, promptIndex: id, policyVersion: 1, prompt: [1, 5, 6],
                                       rollouts: rollouts, sampleSeconds: 0.01))
}

/// The rates describe what was sent: the message sizes are the codec's own, and each
/// repetition's MB/s is its payload over its time (the same time its seconds per message give).
@Test func roundTripRatesAreThePayloadOverTheTime() throws {
    let messages = [group(1), group(2)]
    let r = try WireBenchmark.roundTrip(messages, repeats: 3)
    #expect(r.messages == 2)
    #expect(r.megabytesPerSecond.runs.count == 3 && r.secondsPerMessage.runs.count == 3)
    #expect(r.payloadBytesPerMessage == Double(messages.map { $0.payload().count }.reduce(0, +)) / 2)
    #expect(r.wireBytesPerMessage == Double(messages.map { $0.encoded().count }.reduce(0, +)) / 2)
    #expect(abs(r.compressionRatio - r.payloadBytesPerMessage / r.wireBytesPerMessage) < 1e-12)
    for (rate, perMessage) in zip(r.megabytesPerSecond.runs, r.secondsPerMessage.runs) {
        let implied = r.payloadBytesPerMessage / perMessage / 1e6
        #expect(abs(rate - implied) <= 1e-6 * implied, "MB/s \(rate) against \(implied) from the seconds per message")
    }
}

@Test func roundTripRejectsNoMessages() {
    #expect(throws: BenchError.self) { try WireBenchmark.roundTrip([], repeats: 1) }
    #expect(throws: BenchError.self) { try WireBenchmark.roundTrip([group(1)], repeats: 0) }
}

/// Every message arrives (the receiver counts them before the clock stops) and the MB/s are
/// the messages per second times the frame's size.
@Test func zmqLoopbackThroughputCountsWhatArrived() throws {
    let frames = [group(1).encoded()]
    let r = try ZMQThroughput.run(frames: frames, count: 50, repeats: 2)
    #expect(r.messagesPerSecond.runs.count == 2 && r.messagesPerSecond.min > 0)
    #expect(r.bytesPerMessage == Double(frames[0].count))
    for (mps, mbs) in zip(r.messagesPerSecond.runs, r.megabytesPerSecond.runs) {
        #expect(abs(mbs - mps * r.bytesPerMessage / 1e6) <= 1e-6 * mbs)
    }
}

@Test func broadcastReachesEverySubscriber() throws {
    let r = try BroadcastBenchmark.run(model: "tiny", params: [Float](repeating: 0.5, count: 1000),
                                       subscribers: 2, rounds: 2)
    #expect(r.milliseconds.runs.count == 2 && r.milliseconds.min > 0)
}

@Test func theCurveVariantsRunEncryptedEndToEnd() throws {
    let z = try ZMQThroughput.run(frames: [group(1).encoded()], count: 50, repeats: 2, curve: true)
    #expect(z.messagesPerSecond.min > 0)
    let b = try BroadcastBenchmark.run(model: "tiny", params: [Float](repeating: 0.5, count: 1000),
                                       subscribers: 2, rounds: 2, curve: true)
    #expect(b.curve && b.milliseconds.runs.count == 2)
}

