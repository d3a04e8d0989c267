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
        try BrokerSource.checkWeightsFit(floats: toy.parameterCount, precision: .fp32, 64 << 20)
        // SmolLM2-135M's shape: 538 MB of fp32, over the wire's ceiling whatever the limit; 269 MB as bf16 fits a limit that large.
        let smol = ModelSpec.llama(LlamaConfig(family: .llama, vocabSize: 49_152, contextLength: 8192, layers: 30, width: 576,
                                               heads: 9, kvHeads: 3, intermediate: 1536, rmsEps: 1e-5, ropeTheta: 100_000,
                                               tiedHead: true, qkvBias: false))
        #expect(smol.parameterCount == 134_515_008)
        #expect { try BrokerSource.checkWeightsFit(floats: smol.parameterCount, precision: .fp32, 1 << 30) } throws: {
            "\($0)".contains("ceiling") && "\($0)".contains("bf16") && "\($0)".contains("LoRA") && "\($0)".contains("train")
        }
        try BrokerSource.checkWeightsFit(floats: smol.parameterCount, precision: .bf16, 300 << 20)
        #expect { try BrokerSource.checkWeightsFit(floats: smol.parameterCount, precision: .bf16, 64 << 20) } throws: {
            "\($0)".contains("cluster.max_message_bytes")
        }
        // With LoRA (rank 16 on all seven projections) only the adapters travel: 4.9M floats, 19.5 MB.
        try BrokerSource.checkWeightsFit(floats: 30 * 16 * (2 * 576 + 2 * (576 + 192) + 2 * 576 + 2 * (576 + 1536) + (1536 + 576)), precision: .fp32, 64 << 20)
        #expect { try BrokerSource.checkWeightsFit(floats: toy.parameterCount, precision: .fp32, 1 << 16) } throws: { "\($0)".contains("cluster.max_message_bytes") }
    }
}
