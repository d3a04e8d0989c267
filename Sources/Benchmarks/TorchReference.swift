import Foundation

/// The PyTorch side of the comparison: scripts/torch_train_bench.py run with `python`, one JSON object back.
public struct TorchReference {
    public var python: String
    public var script: String

    public init(python: String, script: String = "scripts/torch_train_bench.py") {
        self.python = python
        self.script = script
    }

    /// The script's JSON, or why there is none (torch missing, script missing, a failure).
    public func run(_ arguments: [String], timeout: Double = 300) -> Result<[String: Any], BenchError> {
        guard FileManager.default.fileExists(atPath: script) else {
            return .failure(.failed("\(script) not found (run bench from the repository root)"))
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, script] + arguments + ["--json"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return .failure(.failed("could not run \(python): \(error)")) }
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: .now() + timeout)
        timer.setEventHandler { if p.isRunning { p.terminate() } }
        timer.resume()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        timer.cancel()
        if p.terminationStatus == 3 || p.terminationStatus == 127 {
            return .failure(.failed("PyTorch is not installed for \(python): run `make torch` (pip install torch transformers safetensors)"))
        }
        guard p.terminationStatus == 0, let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return .failure(.failed("\(script) \(arguments.prefix(2).joined(separator: " ")) failed with status \(p.terminationStatus)"))
        }
        return .success(obj)
    }

    /// A list of per-repeat rates from the script's JSON as `Stats`.
    public static func stats(_ obj: [String: Any], _ key: String) -> Stats? {
        guard let list = obj[key] as? [Double], !list.isEmpty else { return nil }
        return Stats(list)
    }
}
