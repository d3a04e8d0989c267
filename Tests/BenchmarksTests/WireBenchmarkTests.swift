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

@Test func roundTripGivesPositiveRatesOnATinyInput() throws {
    let r = try WireBenchmark.roundTrip([group(1), group(2)], repeats: 3)
    #expect(r.messages == 2)
    #expect(r.megabytesPerSecond.runs.count == 3)
    #expect(r.megabytesPerSecond.min > 0 && r.secondsPerMessage.min > 0)
    #expect(r.payloadBytesPerMessage > 0 && r.wireBytesPerMessage > 0 && r.compressionRatio > 0)
}

@Test func roundTripRejectsNoMessages() {
    #expect(throws: BenchError.self) { try WireBenchmark.roundTrip([], repeats: 1) }
    #expect(throws: BenchError.self) { try WireBenchmark.roundTrip([group(1)], repeats: 0) }
}

@Test func zmqLoopbackThroughputIsPositive() throws {
    let frames = [group(1).encoded()]
    let r = try ZMQThroughput.run(frames: frames, count: 50, repeats: 2)
    #expect(r.messagesPerSecond.min > 0 && r.megabytesPerSecond.min > 0)
    #expect(r.bytesPerMessage == Double(frames[0].count))
}

@Test func broadcastReachesEverySubscriber() throws {
    let r = try BroadcastBenchmark.run(model: "tiny", params: [Float](repeating: 0.5, count: 1000), modelConfigJSON: "{}",
                                       subscribers: 2, rounds: 2)
    #expect(r.milliseconds.runs.count == 2 && r.milliseconds.min > 0)
}

@Test func theCurveVariantsRunEncryptedEndToEnd() throws {
    let z = try ZMQThroughput.run(frames: [group(1).encoded()], count: 50, repeats: 2, curve: true)
    #expect(z.messagesPerSecond.min > 0)
    let b = try BroadcastBenchmark.run(model: "tiny", params: [Float](repeating: 0.5, count: 1000), modelConfigJSON: "{}",
                                       subscribers: 2, rounds: 2, curve: true)
    #expect(b.curve && b.milliseconds.runs.count == 2)
}

