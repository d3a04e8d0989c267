import ArgumentParser
import Cluster
import Tasks
import TinyGPT

/// Loads a policy for a command, turning file problems into a usage error.
func loadPolicy(_ path: String) throws -> (GPT, Tokenizer) {
    do { return try PolicyFiles.load(path) } catch { throw ValidationError("\(error)") }
}

func taskConfig(of path: String) -> ArithmeticConfig { PolicyFiles.taskConfig(of: path) }
