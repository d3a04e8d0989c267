/// A flat, owned Float buffer (parameters, gradients, optimizer moments).
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public func copy(from other: FloatBuffer) {
        precondition(other.count == count)
        pointer.update(from: other.pointer, count: count)
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Consecutive slices of the given sizes, from the start (activation buffers carve one allocation).
    public func slices(_ sizes: [Int]) -> [UnsafeMutablePointer<Float>] {
        precondition(sizes.reduce(0, +) <= count, "slices exceed the buffer")
        var p = pointer
        return sizes.map { s in defer { p += s }; return p }
    }
}
