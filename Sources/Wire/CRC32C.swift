import CCRC32C

/// CRC-32C (Castagnoli), the frames' checksum since protocol version 2: the CPU's crc32
/// instruction (SSE4.2) where it has one, three streams at a time, else a table.
public enum CRC32C {
    /// The checksum of `data`, continuing from `crc` (a checksum of what came before it).
    public static func checksum(_ data: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        data.isEmpty ? crc : nr_crc32c(crc, data.baseAddress, data.count)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }

    /// Copies `count` bytes from `source` to `destination` and returns the checksum continued
    /// over them from `crc`, in one pass over the memory (the weights' floats, both ways).
    public static func copy(_ destination: UnsafeMutableRawPointer, from source: UnsafeRawPointer, count: Int,
                            continuing crc: UInt32 = 0) -> UInt32 {
        count == 0 ? crc : nr_crc32c_copy(crc, destination, source, count)
    }

    /// True when `checksum` runs on the crc32 instruction.
    public static var hardware: Bool { nr_crc32c_hardware() != 0 }
}
