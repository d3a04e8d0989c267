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

    /// `buffer` when it holds at least `count` floats, else a new one, the old let go before
    /// its successor is allocated (both at once would be a large buffer's peak twice over).
    /// `buffer` is left holding the result; a caller with a second reference drops it first.
    public static func reuse(_ buffer: inout FloatBuffer?, atLeast count: Int) -> FloatBuffer {
        if let b = buffer, b.count >= count { return b }
        buffer = nil
        let b = FloatBuffer(count: count)
        buffer = b
        return b
    }

    /// Consecutive slices of the given sizes, from the start (activation buffers carve one allocation).
    public func slices(_ sizes: [Int]) -> [UnsafeMutablePointer<Float>] {
        precondition(sizes.reduce(0, +) <= count, "slices exceed the buffer")
        var p = pointer
        return sizes.map { s in defer { p += s }; return p }
    }
}
