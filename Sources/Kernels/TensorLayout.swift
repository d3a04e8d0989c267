/// A model family's parameter tensors, in the order they sit in its flat buffer.
public protocol ModelTensor: CaseIterable, Sendable where AllCases == [Self] {
    associatedtype Config: Sendable
    /// Position in `allCases` (the tensor's index in the layout).
    var rawValue: Int { get }
    /// Shape of one layer's slice (or of the whole tensor for a tensor outside the layers).
    func shape(_ config: Config) -> [Int]
    /// One slice per layer, stacked over the layers (llm.c style).
    var isPerLayer: Bool { get }
    /// AdamW decays it (matrices), or not (norms, biases).
    var decays: Bool { get }
    static func layers(_ config: Config) -> Int
}

/// Offsets of every tensor of a model inside one flat buffer. Parameters, gradients and both
/// AdamW moments share it; a per-layer tensor's slice for layer l is at l × its slice size.
public struct TensorLayout<Tensor: ModelTensor>: Sendable {
    public let config: Tensor.Config
    public let offsets: [Int]
    public let sliceSizes: [Int]
    public let count: Int

    public init(_ config: Tensor.Config) {
        self.config = config
        let layers = Tensor.layers(config)
        var offs: [Int] = [], slices: [Int] = [], total = 0
        for t in Tensor.allCases {
            let slice = t.shape(config).reduce(1, *)
            offs.append(total)
            slices.append(slice)
            total += slice * (t.isPerLayer ? layers : 1)
        }
        offsets = offs
        sliceSizes = slices
        count = total
    }

    /// Offset of `tensor` (of layer `layer`'s slice for per-layer tensors).
    @inline(__always)
    public func offset(_ tensor: Tensor, layer: Int = 0) -> Int {
        offsets[tensor.rawValue] + layer * sliceSizes[tensor.rawValue]
    }

    /// Total element count of `tensor` across all layers.
    public func size(_ tensor: Tensor) -> Int {
        sliceSizes[tensor.rawValue] * (tensor.isPerLayer ? Tensor.layers(config) : 1)
    }

    /// Each tensor's range of the buffer and whether AdamW decays it.
    public var decayRanges: [(range: Range<Int>, decays: Bool)] {
        Tensor.allCases.map { t in (offset(t)..<(offset(t) + size(t)), t.decays) }
    }
}
