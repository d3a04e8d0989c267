import Foundation
import Testing
@testable import Tasks

/// An evaluator written independently of the task's trace code: standard
/// precedence by splitting on + and − after reducing products.
private func evaluate(_ expr: String) -> Int {
    var terms: [(sign: Int, text: Substring)] = []
    var start = expr.startIndex, sign = 1
    for i in expr.indices where (expr[i] == "+" || expr[i] == "-") && i != expr.startIndex {
        terms.append((sign, expr[start..<i]))
        sign = expr[i] == "+" ? 1 : -1
        start = expr.index(after: i)
    }
    terms.append((sign, expr[start...]))
    return terms.reduce(0) { acc, t in acc + t.sign * t.text.split(separator: "*").map { Int($0)! }.reduce(1, *) }
}

@Suite("Tasks")
struct TasksTests {
    @Test func tokenizerRoundTripsArbitraryText() {
        let tok = Tokenizer.standard
        var rng = SplitMix64(seed: 77)
        let pieces = ["<think>", "</think>", "<answer>", "</answer>", "<thi", "</", "<", "é", "👍🏽", "e\u{301}", "中文",
                      "\0", "12+34=", "\n", " ", "\u{FFFD}", "ß", "Ω", "*", ">"]
        for _ in 0..<1000 {
            var s = ""
            for _ in 0..<rng.below(20) {
                if rng.below(3) == 0 {
                    s += pieces[rng.below(pieces.count)]
                } else if let u = Unicode.Scalar(UInt32(rng.below(0x2FFFF))), !(0xD800...0xDFFF).contains(u.value) {
                    s.unicodeScalars.append(u)
                }
            }
            let ids = tok.encode(s)
            #expect(tok.decode(ids) == s)
            #expect(!ids.contains(Tokenizer.pad) && !ids.contains(Tokenizer.bos) && !ids.contains(Tokenizer.eos))
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tok.vocabSize })
        }
    }

    @Test func tagsAreSingleTokensAndTaskTextIsCompact() {
        let tok = Tokenizer.standard
        #expect(tok.encode("<think>1</think><answer>2</answer>").count == 6)
        #expect(tok.encode("<think>").first == Tokenizer.thinkOpen)
        #expect(tok.encode("47+85:7+5=12,4+8+1=13>132").allSatisfy { Int($0) < tok.byteOffset })
        #expect(tok.decode([Tokenizer.bos, Tokenizer.eos, Tokenizer.pad]) == "")
        #expect(tok.vocabSize < 320)
    }

    @Test func tokenizerDescriptionRoundTrips() throws {
        let tok = Tokenizer.standard
        let back = try Tokenizer(descriptionJSON: tok.descriptionJSON())
        #expect(back == tok)
        #expect(throws: TokenizerError.self) { try Tokenizer(descriptionJSON: Data("{".utf8)) }
        #expect(throws: TokenizerError.self) { try Tokenizer(alphabet: ["a", "b", "a"]) }
    }

    @Test(arguments: ["+", "-", "*", "+-*"])
    func answersAreRightAndTracesEndInThem(ops: String) throws {
        var c = ArithmeticConfig()
        c.operators = ops
        c.maxOperands = 3
        c.maxMultiplierDigits = 2
        let task = try ArithmeticTask(config: c)
        for i in 0..<1500 {
            let p = task.trainProblem(at: i)
            #expect(p.prompt.hasSuffix("="))
            #expect(Int(p.answer) == evaluate(String(p.prompt.dropLast())), "\(p.prompt) → \(p.answer)")
            let comp = p.completion!
            #expect(comp.hasPrefix("<think>") && comp.hasSuffix("</think><answer>\(p.answer)</answer>"))
            let think = comp.dropFirst(7).prefix { $0 != "<" }
            #expect(think.hasSuffix(">\(p.answer)"), "\(p.prompt): \(comp)")
        }
    }

    @Test func worksExamples() throws {
        #expect(ArithmeticTask.build([47, 85], ["+"], id: 0).completion == "<think>47+85:7+5=12,4+8+1=13>132</think><answer>132</answer>")
        #expect(ArithmeticTask.build([52, 17], ["-"], id: 0).completion == "<think>52-17:2-7=5b,5-1-1=3>35</think><answer>35</answer>")
        #expect(ArithmeticTask.build([17, 52], ["-"], id: 0).answer == "-35")
        #expect(ArithmeticTask.build([47, 8], ["*"], id: 0).completion == "<think>47*8:7*8=56,4*8+5=37>376</think><answer>376</answer>")
    }

    @Test func deterministicAndHeldOutIsNeverTrainedOn() throws {
        let a = try ArithmeticTask(), b = try ArithmeticTask()
        #expect(a.heldOut == b.heldOut)
        #expect(a.heldOut.count == 500)
        #expect((0..<50).map(a.trainProblem) == (0..<50).map(b.trainProblem))
        let held = Set(a.heldOut.map(\.prompt))
        #expect((0..<20000).allSatisfy { !held.contains(a.trainProblem(at: $0).prompt) })
        var other = ArithmeticConfig()
        other.seed = 99
        #expect(try ArithmeticTask(config: other).heldOut != a.heldOut)
    }

    @Test func defaultConfigFitsTheContext() throws {
        let n = try ArithmeticTask().maxSequenceLength(tokenizer: .standard)
        #expect(n <= 120, "longest default sequence is \(n) tokens")
    }

    @Test func configValidationNamesTheField() {
        func message(_ edit: (inout ArithmeticConfig) -> Void) -> String {
            var c = ArithmeticConfig()
            edit(&c)
            do { try c.validate(); return "" } catch { return "\(error)" }
        }
        #expect(message { $0.maxDigits = 12 }.contains("max_digits"))
        #expect(message { $0.operators = "+/" }.contains("operators"))
        #expect(message { $0.minOperands = 1 }.contains("min_operands"))
        #expect(message { $0.heldOutSize = 0 }.contains("held_out_size"))
        #expect(message { _ in }.isEmpty)
    }

    @Test func jsonlTasks() throws {
        let good = "{\"prompt\": \"2+2=\", \"answer\": \"4\"}\n\n{\"prompt\": \"3*3=\", \"answer\": 9, \"id\": 7}\n"
        let ps = try JSONLTasks.parse(good, source: "t.jsonl")
        #expect(ps.count == 2 && ps[1].answer == "9" && ps[1].id == 7 && ps[0].id == 0)
        func message(_ text: String) -> String {
            do { _ = try JSONLTasks.parse(text, source: "t.jsonl"); return "" } catch { return "\(error)" }
        }
        #expect(message("{\"prompt\": \"1\", \"answer\": \"1\"}\n{\"prompt\": 5}\n").hasPrefix("t.jsonl:2:"))
        #expect(message("\n\nnot json\n").hasPrefix("t.jsonl:3:"))
        #expect(message("[1,2]").contains("not an object"))
        #expect(throws: TaskError.self) { try JSONLTasks.load(path: "/nonexistent/tasks.jsonl") }
    }
}
