import Foundation
import Policy
import Testing
import TinyGPT

@testable import Actor

/// The rollout actor's phases, driven without sockets.
@Suite("ActorState")
struct ActorStateTests {
    let small = ModelSpec.gpt2(GPTConfig(vocabSize: 16, contextLength: 16, layers: 1, heads: 1, width: 8))
    let wide = ModelSpec.gpt2(GPTConfig(vocabSize: 16, contextLength: 16, layers: 1, heads: 1, width: 16))

    @Test func aWelcomeBuildsTheModelAndWeightsMakeItReadyToAskForWork() {
        var s = ActorState()
        #expect(s.phase == .joining && s.version == nil)
        let early = s.weightsArrived(0)
        #expect(!early, "weights before the welcome are left")
        let model = s.joined(model: small, adapters: nil)
        #expect(model == .build(small, adapters: nil) && s.phase == .awaitingWeights)
        let loaded = s.weightsArrived(0)
        #expect(loaded && s.version == 0 && s.phase == .ready)
        s.requestedWork()
        #expect(s.phase == .waitingForWork)
        s.sampled()
        #expect(s.phase == .ready, "after a batch it asks again")
    }

    @Test func onlyNewerWeightsAreLoadedAndTheyDoNotCancelARequest() {
        var s = ActorState()
        _ = s.joined(model: small, adapters: nil)
        _ = s.weightsArrived(3)
        s.requestedWork()
        let same = s.weightsArrived(3), older = s.weightsArrived(2)
        #expect(!same && !older && s.version == 3, "the same or an older version is not loaded")
        let newer = s.weightsArrived(4)
        #expect(newer && s.version == 4)
        #expect(s.phase == .waitingForWork, "the request stands (the actor tells the learner its new version)")
    }

    /// A welcome again: the learner restarted or presumed the actor dead.
    @Test func aSecondWelcomeKeepsAFittingModelAndItsWeightsElseRebuilds() {
        var s = ActorState()
        _ = s.joined(model: small, adapters: nil)
        _ = s.weightsArrived(5)
        s.requestedWork()
        let again = s.joined(model: small, adapters: nil)
        #expect(again == .keep && s.phase == .ready && s.version == 5, "the model and its weights stay; it asks for work again")
        let other = s.joined(model: wide, adapters: nil)
        #expect(other == .build(wide, adapters: nil) && s.phase == .awaitingWeights && s.version == nil)
        let lora = AdaptedBase(base: "/models/base", lora: LoRASettings(rank: 4))
        let adapted = s.joined(model: wide, adapters: lora)
        #expect(adapted == .build(wide, adapters: lora), "adapters on the base: rebuilt")
        let first = s.weightsArrived(0)
        #expect(first, "a new model takes any version, the first included")
    }

    @Test func theRelayIsOfferedOnlyWhileAwaitingWeightsAndNotTooOften() {
        var s = ActorState()
        let t0 = Date()
        var offers: [Bool] = []
        offers.append(s.offerRelay(now: t0))  // not before the welcome
        _ = s.joined(model: small, adapters: nil)
        offers.append(s.offerRelay(now: t0))
        offers.append(s.offerRelay(now: t0.addingTimeInterval(1)))
        offers.append(s.offerRelay(now: t0.addingTimeInterval(1 + ActorState.relayOfferInterval)))
        _ = s.weightsArrived(0)
        offers.append(s.offerRelay(now: t0.addingTimeInterval(10)))  // routed: weights came
        #expect(offers == [false, true, false, true, false])
    }
}
