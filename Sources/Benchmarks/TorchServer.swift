import Foundation

/// scripts/torch_train_bench.py kept running with `--serve`: PyTorch is imported and the
/// model warmed up once, then each `measure()` times one repetition. The bench alternates
/// these with its own repetitions, so each ours/theirs pair sees the machine in one state.
final class TorchServer {
    private let process = Process()
    private let input = Pipe(), output = Pipe()
    private var buffer = Data()
    private let timeout: Double

    /// Starts the script; fails with the reason when PyTorch is missing or the script dies.
    init(reference: TorchReference, arguments: [String], timeout: Double = 300) throws {
        self.timeout = timeout
        signal(SIGPIPE, SIG_IGN)  // a script that died makes our write fail, not the bench
        guard FileManager.default.fileExists(atPath: reference.script) else {
            throw BenchError.failed("\(reference.script) not found (run bench from the repository root)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [reference.python, reference.script] + arguments + ["--serve"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw BenchError.failed("could not run \(reference.python): \(error)") }
        guard let ready = try? reply(), ready["ready"] as? Bool == true else {
            process.waitUntilExit()
            if process.terminationStatus == 3 || process.terminationStatus == 127 {
                throw BenchError.failed("PyTorch is not installed for \(reference.python): run `make torch` (pip install torch transformers safetensors)")
            }
            throw BenchError.failed("\(reference.script) \(arguments.prefix(2).joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }

    /// Times one repetition on the PyTorch side; its rate (tokens/s).
    func measure() throws -> Double { try measureReply().rate }

    /// One repetition: its rate and the script's whole reply (peak memory, what else it timed).
    func measureReply() throws -> (rate: Double, reply: [String: Any]) {
        do { try input.fileHandleForWriting.write(contentsOf: Data("once\n".utf8)) } catch {
            throw BenchError.failed("the PyTorch script is gone: \(error)")
        }
        let r = try reply()
        guard let rate = r["rate"] as? Double else { throw BenchError.failed("PyTorch reply without a rate") }
        return (rate, r)
    }

    /// Closes its input (the script exits at end of input) and waits for it.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The next JSON line on its stdout; the process is terminated if none comes in time.
    private func reply() throws -> [String: Any] {
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: .now() + timeout)
        timer.setEventHandler { [process] in if process.isRunning { process.terminate() } }
        timer.resume()
        defer { timer.cancel() }
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<nl]
                buffer.removeSubrange(buffer.startIndex...nl)
                guard let obj = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else {
                    throw BenchError.failed("PyTorch replied with something other than JSON")
                }
                return obj
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchError.failed("the PyTorch script exited (status \(process.isRunning ? 0 : process.terminationStatus))") }
            buffer.append(chunk)
        }
    }
}
