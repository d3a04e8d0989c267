import ArgumentParser
import Foundation

@main
struct NanoReasoner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nanoreasoner",
        abstract: "Train small language models to reason with RL from verifiable rewards.",
        subcommands: [PretrainCommand.self, TrainCommand.self, SampleCommand.self, LogprobsCommand.self, EvalCommand.self, ImportCommand.self, ExportCommand.self, RFTCommand.self, BenchCommand.self,
                      LaunchCommand.self, LearnerCommand.self, ActorCommand.self, VerifierCommand.self, KeygenCommand.self, RanksCommand.self, RelayProbeCommand.self])

    static func main() {
        OpenBLASTuning.selectKernels()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
