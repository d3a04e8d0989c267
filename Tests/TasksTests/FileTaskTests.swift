import Foundation
import Testing
import Tasks

@Suite("FileTask and data-built alphabets")
struct FileTaskTests {
    /// Writes `lines` to a fresh temporary file and returns its path.
    func file(_ name: String, _ lines: [String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("filetask-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        return url.path
    }

    @Test func trainingProblemsCycleTheFileWithoutTheHeldOutPrompts() throws {
        let train = try file("train.jsonl", [
            #"{"prompt": "What is 1 + 2?", "answer": "3"}"#,
            #"{"prompt": "Held?", "answer": "1"}"#,
            #"{"prompt": "Product of 2 and -0.5.", "answer": -1}"#,
        ])
        let held = try file("held.jsonl", [#"{"prompt": "Held?", "answer": "1"}"#, #"{"prompt": "Sum 4 and 5.", "answer": "9"}"#])
        let task = try FileTask(files: TaskFiles(train: train, heldOut: held))
        #expect(task.overlapDropped == 1 && task.trainCount == 2)
        #expect(task.heldOut.map(\.id) == [0, 1])
        #expect(task.trainProblem(at: 0).prompt == "What is 1 + 2?")
        #expect(task.trainProblem(at: 1).prompt == "Product of 2 and -0.5.")
        #expect(task.trainProblem(at: 2).prompt == "What is 1 + 2?")
        #expect(task.trainProblem(at: 7).id == 7)
        // Answer-only lines train on the R1 template with empty thinking.
        #expect(task.trainProblem(at: 1).completion == "<think></think><answer>-1</answer>")
        #expect(task.heldOut[1].completion == "<think></think><answer>9</answer>")
    }

    @Test func filesWithNothingToTrainOnAreRefused() throws {
        let held = try file("held.jsonl", [#"{"prompt": "Held?", "answer": "1"}"#])
        let same = try file("train.jsonl", [#"{"prompt": "Held?", "answer": "1"}"#])
        #expect { try FileTask(files: TaskFiles(train: same, heldOut: held)) } throws: { "\($0)".contains("every prompt is also in the held-out file") }
        let empty = try file("empty.jsonl", [""])
        #expect { try FileTask(files: TaskFiles(train: same, heldOut: empty)) } throws: { "\($0)".contains("the held-out file has no lines") }
    }

    @Test func theAlphabetCoversTheDataAndKeepsTheStandardIds() throws {
        let texts = ["What is 3 minus -2?", "<think></think><answer>5</answer>", "Calculate é."]
        let alphabet = Tokenizer.alphabet(covering: texts)
        #expect(Array(alphabet.prefix(Tokenizer.standardAlphabet.count)) == Tokenizer.standardAlphabet)
        let tokenizer = try Tokenizer(alphabet: alphabet)
        for text in texts {
            #expect(tokenizer.firstUnmapped(in: text) == nil)
            // One id per character: no byte fallbacks (tags are one id each).
            #expect(tokenizer.encode(text).allSatisfy { $0 < tokenizer.firstByteId })
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
        }
        // Tag characters join only when they appear outside a tag.
        #expect(!alphabet.contains("<") && !alphabet.contains("/"))
        #expect(Set(alphabet.map(\.value)).count == alphabet.count)
        #expect(Tokenizer.standard.encode("2+2=") == tokenizer.encode("2+2="))
    }

    @Test func aCharacterWithoutAnIdIsNamedWithItsLine() throws {
        let train = try file("train.jsonl", [#"{"prompt": "1+2=", "answer": "3"}"#, "", #"{"prompt": "What is 1+2?", "answer": "3"}"#])
        let held = try file("held.jsonl", [#"{"prompt": "2+2=", "answer": "4"}"#])
        let task = try FileTask(files: TaskFiles(train: train, heldOut: held))
        #expect(throws: Never.self) { try task.checkCovered(by: try Tokenizer(alphabet: Tokenizer.alphabet(covering: task.texts))) }
        do {
            try task.checkCovered(by: .standard)
            Issue.record("the standard alphabet has no \"W\"")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("\(train):3: \"W\" (U+57) is not in the checkpoint's tokenizer alphabet"), "\(message)")
            #expect(message.contains("pretrain --tasks"))
        }
    }
}
