/// Why a message was rejected. Every case names what was wrong so the log line says it.
public enum WireError: Error, CustomStringConvertible, Equatable, Sendable {
    case tooShort(Int)
    case badMagic
    case wrongVersion(UInt16)
    case unknownType(UInt8)
    case unknownFlags(UInt8)
    case lengthMismatch(declared: Int, actual: Int)
    case tooLarge(Int, limit: Int)
    case checksumMismatch
    case decompressionFailed
    case truncated(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .tooShort(let n): return "message of \(n) bytes is shorter than the \(Frame.headerSize)-byte header"
        case .badMagic: return "bad magic (not a NanoReasoner message)"
        case .wrongVersion(let v):
            return "protocol version \(v), this build speaks \(Frame.protocolVersion)"
                + (v < Frame.protocolVersion ? " (version 1 checksummed with CRC-32; 2 had no reference log-probs; 3 no relayed weights; 4 no bfloat16 weights): run the same NanoReasoner release on every machine" : "")
        case .unknownType(let t): return "unknown message type \(t)"
        case .unknownFlags(let f): return "unknown flags 0x\(String(f, radix: 16))"
        case .lengthMismatch(let d, let a): return "header declares a \(d)-byte body, message carries \(a)"
        case .tooLarge(let n, let limit): return "payload of \(n) bytes exceeds the \(limit)-byte limit"
        case .checksumMismatch: return "checksum mismatch (corrupted body)"
        case .decompressionFailed: return "LZ4 decompression failed (corrupted body)"
        case .truncated(let what): return "payload ends inside \(what)"
        case .invalid(let why): return "invalid payload: \(why)"
        }
    }

    /// A short stable name for counters.
    public var counterName: String {
        switch self {
        case .tooShort: return "too_short"
        case .badMagic: return "bad_magic"
        case .wrongVersion: return "wrong_version"
        case .unknownType: return "unknown_type"
        case .unknownFlags: return "unknown_flags"
        case .lengthMismatch: return "length_mismatch"
        case .tooLarge: return "too_large"
        case .checksumMismatch: return "checksum"
        case .decompressionFailed: return "decompression"
        case .truncated: return "truncated"
        case .invalid: return "invalid"
        }
    }
}
