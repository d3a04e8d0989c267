/// Unaligned 8-lane loads and stores, so kernels need no alignment promises.
@inlinable @inline(__always)
public func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
public func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
public func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// a·b + c: one fused instruction when the build targets FMA hardware (NANOREASONER_FMA,
/// set by Package.swift), else a multiply and an add (a fused call would be a slow libm call).
@inlinable @inline(__always)
public func fma8(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> SIMD8<Float> {
    #if NANOREASONER_FMA
    return c.addingProduct(a, b)
    #else
    return c + a * b
    #endif
}

#if NANOREASONER_F16C
// Half floats, for buffers that are bound by their loads (the sampler's key/value cache);
// only where the CPU converts eight of them in one instruction (F16C).

/// Eight halves widened to Float.
@inlinable @inline(__always)
public func load8(_ p: UnsafeMutablePointer<Float16>) -> SIMD8<Float> {
    SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float16>.self))
}

/// Eight Floats rounded to the nearest half and stored.
@inlinable @inline(__always)
public func store8(_ p: UnsafeMutablePointer<Float16>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: SIMD8<Float16>(v), as: SIMD8<Float16>.self)
}
#endif
