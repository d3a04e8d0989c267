/// out = a + b, element-wise.
public func residual_forward(
    _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, N: Int
) {
    Parallel.forChunks(N, minChunk: 1 << 16) { r in
        for i in r { out[i] = a[i] + b[i] }
    }
}
