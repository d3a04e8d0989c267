import Testing
import TinyGPT
@testable import Benchmarks

private let tiny = GPTConfig(vocabSize: 10, contextLength: 8, layers: 1, heads: 1, width: 2)

@Test func matmulWeightsOfTheDefaultShape() {
    let c = GPTConfig(vocabSize: 285)
    #expect(FLOPCount.matmulParameters(c) == 12 * 4 * 128 * 128 + 285 * 128)
}

@Test func forwardAndTrainingCountsByHand() {
    // N = 12·1·4 + 10·2 = 68; forward with k keys = 2·68 + 4·1·2·k = 136 + 8k.
    #expect(FLOPCount.matmulParameters(tiny) == 68)
    #expect(FLOPCount.forwardPerToken(tiny, keys: 3) == 160)
    // Causal T = 3: keys 1, 2, 3 → 144 + 152 + 160 = 456.
    #expect(FLOPCount.causalForward(tiny, tokens: 3) == 456)
    #expect(FLOPCount.trainingStep(tiny, batch: 2, seq: 3) == 3 * 2 * 456)
    #expect(FLOPCount.causalForward(tiny, tokens: 0) == 0)
}

@Test func samplingCountsPrefillAndEachNewToken() {
    // Prompt of 2 (keys 1, 2 → 144 + 152), then new tokens at keys 3 and 4 (160 + 168).
    #expect(FLOPCount.sampling(tiny, rows: 1, promptLength: 2, newTokens: 2) == 144 + 152 + 160 + 168)
    #expect(FLOPCount.sampling(tiny, rows: 3, promptLength: 2, newTokens: 2) == 3 * 624)
    #expect(FLOPCount.sampling(tiny, rows: 0, promptLength: 2, newTokens: 2) == 0)
}

@Test func trainingIsAboutSixNPerToken() {
    let c = GPTConfig(vocabSize: 285)
    let perToken = FLOPCount.trainingStep(c, batch: 1, seq: 64) / 64
    let sixN = 6 * Double(FLOPCount.matmulParameters(c))
    #expect(perToken > sixN && perToken < 1.1 * sixN)
}
