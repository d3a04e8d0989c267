import CLZ4

/// LZ4 block compression (liblz4). The frame header carries the uncompressed size.
public enum LZ4 {
    /// Compressed bytes, or nil when compression would not make the data smaller.
    public static func compress(_ input: [UInt8]) -> [UInt8]? {
        guard !input.isEmpty, input.count <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        var out = [UInt8](repeating: 0, count: bound)
        let n = input.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                LZ4_compress_default(src.baseAddress!.assumingMemoryBound(to: CChar.self),
                                     dst.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(input.count), Int32(bound))
            }
        }
        guard n > 0, Int(n) < input.count else { return nil }
        out.removeLast(bound - Int(n))
        return out
    }

    /// Decompresses exactly `size` bytes; throws on any corruption (liblz4's safe decoder never reads or writes out of bounds).
    public static func decompress(_ input: UnsafeRawBufferPointer, size: Int) throws -> [UInt8] {
        guard size > 0, input.count > 0, input.count <= Int(Int32.max) else { throw WireError.decompressionFailed }
        var out = [UInt8](repeating: 0, count: size)
        let n = out.withUnsafeMutableBytes { dst in
            LZ4_decompress_safe(input.baseAddress!.assumingMemoryBound(to: CChar.self),
                                dst.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(input.count), Int32(size))
        }
        guard n == Int32(size) else { throw WireError.decompressionFailed }
        return out
    }
}
