import Foundation
import Testing
import Tasks

@Suite("JSONLTasks")
struct JSONLTasksTests {
    func message(_ text: String) -> String {
        do {
            _ = try JSONLTasks.parse(text, source: "tasks.jsonl")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func goodFileLoads() throws {
        let text = """
            {"prompt": "2+2=", "answer": "4"}

            {"prompt": "3*3=", "answer": 9, "id": 70}\r
              {"prompt": "1/4=", "answer": 0.25, "completion": "<think>1/4</think><answer>0.25</answer>", "note": "ignored"}
            {"prompt": "ünï 👍", "answer": -3, "completion": null}

            """
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tasks-\(UInt32.random(in: 0...UInt32.max)).jsonl")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }

        let problems = try JSONLTasks.load(path: url.path)
        #expect(problems == [
            Problem(id: 0, prompt: "2+2=", answer: "4"),
            Problem(id: 70, prompt: "3*3=", answer: "9"),
            Problem(id: 2, prompt: "1/4=", answer: "0.25", completion: "<think>1/4</think><answer>0.25</answer>"),
            Problem(id: 3, prompt: "ünï 👍", answer: "-3"),
        ])
        #expect(try JSONLTasks.parse("", source: "empty.jsonl").isEmpty)
    }

    @Test func malformedLineIsReportedWithItsNumber() {
        let lead = "expected a JSON object with \"prompt\" (string) and \"answer\" (string or number)"
        let good = #"{"prompt": "1+1=", "answer": "2"}"#
        let cases: [(String, String)] = [
            ("\(good)\n\n\(good)\n\n\n\(good)\nnot json\n", "tasks.jsonl:7: \(lead): not valid JSON"),
            ("\(good)\n[1, 2]", "tasks.jsonl:2: \(lead): not an object (found an array)"),
            (#"{"answer": "2"}"#, "tasks.jsonl:1: \(lead): \"prompt\" is missing"),
            (#"{"prompt": 5, "answer": "2"}"#, "tasks.jsonl:1: \(lead): \"prompt\" is a number, not a string"),
            (#"{"prompt": "x"}"#, "tasks.jsonl:1: \(lead): \"answer\" is missing"),
            (#"{"prompt": "x", "answer": true}"#, "tasks.jsonl:1: \(lead): \"answer\" is a boolean, not a string or number"),
            (#"{"prompt": "x", "answer": "1", "completion": 3}"#, "tasks.jsonl:1: \(lead): \"completion\" is a number, not a string"),
            (#"{"prompt": "x", "answer": "1", "id": "a"}"#, "tasks.jsonl:1: \(lead): \"id\" is a string, not an integer"),
        ]
        for (text, expected) in cases {
            #expect(message(text) == expected)
        }
        #expect(throws: JSONLTasksError.malformedLine(source: "t", line: 1, reason: "not valid JSON")) {
            try JSONLTasks.parse("{", source: "t")
        }
    }

    @Test func missingFileNamesThePath() {
        let path = "/nonexistent/dir/tasks.jsonl"
        #expect(throws: JSONLTasksError.fileNotFound(path: path)) { try JSONLTasks.load(path: path) }
        do {
            _ = try JSONLTasks.load(path: path)
        } catch {
            #expect(error.localizedDescription == "tasks file not found: \(path)")
        }
    }
}
