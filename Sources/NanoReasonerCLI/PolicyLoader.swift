import ArgumentParser
import Foundation
import Tasks
import TinyGPT

/// Loads a checkpoint's model and tokenizer. Accepts the checkpoint directory
/// itself or a run directory holding `checkpoint/`.
func loadPolicy(_ path: String) throws -> (GPT, Tokenizer) {
    var dir = path
    let nested = (path as NSString).appendingPathComponent("checkpoint")
    if !FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(Checkpoint.configFile)),
       FileManager.default.fileExists(atPath: (nested as NSString).appendingPathComponent(Checkpoint.configFile)) {
        dir = nested
    }
    let model = try Checkpoint.loadModel(from: dir)
    let tokenizer = try Tokenizer.load(checkpoint: dir)
    guard tokenizer.vocabSize == model.config.vocabSize else {
        throw ValidationError("\(dir): tokenizer has \(tokenizer.vocabSize) tokens but the model's vocab_size is \(model.config.vocabSize)")
    }
    return (model, tokenizer)
}
