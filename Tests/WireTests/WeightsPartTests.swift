import Testing
@testable import Wire

/// Weights split into parts and put back together, as relaying actors pass them on.
struct WeightsPartTests {
    func weightsMessage(version: UInt64, count: Int) -> [UInt8] {
        Message.weights(Weights(version: version, params: (0..<count).map { Float($0) * 0.5 })).encoded()
    }

    func parts(_ frames: [[UInt8]]) throws -> [WeightsPart] {
        try frames.map { f in
            guard case .weightsPart(let p) = try Message.decode(f) else { throw WireError.invalid("not a part") }
            return p
        }
    }

    @Test func partsInAnyOrderMakeTheWholeMessage() throws {
        let whole = weightsMessage(version: 7, count: 100_000)
        let split = try parts(WeightsPart.split(whole, version: 7, partBytes: 64 << 10))
        #expect(split.count == WeightsPart.partCount(messageBytes: whole.count, partBytes: 64 << 10) && split.count == 7)
        var a = WeightsAssembler()
        var done: [UInt8]?
        for p in split.reversed() {
            #expect(done == nil, "complete only with the last part")
            done = try a.add(p)
        }
        #expect(done == whole)
        #expect(try Message.decode(done!) == Message.decode(whole))
    }

    @Test func aNewerVersionSupersedesAnUnfinishedOneAndOlderPartsAreIgnored() throws {
        let v1 = try parts(WeightsPart.split(weightsMessage(version: 1, count: 50_000), version: 1, partBytes: 64 << 10))
        let v2 = try parts(WeightsPart.split(weightsMessage(version: 2, count: 50_000), version: 2, partBytes: 64 << 10))
        var a = WeightsAssembler()
        #expect(try a.add(v1[0]) == nil)
        #expect(try a.add(v2[0]) == nil)
        #expect(try a.add(v1[1]) == nil, "an older version's part is ignored")
        #expect(try a.add(v2[0]) == nil, "a duplicate part changes nothing")
        var done: [UInt8]?
        for p in v2.dropFirst() { done = try a.add(p) }
        #expect(done == weightsMessage(version: 2, count: 50_000))
    }

    @Test func aPartOutsideItsMessageIsAnErrorNotACrash() throws {
        var a = WeightsAssembler(limit: 1 << 20)
        let bad = [WeightsPart(version: 1, index: 2, count: 2, offset: 0, totalBytes: 8, bytes: [1]),
                   WeightsPart(version: 1, index: 0, count: 1, offset: 6, totalBytes: 8, bytes: [1, 2, 3]),
                   WeightsPart(version: 1, index: 0, count: 1, offset: 0, totalBytes: 1 << 30, bytes: [1]),
                   WeightsPart(version: 1, index: 0, count: 0, offset: 0, totalBytes: 1, bytes: [1])]
        for p in bad { #expect(throws: WireError.self) { _ = try a.add(p) } }
    }

    @Test func anOldPeerIsToldToUpgrade() throws {
        var frame = weightsMessage(version: 1, count: 4)
        frame[4] = 3; frame[5] = 0  // protocol version 3
        #expect { _ = try Message.decode(frame) } throws: { "\($0)".contains("protocol version 3, this build speaks \(Frame.protocolVersion)") }
    }
}
