import Foundation
import Testing
@testable import Benchmarks

/// A stand-in for scripts/torch_train_bench.py --serve, written to a temporary file.
private func script(_ body: String) throws -> String {
    let path = NSTemporaryDirectory() + "torch-stand-in-\(UUID().uuidString).py"
    try body.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Test func torchServerAnswersEachRequest() throws {
    let path = try script("""
    import json, sys
    print(json.dumps({"ready": True}), flush=True)
    n = 0
    for line in sys.stdin:
        n += 1
        print(json.dumps({"rate": 100.0 * n}), flush=True)
    """)
    let server = try TorchServer(reference: TorchReference(python: "python3", script: path), arguments: [])
    #expect(try server.measure() == 100)
    #expect(try server.measure() == 200)
    server.stop()
}

@Test func torchServerSaysWhenPyTorchIsMissing() throws {
    let path = try script("import sys\nsys.exit(3)\n")
    do {
        _ = try TorchServer(reference: TorchReference(python: "python3", script: path), arguments: [])
        Issue.record("expected an error")
    } catch {
        #expect(error is BenchError)
        #expect("\(error)".contains("make torch"))
    }
}

@Test func torchServerThatDiesMidRunIsAnErrorNotAHang() throws {
    let path = try script("""
    import json
    print(json.dumps({"ready": True}), flush=True)
    """)
    let server = try TorchServer(reference: TorchReference(python: "python3", script: path), arguments: [], timeout: 30)
    #expect(throws: BenchError.self) { try server.measure() }
    server.stop()
}
