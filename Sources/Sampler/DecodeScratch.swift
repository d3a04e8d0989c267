import Kernels
import TinyGPT

/// A token being pushed through the model: where it sits and what it may attend to.
struct Query {
    var token: Int32
    var position: Int
    var prompt: Int
    /// −1 while prefilling the prompt; otherwise the generated row it belongs to.
    var row: Int
    /// Keys visible in the prompt's cache and in the row's own cache.
    var promptVisible: Int
    var rowVisible: Int
}

/// Activation buffers for up to `capacity` query rows, `picks` of them with logits, reused across steps.
final class DecodeScratch {
    let capacity: Int, picks: Int
    let x, ln, qkv, atty, proj, fch, fchGelu, mean, rstd, lnf, logits: UnsafeMutablePointer<Float>
    private let storage: FloatBuffer

    init(config c: GPTConfig, capacity Q: Int, picks P: Int) {
        capacity = Q
        picks = P
        let C = c.width
        let sizes = [Q * C, Q * C, Q * 3 * C, Q * C, Q * C, Q * 4 * C, Q * 4 * C, Q, Q, P * C, P * c.vocabSize]
        storage = FloatBuffer(count: sizes.reduce(0, +))
        let ptrs = storage.slices(sizes)
        (x, ln, qkv, atty, proj, fch, fchGelu) = (ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6])
        (mean, rstd, lnf, logits) = (ptrs[7], ptrs[8], ptrs[9], ptrs[10])
    }
}
