import Completions
import Kernels
import Ranks
import Testing
@testable import TinyGPT
@testable import Trainer
@testable import Verifier

/// A rank of K that talks to no one: enough for what each rank decides alone.
final class SeatOnly: RankGroup {
    let rank: Int, size: Int
    init(rank: Int, size: Int) { self.rank = rank; self.size = size }
    func sum(_ values: UnsafeMutablePointer<Float>, count: Int) throws {}
    func broadcast(_ bytes: inout [UInt8]) throws {}
    func gather(_ value: UInt64) throws -> [UInt64] { Array(repeating: value, count: size) }
}

@Suite("Learner ranks")
struct RankShareTests {
    func updater() throws -> PolicyUpdater {
        try PolicyUpdater(config: RLConfig(), policy: GPT(config: GPTConfig(vocabSize: 16, contextLength: 16, layers: 1, heads: 1, width: 8)))
    }

    @Test func everyGroupGoesToExactlyOneRankAndThePositionsBalance() throws {
        let u = try updater()
        let sizes = (0..<256).map { 80 + ($0 * 37 + $0 * $0 * 11) % 720 }
        for K in [1, 2, 3, 4, 8] {
            let whole = PolicyUpdater.rankBatches(groupPositions: sizes, microBatchPositions: u.microBatchPositions, ranks: SingleRank())
            #expect(whole.allSatisfy { $0.count == 1 || $0.reduce(0) { $0 + sizes[$1] } <= u.microBatchPositions })
            let batches = (0..<K).map { r in
                PolicyUpdater.rankBatches(groupPositions: sizes, microBatchPositions: u.microBatchPositions, ranks: SeatOnly(rank: r, size: K))
            }
            let shares = batches.map { $0.flatMap { $0 } }
            #expect(shares.flatMap { $0 }.sorted() == Array(sizes.indices), "K = \(K): each group once")
            // Each rank's micro-batches are pieces of one rank's: the same cut for any K.
            let chunkOf = Dictionary(uniqueKeysWithValues: whole.enumerated().flatMap { c, groups in groups.map { ($0, c) } })
            #expect(batches.allSatisfy { $0.allSatisfy { Set($0.map { chunkOf[$0]! }).count == 1 } }, "K = \(K)")
            let positions = shares.map { $0.reduce(0) { $0 + sizes[$1] } }
            let mean = Double(sizes.reduce(0, +)) / Double(K)
            #expect(positions.allSatisfy { abs(Double($0) - mean) / mean < 0.05 }, "K = \(K): positions per rank \(positions)")
        }
    }

    @Test func groupsSurviveTheRanksCodec() throws {
        let g = ScoredGroup(prompt: [1, 7, 9],
                            completions: [Completion(tokens: [4, 5], logprobs: [-0.5, -1.25], stopped: true, referenceLogprobs: [-0.75, -1]),
                                          Completion(tokens: [6], logprobs: [-2], stopped: false)],
                            scores: [Score(reward: 1, correct: true, wellFormed: true, extracted: nil),
                                     Score(reward: 0.1, correct: false, wellFormed: true, extracted: nil)],
                            policyVersion: 12)
        let bytes = ScoredGroupCodec.encode([g, g])
        let back = try #require(try ScoredGroupCodec.decode(bytes))
        #expect(back.count == 2)
        #expect(back[1].prompt == g.prompt && back[1].completions == g.completions && back[1].policyVersion == 12)
        #expect(back[0].scores.map(\.reward) == [1, 0.1] && back[0].scores.map(\.correct) == [true, false])
        #expect(try ScoredGroupCodec.decode([0]) == nil, "a leading 0 is stop")
        #expect(throws: (any Error).self) { try ScoredGroupCodec.decode(Array(bytes.dropLast(3))) }
    }

    @Test func theChecksumSeesOneBit() throws {
        let b = FloatBuffer(count: 1000)
        let before = PolicyUpdater.checksum(b)
        b.pointer[617] = Float(bitPattern: 1)
        #expect(PolicyUpdater.checksum(b) != before)
    }

    @Test func aRankThatDisagreesIsNamed() throws {
        let e = RankDisagreement(rank: 3, update: 20, checksums: [1, 1, 1, 2])
        #expect(e.description.contains("learner rank 3") && e.description.contains("update 20"))
    }
}
