// swift-tools-version:6.0
import PackageDescription

// Module map (imports point one way, down this list):
//   CBLAS / CZMQ / CLZ4   system libraries (OpenBLAS, libzmq, LZ4)
//   Kernels               llm.c-style layer kernels on raw buffers (BLAS for matmuls)
//   TinyGPT               the GPT-2 policy: parameters, forward/backward, AdamW, checkpoints
//   Sampler               batched KV-cache generation with behaviour log-probs
//   Tasks                 tokenizer, the built-in arithmetic task, JSONL user tasks
//   Verifier              rewards: accuracy + format, exact number comparison
//   RL                    advantages (GRPO, Dr.GRPO, RLOO, REINFORCE) and policy losses (clipped+KL, Kimi)
//   Eval                  pass@k / maj@k evaluation on the held-out split
//   Trainer               the single-process RL loop (sample → verify → loss → update → eval)
//   Pretrain              supervised "cold start" on reasoning traces
//   Benchmarks            throughput measurements behind `nanoreasoner bench`
//   NanoReasonerCLI       the `nanoreasoner` executable
import Foundation

/// Haswell-class code (AVX2, FMA) when the building machine has it, like -march=native:
/// our own kernels (GELU, LayerNorm, softmax, decode attention) run ~2× faster than as
/// baseline SSE2; OpenBLAS picks its kernels at run time either way. Set
/// NANOREASONER_PORTABLE=1 to build a binary for machines without AVX2.
let hostHasAVX2: Bool = {
    if Context.environment["NANOREASONER_PORTABLE"].map({ !$0.isEmpty && $0 != "0" }) ?? false { return false }
    #if arch(x86_64) && os(Linux)
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
    let have = Set(flags.split(separator: " ").map(String.init))
    return ["avx2", "fma", "bmi2", "f16c", "movbe"].allSatisfy(have.contains)
    #else
    return false
    #endif
}()
let release: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"] + (hostHasAVX2 ? ["-target-cpu", "haswell"] : []),
                                            .when(configuration: .release))]
    // Swift never fuses a·b + c on its own; kernels ask for it through fma8 where the CPU has it.
    + (hostHasAVX2 ? [.define("NANOREASONER_FMA", .when(configuration: .release))] : [])
    // F16C converts half floats in one instruction: the sampler's key/value cache is stored in halves.
    // (debug builds too, so the tests check the numbers release builds produce).
    + (hostHasAVX2 ? [.define("NANOREASONER_F16C")] : [])

let package = Package(
    name: "NanoReasoner",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nanoreasoner", targets: ["NanoReasonerCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CZMQ", path: "Sources/CZMQ"),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4"),
        .systemLibrary(name: "CProcessControl", path: "Sources/CProcessControl"),
        .target(name: "Plots"),
        .target(name: "Wire", dependencies: ["CLZ4"], swiftSettings: release),
        .target(name: "Transport", dependencies: ["CZMQ", "CProcessControl", "Wire"], swiftSettings: release),
        .target(name: "Kernels", dependencies: ["CBLAS"], swiftSettings: release),
        .target(name: "TinyGPT", dependencies: ["Kernels"], swiftSettings: release),
        .target(name: "Sampler", dependencies: ["TinyGPT", "Kernels"], swiftSettings: release),
        .target(name: "Tasks", swiftSettings: release),
        .target(name: "Verifier", swiftSettings: release),
        .target(name: "RL", dependencies: ["Kernels"], swiftSettings: release),
        .target(name: "Eval", dependencies: ["Sampler", "Tasks", "Verifier", "TinyGPT", "Kernels"], swiftSettings: release),
        .target(name: "Trainer", dependencies: ["RL", "Sampler", "Tasks", "Verifier", "Eval", "TinyGPT", "Kernels"],
                swiftSettings: release),
        .target(name: "Pretrain", dependencies: ["TinyGPT", "Tasks"], swiftSettings: release),
        .target(name: "Cluster", dependencies: ["Trainer", "Pretrain", "Sampler", "Tasks", "TinyGPT", "Verifier", .product(name: "Yams", package: "Yams")],
                swiftSettings: release),
        .target(name: "Learner", dependencies: ["Cluster", "Transport", "Wire", "CZMQ", "Plots", "Trainer", "Eval", "Tasks", "Sampler", "Verifier", "TinyGPT"],
                swiftSettings: release),
        .target(name: "Actor", dependencies: ["Cluster", "Transport", "Wire", "Sampler", "TinyGPT", "Kernels"], swiftSettings: release),
        .target(name: "VerifierWorker", dependencies: ["Cluster", "Transport", "Wire", "Verifier"], swiftSettings: release),
        .target(name: "Launcher", swiftSettings: release),
        .target(name: "Benchmarks", dependencies: ["CBLAS", "TinyGPT", "Sampler", "Kernels", "Wire", "Transport", "Tasks", "Verifier", "Trainer", "Pretrain", "Cluster", "Learner"],
                swiftSettings: release),
        .executableTarget(
            name: "NanoReasonerCLI",
            dependencies: [
                "TinyGPT", "Tasks", "Sampler", "Verifier", "Eval", "Pretrain", "Trainer", "RL", "Benchmarks", "Kernels", "Cluster", "Learner", "Actor", "VerifierWorker", "Launcher", "Plots",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: release),
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Wire"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster"]),
        .testTarget(name: "LearnerTests", dependencies: ["Learner", "Transport", "Wire"]),
        .testTarget(name: "LauncherTests", dependencies: ["Learner"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "TinyGPTTests", dependencies: ["TinyGPT", "Kernels"]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks"]),
        .testTarget(name: "VerifierTests", dependencies: ["Verifier"]),
        .testTarget(name: "RLTests", dependencies: ["RL", "Kernels"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer", "Tasks", "TinyGPT", "Sampler", "Verifier"]),
        .testTarget(name: "EvalTests", dependencies: ["Eval"]),
        .testTarget(name: "SamplerTests", dependencies: ["Sampler", "TinyGPT", "Kernels"]),
        .testTarget(name: "PretrainTests", dependencies: ["Pretrain", "TinyGPT", "Tasks"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "Wire", "TinyGPT"]),
    ],
    // Kernels share raw buffers across Dispatch workers; Swift 5 mode keeps that readable.
    swiftLanguageModes: [.v5]
)
