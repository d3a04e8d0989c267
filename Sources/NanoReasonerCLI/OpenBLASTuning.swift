import Foundation

/// Debian's OpenBLAS (0.3.21) predates AMD Zen 4/5: on those CPUs it falls back to
/// its AVX2 "Haswell" kernels (and this project's machine image pins
/// OPENBLAS_CORETYPE=Haswell), although the CPU has AVX-512. OpenBLAS reads the
/// variable once, when it is loaded, so we set it and re-exec ourselves.
/// Measured on the 2-core EPYC we develop on: ≈1.3× training throughput.
///
/// NANOREASONER_BLAS_CORETYPE chooses: `auto` (default: SKYLAKEX kernels when the CPU
/// has AVX-512, otherwise leave OpenBLAS alone), `inherit` (respect OPENBLAS_CORETYPE
/// as set), or any OpenBLAS core name.
enum OpenBLASTuning {
    static let reexecMarker = "NANOREASONER_BLAS_SELECTED"

    static func selectKernels() {
        let env = ProcessInfo.processInfo.environment
        guard env[reexecMarker] == nil else { return }
        let choice = env["NANOREASONER_BLAS_CORETYPE"] ?? "auto"
        let wanted: String
        switch choice {
        case "inherit": return
        case "auto":
            guard hasAVX512() else { return }
            wanted = "SKYLAKEX"
        default: wanted = choice
        }
        if env["OPENBLAS_CORETYPE"] == wanted { return }
        setenv("OPENBLAS_CORETYPE", wanted, 1)
        setenv(reexecMarker, "1", 1)
        let args = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", args)
        // execv returns only on failure: carry on with the kernels already loaded.
    }

    private static func hasAVX512() -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let have = Set(flags.split(separator: " ").map(String.init))
        return ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(have.contains)
    }
}
