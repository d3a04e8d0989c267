import Foundation

/// How NanoReasoner starts K processes under Open MPI's `mpirun`: found on the PATH, no
/// binding (the ranks share cores with the actors), oversubscription allowed (K may exceed
/// the cores), and root allowed when we are root. `launch` and `bench --scaling` both use it.
public enum MPIRun {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "Open MPI's mpirun is not installed: apt-get install openmpi-bin libopenmpi-dev (make deps does)" }
    }

    /// `cluster.mpirun_args` as arguments: split at spaces outside quotes, so that
    /// `--mca plm_rsh_agent "ssh -i key"` stays one value. Nil when a quote is not closed.
    public static func words(_ text: String) -> [String]? {
        var out: [String] = [], word = "", quote: Character?, inWord = false
        for ch in text {
            if let q = quote {
                if ch == q { quote = nil } else { word.append(ch) }
            } else if ch == "\"" || ch == "'" {
                quote = ch; inWord = true
            } else if ch == " " || ch == "\t" {
                if inWord { out.append(word); word = ""; inWord = false }
            } else {
                word.append(ch); inWord = true
            }
        }
        guard quote == nil else { return nil }
        if inWord { out.append(word) }
        return out
    }

    /// `mpirun`'s path and its arguments for `ranks` processes of `command`, `extra` (user flags such as `--hostfile F`) before it.
    public static func command(ranks: Int, extra: [String] = [], _ command: [String]) throws -> (executable: String, arguments: [String]) {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map { "\($0)/mpirun" }
        guard let mpirun = path.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { throw Missing() }
        var args = ["-np", String(ranks), "--bind-to", "none", "--oversubscribe"]
        if getuid() == 0 { args.append("--allow-run-as-root") }
        return (mpirun, args + extra + command)
    }
}
