import ArgumentParser
import Cluster
import Pretrain
import Tasks
import TinyGPT

/// Loads a policy for a command, turning file problems into a usage error.
func loadPolicy(_ path: String) throws -> (GPT, Tokenizer) {
    do { return try PolicyFiles.load(path) } catch { throw ValidationError("\(error)") }
}

/// A policy's tokenizer alone (its weights are not read).
func loadTokenizer(_ path: String) throws -> Tokenizer {
    do { return try Tokenizer.load(checkpoint: PolicyFiles.checkpointDir(path)) } catch { throw ValidationError("\(error)") }
}

func problemSet(of path: String) throws -> any ProblemSet {
    do { return try PolicyFiles.problemSet(of: path) } catch { throw ValidationError("\(error)") }
}

func pretrainConfig(of path: String) throws -> PretrainConfig? {
    do { return try PolicyFiles.pretrainConfig(of: path) } catch { throw ValidationError("\(error)") }
}
