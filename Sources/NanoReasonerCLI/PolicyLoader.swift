import ArgumentParser
import Cluster
import Pretrain
import Tasks
import TinyGPT

/// Loads a policy for a command, turning file problems into a usage error.
func loadPolicy(_ path: String) throws -> (GPT, Tokenizer) {
    do { return try PolicyFiles.load(path) } catch { throw ValidationError("\(error)") }
}

func taskConfig(of path: String) throws -> ArithmeticConfig {
    do { return try PolicyFiles.taskConfig(of: path) } catch { throw ValidationError("\(error)") }
}

func pretrainConfig(of path: String) throws -> PretrainConfig? {
    do { return try PolicyFiles.pretrainConfig(of: path) } catch { throw ValidationError("\(error)") }
}
