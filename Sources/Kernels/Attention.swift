import CBLAS

// Causal multi-head self-attention on a fused qkv buffer [N, stride] (q, k, v side by side per
// position, heads side by side inside each), over the spans of an `AttentionLayout`: a span's
// prefix attends to itself, each branch to the prefix and to itself. Every block is a few small
// GEMMs; the (span, key/value head) pairs run on all cores at once, each writing only its own span.
// With grouped-query attention (Llama, Qwen2) each key/value head serves `heads / kvHeads` query heads.

/// The heads of one attention layer: GPT-2 has as many key/value heads as query heads.
public struct AttentionHeads: Equatable, Sendable {
    public let heads: Int, kvHeads: Int, headSize: Int

    public init(heads: Int, kvHeads: Int, headSize: Int) {
        precondition(heads % kvHeads == 0, "query heads must be a multiple of key/value heads")
        self.heads = heads
        self.kvHeads = kvHeads
        self.headSize = headSize
    }

    /// GPT-2's: NH heads of C / NH, as many keys as queries.
    public init(width C: Int, heads NH: Int) { self.init(heads: NH, kvHeads: NH, headSize: C / NH) }

    public var qWidth: Int { heads * headSize }
    public var kvWidth: Int { kvHeads * headSize }
    /// Floats per position of the fused qkv buffer.
    public var stride: Int { qWidth + 2 * kvWidth }
    /// Query heads per key/value head.
    public var group: Int { heads / kvHeads }
}

/// One head's rows of q, k and v (or of their gradients) from position `at`: `stride` apart.
private struct HeadRows {
    let q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>

    init(_ qkv: UnsafeMutablePointer<Float>, at position: Int, head h: Int, _ a: AttentionHeads) {
        let row = qkv + position * a.stride
        q = row + h * a.headSize
        k = row + a.qWidth + (h / a.group) * a.headSize
        v = k + a.kvWidth
    }
}

/// out[N,C] = softmax(q·kᵀ/√hs + mask)·v; saves the weights (post-softmax) in `att`
/// [NH · layout.weightsPerHead], laid out as `AttentionLayout` says.
public func attention_forward(
    _ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
    _ qkv: UnsafePointer<Float>, layout: AttentionLayout, C: Int, NH: Int
) {
    attention_forward(out, att, qkv, layout: layout, heads: AttentionHeads(width: C, heads: NH))
}

/// out[N, qWidth] = per query head softmax(q·kᵀ/√hs + mask)·v of its key/value head; saves the
/// weights in `att` [heads · layout.weightsPerHead].
public func attention_forward(
    _ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
    _ qkv: UnsafePointer<Float>, layout: AttentionLayout, heads a: AttentionHeads
) {
    let qkv = UnsafeMutablePointer(mutating: qkv)
    let NH = a.heads
    GEMM.prepare()
    DispatchPerform.run(layout.spans.count * NH) { sh in
        let s = layout.spans[sh / NH], h = sh % NH
        let prefix = HeadRows(qkv, at: s.start, head: h, a)
        forEachBlock(s, head: h, NH: NH) { position, P, L, offset in
            branch_forward(out + position * a.qWidth + h * a.headSize, att + offset, HeadRows(qkv, at: position, head: h, a),
                           prefix: prefix, P: P, L: L, a)
        }
    }
}

/// Span `s`'s blocks for head `h` in order: its prefix (a branch of an empty prefix), then
/// each branch, as (first position, prefix rows it attends to, rows, offset of its weights).
@inline(__always)
private func forEachBlock(_ s: AttentionLayout.Span, head h: Int, NH: Int, _ body: (Int, Int, Int, Int) -> Void) {
    var offset = NH * s.weightOffset + h * s.weights
    body(s.start, 0, s.prefix, offset)
    offset += s.prefix * s.prefix
    var position = s.start + s.prefix
    for L in s.branches {
        body(position, s.prefix, L, offset)
        offset += L * (s.prefix + L)
        position += L
    }
}

/// L rows attending to P prefix rows and causally to themselves: weights a[L, P + L].
private func branch_forward(_ out: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>, _ rows: HeadRows,
                            prefix: HeadRows, P: Int, L: Int, _ heads: AttentionHeads) {
    guard L > 0 else { return }
    let hs = heads.headSize, scale = 1 / Float(hs).squareRoot(), ld = Int32(heads.stride), W = P + L
    let C = heads.qWidth
    let (l32, p32, w32, hs32) = (Int32(L), Int32(P), Int32(W), Int32(hs))
    if P > 0 {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l32, p32, hs32, scale, rows.q, ld, prefix.k, ld, 0, a, w32)
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l32, l32, hs32, scale, rows.q, ld, rows.k, ld, 0, a + P, w32)
    for t in 0..<L { causalSoftmaxRow(a + t * W, count: P + t + 1, width: W) }
    if P > 0 {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l32, hs32, p32, 1, a, w32, prefix.v, ld, 0, out, Int32(C))
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l32, hs32, l32, 1, a + P, w32, rows.v, ld, P > 0 ? 1 : 0,
                out, Int32(C))
}

