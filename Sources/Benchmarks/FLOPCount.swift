import TinyGPT

/// Floating-point operation counts of the policy, the convention behind every GFLOP/s figure.
///
/// - Matmul weights per token: N = 12·L·d² (QKV 3d², attention projection d², MLP 4d² + 4d²)
///   plus the tied LM head V·d. Embedding lookups, biases, layer norms, GELU, softmax and the
///   AdamW update (≈10 FLOPs per parameter per step) are left out: they are < 2 % here.
/// - Forward of one token that attends to k keys: 2·N + 4·L·d·k (QKᵀ and att·V, 2·d·k each).
/// - Training: backward = 2 × forward, so 3 × forward; in a causal sequence of T tokens token t
///   attends t+1 keys, giving 3·B·(2·N·T + 4·L·d·T(T+1)/2) per step of B sequences (≈ 6·N per token).
/// - Sampling: prefill counts a full forward per prompt token (causal), then new token i of a
///   row with P prompt tokens attends P+i+1 keys (KV cache): 2·N + 4·L·d·(P+i+1) each.
public enum FLOPCount {
    /// The convention in one line, for reports.
    public static let convention = "N = 12·L·d² + V·d matmul weights; forward 2N + 4·L·d·keys per token; "
        + "training 3× forward over causal sequences (≈6N per token); sampling: causal prefill, then 2N + 4·L·d·position per new token; "
        + "peak = the better median of a 1024³ sgemm (2n³) through GEMM.sgemm and through threaded OpenBLAS"

    /// Weights that take part in a matmul for every token (see the type's documentation).
    public static func matmulParameters(_ c: GPTConfig) -> Int {
        12 * c.layers * c.width * c.width + c.vocabSize * c.width
    }

    /// Forward FLOPs of one token attending to `keys` positions.
    public static func forwardPerToken(_ c: GPTConfig, keys: Int) -> Double {
        2 * Double(matmulParameters(c)) + 4 * Double(c.layers * c.width) * Double(keys)
    }

    /// Forward FLOPs of one causal sequence of `T` tokens.
    public static func causalForward(_ c: GPTConfig, tokens T: Int) -> Double {
        guard T > 0 else { return 0 }
        return 2 * Double(matmulParameters(c)) * Double(T) + 4 * Double(c.layers * c.width) * Double(T) * Double(T + 1) / 2
    }

    /// Forward + backward FLOPs of one training step on `batch` sequences of `seq` tokens.
    public static func trainingStep(_ c: GPTConfig, batch: Int, seq: Int) -> Double {
        3 * Double(max(batch, 0)) * causalForward(c, tokens: seq)
    }

    /// FLOPs of sampling `newTokens` after a `promptLength`-token prompt, for `rows` rows with their own prompts.
    public static func sampling(_ c: GPTConfig, rows: Int, promptLength P: Int, newTokens M: Int) -> Double {
        guard rows > 0, M > 0 else { return Double(max(rows, 0)) * causalForward(c, tokens: P) }
        let decode = 2 * Double(matmulParameters(c)) * Double(M)
            + 4 * Double(c.layers * c.width) * (Double(M) * Double(P + 1) + Double(M) * Double(M - 1) / 2)
        return Double(rows) * (causalForward(c, tokens: P) + decode)
    }
}
