import Foundation

/// A JSON-lines file with one object per step (`{"step": N, …}`). A run started afresh
/// starts it empty; a resumed run keeps the lines up to the step it resumes at and drops
/// the rest (steps after the checkpoint that the crash undid), so the file is the history
/// of the weights it continues from.
final class StepLog {
    private let handle: FileHandle

    init(path: String, resumingAt step: Int) throws {
        var kept = Data()
        if step > 0, let old = FileManager.default.contents(atPath: path) {
            for line in old.split(separator: UInt8(ascii: "\n")) {
                guard let o = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                      let s = o["step"] as? Int, s <= step else { continue }
                kept += line + [UInt8(ascii: "\n")]
            }
        }
        guard FileManager.default.createFile(atPath: path, contents: kept), let h = FileHandle(forWritingAtPath: path) else {
            throw TrainerError.cannotWrite(path)
        }
        h.seekToEndOfFile()
        handle = h
    }

    func write(_ line: Data) { handle.write(line + Data("\n".utf8)) }
    func close() { handle.closeFile() }
}
