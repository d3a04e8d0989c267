/// Keys and values of every layer, for B shared prompts and R generated rows.
///
/// A group's G rows share their prompt's cache (prefilled once); each row only
/// stores the keys and values of its own generated tokens.
final class KVCache {
    let L: Int, C: Int
    let promptCapacity: Int, rowCapacity: Int
    let prompts: Int, rows: Int
    private let promptK, promptV, rowK, rowV: UnsafeMutablePointer<Float>

    init(layers: Int, width: Int, prompts: Int, promptCapacity: Int, rows: Int, rowCapacity: Int) {
        L = layers
        C = width
        self.prompts = prompts
        self.rows = rows
        self.promptCapacity = promptCapacity
        self.rowCapacity = rowCapacity
        let pn = L * prompts * promptCapacity * C, rn = L * rows * rowCapacity * C
        promptK = .allocate(capacity: max(pn, 1)); promptV = .allocate(capacity: max(pn, 1))
        rowK = .allocate(capacity: max(rn, 1)); rowV = .allocate(capacity: max(rn, 1))
    }

    deinit {
        promptK.deallocate(); promptV.deallocate(); rowK.deallocate(); rowV.deallocate()
    }

    @inline(__always)
    func promptSlot(layer l: Int, prompt b: Int) -> (k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>) {
        let o = ((l * prompts) + b) * promptCapacity * C
        return (promptK + o, promptV + o)
    }

    @inline(__always)
    func rowSlot(layer l: Int, row r: Int) -> (k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>) {
        let o = ((l * rows) + r) * rowCapacity * C
        return (rowK + o, rowV + o)
    }
}
