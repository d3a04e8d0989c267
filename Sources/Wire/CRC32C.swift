import CCRC32C

/// CRC-32C (Castagnoli), the frames' checksum since protocol version 2: the CPU's crc32
/// instruction (SSE4.2) where it has one, three streams at a time, else a table.
public enum CRC32C {
    public static func checksum(_ data: UnsafeRawBufferPointer) -> UInt32 {
        data.isEmpty ? 0 : nr_crc32c(0, data.baseAddress, data.count)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }

    /// True when `checksum` runs on the crc32 instruction.
    public static var hardware: Bool { nr_crc32c_hardware() != 0 }
}
