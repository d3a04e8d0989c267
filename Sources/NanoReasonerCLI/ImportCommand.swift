import ArgumentParser
import Foundation
import ModelFiles

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn a GGUF file (llama.cpp's) into a Hugging Face folder that sample, eval and train read.",
        discussion: "Llama and Qwen2 architectures; F32, F16, BF16, Q8_0, Q4_0 and Q4_1 tensors, dequantised to fp32.")

    @Argument(help: "The .gguf file.") var gguf: String
    @Option(help: "The folder to write (config.json, model.safetensors, tokenizer.json, tokenizer_config.json).") var out: String
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() throws {
        let summary: GGUFImport.Summary
        var bar: ProgressBar?
        do {
            summary = try GGUFImport.run(gguf: gguf, out: out) { done, total, _ in
                if bar == nil { bar = ProgressBar(total: total, label: "import") }
                bar?.update(done, "tensors")
            }
        } catch {
            throw ValidationError("\(error)")
        }
        if json { try printJSON(summary) } else { print("imported \(summary) into \(out)") }
    }
}
