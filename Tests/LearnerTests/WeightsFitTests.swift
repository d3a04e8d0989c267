import Foundation
import Llama
import Policy
import Testing
import TinyGPT
@testable import Learner

/// A model whose weights message the workers would refuse is a config error at the start,
/// naming what to change, not actors that never load a version.
@Suite("Weights that fit the wire")
struct WeightsFitTests {
    @Test func aModelTooLargeForTheWireOrTheLimitIsAClearError() throws {
        let toy = ModelSpec.gpt2(GPTConfig(vocabSize: 285))
        try BrokerSource.checkWeightsFit(toy, 64 << 20)
        // SmolLM2-135M's shape: 538 MB of fp32, over the wire's ceiling whatever the limit.
        let smol = ModelSpec.llama(LlamaConfig(family: .llama, vocabSize: 49_152, contextLength: 8192, layers: 30, width: 576,
                                               heads: 9, kvHeads: 3, intermediate: 1536, rmsEps: 1e-5, ropeTheta: 100_000,
                                               tiedHead: true, qkvBias: false))
        #expect(smol.parameterCount == 134_515_008)
        #expect { try BrokerSource.checkWeightsFit(smol, 1 << 30) } throws: { "\($0)".contains("ceiling") && "\($0)".contains("train") }
        #expect { try BrokerSource.checkWeightsFit(toy, 1 << 16) } throws: { "\($0)".contains("cluster.max_message_bytes") }
    }
}
