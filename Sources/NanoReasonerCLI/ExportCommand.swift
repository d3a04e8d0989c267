import ArgumentParser
import Foundation
import Kernels
import Policy

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint as a Hugging Face folder (F32 safetensors, config.json, its tokenizer files).")

    @Option(help: "Checkpoint (or run) directory.") var checkpoint: String
    @Option(help: "The folder to write.") var out: String
    @Flag(help: "Print what was written as JSON.") var json = false

    struct Output: Codable {
        var checkpoint: String, out: String, family: String, parameters: Int
    }

    func run() throws {
        let policy = try loadAnyPolicy(checkpoint)
        do { try policy.export(to: out) } catch { throw ValidationError("\(error)") }
        let o = Output(checkpoint: policy.directory, out: out, family: policy.family, parameters: policy.model.parameterCount)
        if json { try printJSON(o) } else { print("exported \(o.family) (\(o.parameters) parameters) from \(o.checkpoint) to \(out)") }
    }
}
