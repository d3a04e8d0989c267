// swift-tools-version:6.0
import PackageDescription

// The module map (what each module is for) is in the README; `make test` checks that it and
// these dependency lists agree, and that each list equals the module's imports.
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
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "nanoreasoner", targets: ["NanoReasonerCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CZMQ", path: "Sources/CZMQ"),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4"),
        .systemLibrary(name: "CProcessControl", path: "Sources/CProcessControl"),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "CCRC32C"),
        .target(name: "Plots"),
        .target(name: "Completions", swiftSettings: release),
        .target(name: "Wire", dependencies: ["CLZ4", "CCRC32C", "Verifier", "Completions"], swiftSettings: release),
        .target(name: "Transport", dependencies: ["CZMQ", "CProcessControl", "Wire"], swiftSettings: release),
        .target(name: "Kernels", dependencies: ["CBLAS"], swiftSettings: release),
        .target(name: "ModelFiles", swiftSettings: release),
        .target(name: "BPE", swiftSettings: release),
        .target(name: "TinyGPT", dependencies: ["Kernels", "ModelFiles"], swiftSettings: release),
        .target(name: "Llama", dependencies: ["Kernels", "ModelFiles"], swiftSettings: release),
        .target(name: "Sampler", dependencies: ["TinyGPT", "Llama", "Kernels", "Completions"], swiftSettings: release),
        .target(name: "Tasks", swiftSettings: release),
        .target(name: "Verifier", swiftSettings: release),
        .target(name: "RL", dependencies: ["Kernels"], swiftSettings: release),
        .target(name: "Ranks", dependencies: ["CMPI"], swiftSettings: release),
        .target(name: "Policy", dependencies: ["BPE", "Kernels", "Llama", "ModelFiles", "Tasks", "TinyGPT"], swiftSettings: release),
        .target(name: "Eval", dependencies: ["Sampler", "Tasks", "Verifier", "TinyGPT", "Kernels", "Plots"], swiftSettings: release),
        .target(name: "Worker", dependencies: ["Transport", "Wire", "Sampler", "Policy", "Verifier", "Kernels"], swiftSettings: release),
        .target(name: "Trainer", dependencies: ["RL", "Ranks", "Wire", "Sampler", "Tasks", "Verifier", "Eval", "Policy", "TinyGPT", "Kernels", "Plots", "Completions"],
                swiftSettings: release),
        .target(name: "Pretrain", dependencies: ["TinyGPT", "Tasks", "Kernels"], swiftSettings: release),
        .target(name: "Cluster", dependencies: ["Trainer", "Pretrain", "Worker", "Policy", "Tasks", "TinyGPT", "Kernels", "Verifier", "Wire", .product(name: "Yams", package: "Yams")],
                swiftSettings: release),
        .target(name: "Learner", dependencies: ["Cluster", "Ranks", "Trainer", "Worker", "Transport", "Wire", "CZMQ", "Tasks", "Policy", "Kernels", "Completions", "Verifier"],
                swiftSettings: release),
        .target(name: "Telemetry", dependencies: ["Trainer", .product(name: "Prometheus", package: "swift-prometheus"),
                                                  .product(name: "Hummingbird", package: "hummingbird"),
                                                  .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
                swiftSettings: release),
        .target(name: "Actor", dependencies: ["Worker", "Transport", "Wire", "Sampler", "Policy", "Kernels", "Completions"], swiftSettings: release),
        .target(name: "VerifierWorker", dependencies: ["Worker", "Transport", "Wire", "Verifier"], swiftSettings: release),
        .target(name: "Launcher", swiftSettings: release),
        .target(name: "Benchmarks", dependencies: ["CBLAS", "TinyGPT", "Llama", "Sampler", "Kernels", "Wire", "Transport", "Tasks", "Verifier", "Trainer", "Pretrain", "Cluster",
                                                   "Launcher", "Worker"],
                swiftSettings: release),
        .target(name: "Scaling", dependencies: ["Benchmarks", "Launcher", "Plots", "Tasks", "TinyGPT", "Trainer", "Wire"], swiftSettings: release),
        .executableTarget(
            name: "NanoReasonerCLI",
            dependencies: [
                "TinyGPT", "Tasks", "Sampler", "Eval", "Policy", "ModelFiles", "Pretrain", "Trainer", "Benchmarks", "Scaling", "Kernels", "Cluster", "Learner", "Actor", "VerifierWorker", "Worker", "Launcher", "Plots", "Telemetry", "Ranks", "Completions", "Verifier",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: release),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Verifier", "Completions"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Wire"]),
        .testTarget(name: "LearnerTests", dependencies: ["Learner", "Transport", "Wire", "Policy", "Llama", "TinyGPT"]),
        .testTarget(name: "LauncherTests", dependencies: ["Trainer", "Launcher"]),
        .testTarget(name: "PackageTests"),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "Trainer"]),
        .testTarget(name: "ActorTests", dependencies: ["Actor", "Policy", "TinyGPT"]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "Transport", "Wire", "Sampler", "TinyGPT", "Verifier", "Policy"]),
        .testTarget(name: "InProcessClusterTests", dependencies: ["Actor", "Cluster", "Learner", "Policy", "Tasks", "TinyGPT", "Trainer", "Transport", "VerifierWorker", "Worker"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "TinyGPTTests", dependencies: ["TinyGPT", "Kernels", "ModelFiles"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles"]),
        .testTarget(name: "BPETests", dependencies: ["BPE"]),
        .testTarget(name: "LlamaTests", dependencies: ["Llama", "ModelFiles", "Kernels"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "Sampler", "Kernels", "BPE"]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks"]),
        .testTarget(name: "VerifierTests", dependencies: ["Verifier", "Tasks"]),
        .testTarget(name: "RLTests", dependencies: ["RL", "Kernels", "Llama", "TinyGPT"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer", "Ranks", "Tasks", "TinyGPT", "Sampler", "Verifier", "Plots", "Completions", "Kernels", "Policy", "Llama"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Trainer", "Tasks"]),
        .testTarget(name: "EvalTests", dependencies: ["Eval"]),
        .testTarget(name: "SamplerTests", dependencies: ["Sampler", "TinyGPT", "Llama", "Kernels", "Completions"]),
        .testTarget(name: "PretrainTests", dependencies: ["Pretrain", "TinyGPT", "Tasks"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "Scaling", "Wire", "TinyGPT", "Completions"]),
    ],
    // Kernels share raw buffers across Dispatch workers; Swift 5 mode keeps that readable.
    swiftLanguageModes: [.v5]
)
