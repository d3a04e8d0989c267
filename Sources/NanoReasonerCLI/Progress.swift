import Foundation

/// A one-line progress bar on stderr when it is a terminal, periodic log lines otherwise.
final class ProgressBar {
    let total: Int
    let label: String
    private let tty = isatty(2) != 0
    private let start = Date()
    private var lastPrint = Date.distantPast

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ done: Int, _ status: String) {
        let now = Date()
        let finished = done >= total
        guard finished || now.timeIntervalSince(lastPrint) > (tty ? 0.1 : 5) else { return }
        lastPrint = now
        let frac = total > 0 ? Double(done) / Double(total) : 1
        let elapsed = now.timeIntervalSince(start)
        let eta = frac > 0 ? elapsed / frac - elapsed : 0
        let width = 24
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = "\(label) [\(bar)] \(done)/\(total) \(status) \(Self.clock(elapsed)) eta \(Self.clock(eta))"
        if tty {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line + (finished ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}

func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Pretty JSON on stdout for `--json`.
func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}
