import Foundation
import Testing
@testable import Verifier

/// Writes a small shell verifier script and returns its path.
private func script(_ body: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("verifier-\(UUID().uuidString).sh").path
    try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o755)
    return path
}

@Suite("ExternalVerifier")
struct ExternalVerifierTests {
    @Test func scoresThroughTheLineProtocol() throws {
        let path = try script("while read line; do echo '{\"reward\": 1.5, \"correct\": true, \"format\": true}'; done\n")
        let v = try ExternalVerifier(command: [path], timeout: 5)
        for _ in 0..<3 {
            let s = v.score(prompt: "1+1=", completion: "<think></think><answer>2</answer>", answer: "2")
            #expect(s.reward == 1.5 && s.correct && s.wellFormed && s.error == nil && s.extracted == "2")
        }
    }

    /// The one factory: a named command scores (whatever the built-in checker would say), and
    /// without one the built-in checker reads the config's answer format.
    @Test func theRunVerifierIsTheCommandWhenNamedElseTheBuiltInChecker() throws {
        let path = try script("while read line; do echo '{\"reward\": 0.25, \"correct\": false, \"format\": true}'; done\n")
        let external = try RunVerifier(reward: RewardConfig(), externalCommand: path, timeout: 5)
        #expect(external.name == "`\(path)`")
        let s = external.score(prompt: "1+1=", completion: "<think></think><answer>2</answer>", answer: "2")
        #expect(s.reward == 0.25 && !s.correct)
        let builtIn = try RunVerifier(reward: RewardConfig(answerFormat: .answerLine), externalCommand: "")
        #expect(builtIn.name.contains("answer_line"))
        #expect(builtIn.score(prompt: "What is 1+1?", completion: "1+1 = 2\nAnswer: 2", answer: "2").correct)
        #expect(!builtIn.score(prompt: "What is 1+1?", completion: "Answer: 3", answer: "2").correct)
    }

    @Test func slowVerifierTimesOutWithAReason() throws {
        let path = try script("while read line; do sleep 30; echo '{\"reward\": 1}'; done\n")
        let v = try ExternalVerifier(command: [path], timeout: 0.3)
        let start = Date()
        let s = v.score(prompt: "p", completion: "c", answer: "a")
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(s.reward == 0 && s.error?.contains("did not answer") == true)
        #expect(v.timeouts == 1)
    }

    @Test func crashingVerifierGivesZeroAndRestarts() throws {
        let path = try script("read line; exit 3\n")
        let v = try ExternalVerifier(command: [path], timeout: 5)
        let first = v.score(prompt: "p", completion: "c", answer: "a")
        #expect(first.reward == 0 && first.error != nil)
        let second = v.score(prompt: "p", completion: "c", answer: "a")
        #expect(second.reward == 0 && second.error != nil)
        #expect(v.crashes + v.timeouts == 2)
    }

    @Test func lyingVerifierIsMalformed() throws {
        let path = try script("while read line; do echo 'certainly correct!'; echo '{\"reward\": \"yes\"}'; done\n")
        let v = try ExternalVerifier(command: [path], timeout: 5)
        let a = v.score(prompt: "p", completion: "c", answer: "a")
        let b = v.score(prompt: "p", completion: "c", answer: "a")
        #expect(a.error?.contains("malformed") == true && b.error?.contains("malformed") == true)
        #expect(v.malformed == 2)
    }

    @Test func missingExecutableIsAClearError() throws {
        let v = try? ExternalVerifier(command: ["/nonexistent/verifier"], timeout: 1)
        // /usr/bin/env starts, then exits 127: the first score says so rather than hanging.
        if let v {
            let s = v.score(prompt: "p", completion: "c", answer: "a")
            #expect(s.reward == 0 && s.error != nil)
        }
        #expect(throws: ExternalVerifierError.self) { try ExternalVerifier(command: []) }
    }
}
