import ArgumentParser
import Benchmarks
import Scaling

/// The two ends of `bench --scaling`'s broadcast rows, each run on an emulated machine of
/// its own (`ip netns exec`). Not for people: the bench starts them.
struct RelayProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay-probe", abstract: "One end of the weight-broadcast bench (started by bench --scaling).", shouldDisplay: false)

    @Argument(help: "publish or subscribe") var role: String
    @Option var id = "1"
    @Option(help: "Where this end binds (the publisher's weights port, or the subscriber's relay).") var bind: String
    @Option(help: "subscribe: where the weights come from.") var upstream = ""
    @Option(help: "Where subscribers report (publish: the address to bind for it).") var report: String
    @Option var subscribers = 1
    @Option var fanout = 0
    @Option var parameters = ScalingBenchmark.defaultModelParameters
    @Option var rounds = 10
    @Option(help: "publish: where the result goes (JSON).") var out = "relay-pub.json"

    func run() throws {
        switch role {
        case "publish":
            try RelayBenchmark.publish(subscribers: subscribers, fanout: fanout, parameters: parameters, rounds: rounds, bind: bind,
                                       reportBind: report, out: out)
        case "subscribe":
            guard !upstream.isEmpty else { throw ValidationError("subscribe needs --upstream") }
            try RelayBenchmark.subscribe(id: id, bind: bind, upstream: upstream, report: report)
        default:
            throw ValidationError("the role is publish or subscribe, got '\(role)'")
        }
    }
}
