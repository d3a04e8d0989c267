import Foundation

/// Runs a child process with its output in a log file, killing it after a timeout.
public enum Subprocess {
    /// Starts it, its output (stdout and stderr) in `logPath`, and returns at once.
    public static func start(_ executable: String, _ arguments: [String], logPath: String,
                      environment: [String: String] = [:]) throws -> Process {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let logFile = FileHandle(forWritingAtPath: logPath) else { throw BenchError.failed("cannot write \(logPath)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.standardOutput = logFile
        p.standardError = logFile
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw BenchError.failed("cannot start \(executable): \(error)") }
        return p
    }

    /// The exit status; throws when it cannot start or overruns `timeout` seconds (it is then terminated).
    public static func run(_ executable: String, _ arguments: [String], logPath: String, timeout: Double,
                    environment: [String: String] = [:]) throws -> Int32 {
        let p = try start(executable, arguments, logPath: logPath, environment: environment)
        defer { (p.standardOutput as? FileHandle)?.closeFile() }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning {
            if Date() > deadline {
                p.terminate()
                let grace = Date().addingTimeInterval(10)
                while p.isRunning && Date() < grace { Thread.sleep(forTimeInterval: 0.05) }
                if p.isRunning { kill(p.processIdentifier, SIGKILL) }
                throw BenchError.failed("\(executable) \(arguments.first ?? "") did not finish within \(Int(timeout)) s; see \(logPath)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return p.terminationStatus
    }

    /// The last lines of a log, for an error message.
    public static func tail(_ path: String, lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
