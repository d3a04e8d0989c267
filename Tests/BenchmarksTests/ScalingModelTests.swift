import Testing
@testable import Scaling

@Suite("Scaling model")
struct ScalingModelTests {
    /// One rank updates 32 groups of 36 tokens in 10 s on a quarter core; two ranks spend 0.2 s in collectives.
    func model(link: Double = 1e9) -> ScalingBenchmark.Model {
        ScalingBenchmark.Model(cpuSecondsPerTrainedToken: 10 * 0.25 / (32 * 36), collectiveSecondsAtTwoRanks: 0.2,
                               cpuSecondsPerSampledGroup: 0.05, tokensPerGroup: 36, groupsPerUpdate: 32, keptFraction: 0.5,
                               broadcastBytes: 3.4e6, linkBitsPerSecond: link, rankCPUs: 0.25, actorCPUs: 0.25)
    }

    @Test func updateTimeSplitsOverRanksPlusTheirOverhead() {
        let m = model()
        #expect(abs(m.updateSeconds(ranks: 1) - 10) < 1e-9)
        #expect(abs(m.updateSeconds(ranks: 4) - (2.5 + 0.3)) < 1e-9, "a ring of 4: 2·3/4 of two ranks' collectives")
    }

    @Test func theSlowestStageLimits() {
        let m = model()
        // 1 rank: 3.2 groups/s; 1 actor: 0.25 / 0.05 × 0.5 = 2.5 kept groups/s.
        #expect(m.throughput(ranks: 1, actors: 1).limitedBy == "sampling")
        #expect(abs(m.throughput(ranks: 1, actors: 1).groupsPerSecond - 2.5) < 1e-9)
        #expect(m.throughput(ranks: 1, actors: 8).limitedBy == "learner update")
        // A slow link: 8 copies of 3.4 MB at 10 Mbit/s take 22 s per update.
        #expect(model(link: 1e7).throughput(ranks: 4, actors: 8).limitedBy == "weight broadcast")
    }

    @Test func relayedWeightsCostTheLearnersLinkOneCopyAndEachHopAPart() {
        var m = model()
        let copy = 3.4e6 * 8 / 1e9, part = Double(128 << 10) * 8 / 1e9
        #expect(abs(m.broadcastSeconds(actors: 8) - 8 * copy) < 1e-12)
        m.weightFanout = 1
        #expect(abs(m.broadcastSeconds(actors: 8) - (copy + 7 * part)) < 1e-12, "a chain of 8: 7 hops")
        m.weightFanout = 2
        #expect(abs(m.broadcastSeconds(actors: 6) - (2 * copy + part)) < 1e-12, "2 + 4 actors: two levels")
    }

    @Test func asynchronyNeedsThePassAt1IntervalsToOverlap() {
        func row(_ lo: Double, _ hi: Double) -> ScalingBenchmark.AsyncRow {
            ScalingBenchmark.AsyncRow(maxStaleness: 0, actors: 1, learnerCPUs: 0.4, trainedGroupsPerSecond: 1, accuracyPerStep: 0.3,
                                      updateSeconds: 1, waitSeconds: 0, passAt1Before: 0.1, passAt1After: (lo + hi) / 2,
                                      passAt1Low: lo, passAt1High: hi)
        }
        #expect(ScalingBenchmark.samePassAt1([row(0.10, 0.14), row(0.13, 0.17)]))
        #expect(!ScalingBenchmark.samePassAt1([row(0.10, 0.12), row(0.13, 0.17)]))
        #expect(!ScalingBenchmark.samePassAt1([row(0.10, 0.12)]), "one run alone shows nothing")
    }

    @Test func theAsynchronyPairIsSizedSoTheUpdateTakesAsLongAsTheWait() {
        // The actor rows: one step's 32 kept groups need 64 sampled, 3.2 CPU-s, 12.8 s on a quarter core.
        let guess = ScalingBenchmark.asyncGuess(model(), groups: 32, actorCPUs: 0.25, learnerCPUs: 0.5, updateSeconds: 4)
        #expect(guess.actors == 3, "12.8 s of sampling over a 4 s update")
        #expect(abs(guess.learnerCPUs - 0.5 * 4 / (12.8 / 3)) < 1e-9)
        // The probe waited 6 s for groups while its update took 4 s: a machine a third smaller updates in 6 s.
        #expect(abs(ScalingBenchmark.balancedLearnerCPUs(0.6, updateSeconds: 4, waitSeconds: 6) - 0.4) < 1e-9)
        #expect(ScalingBenchmark.balancedLearnerCPUs(0.6, updateSeconds: 4, waitSeconds: 0) == 0.6, "no wait measured: keep the guess")
        #expect(ScalingBenchmark.balancedLearnerCPUs(0.6, updateSeconds: 40, waitSeconds: 1) == 1.5, "at most 1.5 cores of the host")
        // Staleness 2 with 40 % of groups kept: three steps of 80 looked-at groups in flight.
        #expect(ScalingBenchmark.asyncInFlight(groups: 32, keptFraction: 0.4, maxStaleness: 2) == 240)
        #expect(ScalingBenchmark.asyncInFlight(groups: 32, keptFraction: 1, maxStaleness: 0) == 96, "never below the default three steps' prompts")
    }

    @Test func theOneActorRowRunTwiceIsTheMeanOfBoth() {
        func row(_ rate: Double) -> ScalingBenchmark.ActorRow {
            ScalingBenchmark.ActorRow(actors: 1, machineCPUs: 0.1, sampledGroupsPerSecond: rate, runs: [rate], speedup: 1,
                                      actorIdleFraction: 0.02, keptFraction: 0.4, learnerUpdateSeconds: 3, limitedBy: "sampling")
        }
        let r = ScalingBenchmark.averaged(row(13.3), row(10.2))
        #expect(abs(r.sampledGroupsPerSecond - 11.75) < 1e-9)
        #expect(r.runs == [13.3, 10.2])
    }

    @Test func theBestSplitBalancesLearnerAndActors() {
        let m = model()
        let p = ScalingBenchmark.best(m, machines: 8)
        #expect(p.ranks + p.actors == 8)
        for K in 1..<8 { #expect(m.throughput(ranks: K, actors: 8 - K).groupsPerSecond <= p.trainedGroupsPerSecond + 1e-12) }
    }
}
