import Benchmarks
import TinyGPT
let r = try TrainingBenchmark.run(config: GPTConfig(vocabSize: 303), batch: 64, seq: 64, steps: 10)
print(r.tokensPerSecond, r.median)
