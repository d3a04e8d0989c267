import Foundation

/// A checkpoint folder replaced whole: its files are written into a temporary folder beside
/// it, which is then renamed into place, so a crash or a full disk mid-save leaves the
/// previous checkpoint as it was.
public enum CheckpointFolder {
    /// Writes `files` (name → bytes) as the folder `dir`, replacing what was there.
    public static func write(_ files: [String: Data], to dir: String) throws {
        let fm = FileManager.default
        let final = URL(fileURLWithPath: dir).standardizedFileURL
        let tmp = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).tmp-\(getpid())")
        try? fm.removeItem(at: tmp)
        do {
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            for (name, data) in files { try data.write(to: tmp.appendingPathComponent(name)) }
        } catch {
            try? fm.removeItem(at: tmp)
            throw ModelFileError(tmp.path, "could not write the checkpoint (\(error.localizedDescription)); check free disk space and permissions")
        }
        let old = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).old-\(getpid())")
        do {
            if fm.fileExists(atPath: final.path) { try fm.moveItem(at: final, to: old) }
            try fm.moveItem(at: tmp, to: final)
        } catch {
            throw ModelFileError(final.path, "could not move the new checkpoint into place (\(error.localizedDescription))")
        }
        try? fm.removeItem(at: old)
    }
}