/// Softmax over row[0..<count]; zeroes row[count..<width] (the future).
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, width: Int) {
    let mx = rowMax(row, count)
    let sum = expShifted(row, row, count, shift: mx)
    let inv = 1 / sum
    for i in 0..<count { row[i] *= inv }
    if count < width { (row + count).update(repeating: 0, count: width - count) }
}

/// Writes dqkv (overwrites) from dout, given the saved weights `att`. `scratch` needs as
/// many floats as `att` (one block per (span, head), so they run in parallel).
public func attention_backward(
    _ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ att: UnsafePointer<Float>,
    layout: AttentionLayout, C: Int, NH: Int
) {
    attention_backward(dqkv, scratch, dout, qkv, att, layout: layout, heads: AttentionHeads(width: C, heads: NH))
}

/// `attention_backward` with grouped-query heads: the query heads of one key/value head run
/// one after another on one worker, the first writing the shared dk and dv, the rest adding.
public func attention_backward(
    _ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ att: UnsafePointer<Float>,
    layout: AttentionLayout, heads a: AttentionHeads
) {
    let qkv = UnsafeMutablePointer(mutating: qkv)
    let NH = a.heads, KV = a.kvHeads
    GEMM.prepare()
    DispatchPerform.run(layout.spans.count * KV) { sk in
        let s = layout.spans[sk / KV], kv = sk % KV
        for h in (kv * a.group)..<((kv + 1) * a.group) {
            let prefix = HeadRows(qkv, at: s.start, head: h, a)
            let dprefix = HeadRows(dqkv, at: s.start, head: h, a)
            // The prefix first: it writes its gradients, the branches then add theirs to its k and v.
            forEachBlock(s, head: h, NH: NH) { position, P, L, offset in
                branch_backward(Branch(rows: HeadRows(qkv, at: position, head: h, a),
                                       grads: HeadRows(dqkv, at: position, head: h, a),
                                       a: UnsafeMutablePointer(mutating: att) + offset, da: scratch + offset,
                                       dout: dout + position * a.qWidth + h * a.headSize),
                                prefix: prefix, dprefix: dprefix, P: P, L: L, a, addKV: h > kv * a.group)
            }
        }
    }
}

/// What one branch's backward reads and writes.
private struct Branch {
    let rows: HeadRows, grads: HeadRows
    let a: UnsafeMutablePointer<Float>, da: UnsafeMutablePointer<Float>
    let dout: UnsafePointer<Float>
}

/// The backward of `branch_forward`: overwrites the branch's dq, and its dk, dv unless `addKV`
/// (a later head of the same key/value head); adds into the prefix's dk, dv.
private func branch_backward(_ b: Branch, prefix: HeadRows, dprefix: HeadRows, P: Int, L: Int, _ heads: AttentionHeads,
                             addKV: Bool) {
    guard L > 0 else { return }
    let hs = heads.headSize, scale = 1 / Float(hs).squareRoot(), ld = Int32(heads.stride), W = P + L
    let C = heads.qWidth, kvBeta: Float = addKV ? 1 : 0
    let (l32, p32, w32, hs32, c32) = (Int32(L), Int32(P), Int32(W), Int32(hs), Int32(C))
    let (a, da) = (b.a, b.da)
    // datt = dO · vᵀ ;  dv = attᵀ · dO
    if P > 0 {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l32, p32, hs32, 1, b.dout, c32, prefix.v, ld, 0, da, w32)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p32, hs32, l32, 1, a, w32, b.dout, c32, 1, dprefix.v, ld)
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l32, l32, hs32, 1, b.dout, c32, b.rows.v, ld, 0, da + P, w32)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l32, hs32, l32, 1, a + P, w32, b.dout, c32, kvBeta, b.grads.v, ld)
    // softmax backward, in place: dpre = att ⊙ (datt − Σ att·datt)
    for t in 0..<L {
        let ar = a + t * W, dr = da + t * W, count = P + t + 1
        var dot: Float = 0
        for j in 0..<count { dot += ar[j] * dr[j] }
        for j in 0..<count { dr[j] = ar[j] * (dr[j] - dot) }
        for j in count..<W { dr[j] = 0 }
    }
    // dq = scale · dpre · k ;  dk = scale · dpreᵀ · q
    if P > 0 {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l32, hs32, p32, scale, da, w32, prefix.k, ld, 0, b.grads.q, ld)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p32, hs32, l32, scale, da, w32, b.rows.q, ld, 1, dprefix.k, ld)
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l32, hs32, l32, scale, da + P, w32, b.rows.k, ld, P > 0 ? 1 : 0,
                b.grads.q, ld)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l32, hs32, l32, scale, da + P, w32, b.rows.q, ld, kvBeta, b.grads.k, ld)
}
