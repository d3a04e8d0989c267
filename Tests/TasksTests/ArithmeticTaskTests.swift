import Foundation
import Testing
@testable import Tasks

@Suite("ArithmeticTask")
struct ArithmeticTaskTests {
    static let configs: [ArithmeticConfig] = [
        ArithmeticConfig(),
        ArithmeticConfig(maxOperands: 4, operators: "+"),
        ArithmeticConfig(minDigits: 2, maxDigits: 5, operators: "-"),
        ArithmeticConfig(maxDigits: 4, operators: "*", maxMultiplierDigits: 3),
        ArithmeticConfig(minDigits: 1, maxDigits: 6, minOperands: 3, maxOperands: 4, maxMultiplierDigits: 2),
        ArithmeticConfig(maxDigits: 9, maxOperands: 3, maxMultiplierDigits: 4),
    ]

    /// Checks one problem against an evaluator written here, the R1 template,
    /// and every arithmetic claim inside the trace.
    static func check(_ p: Problem, tokenizer: Tokenizer = .standard) {
        // Prompt: non-negative numbers joined by + - *, ending in "=".
        #expect(p.prompt.hasSuffix("="))
        let expression = p.prompt.dropLast()
        #expect(expression.first?.isNumber == true && expression.last?.isNumber == true, "\(p.prompt)")
        #expect(!expression.contains("--") && !expression.contains("+-") && !expression.contains("*-"), "\(p.prompt)")
        #expect(evaluate(expression).map(String.init) == p.answer, "\(p.prompt) → \(p.answer)")

        // Template: <think>…</think><answer>ANSWER</answer>, each tag exactly once.
        let completion = p.completion ?? ""
        #expect(completion.hasPrefix("<think>") && completion.hasSuffix("</think><answer>\(p.answer)</answer>"), "\(completion)")
        for tag in Tokenizer.tags {
            #expect(completion.components(separatedBy: tag).count == 2, "\(tag) in \(completion)")
        }
        // Task text never needs byte fallback.
        #expect(tokenizer.encode(p.prompt + completion).allSatisfy { $0 < tokenizer.firstByteId })

        // Every step `HEADER[=REWRITE]:COLUMNS;RESULT` must be true arithmetic.
        let think = completion.dropFirst("<think>".count).prefix { $0 != "<" }
        var lastResult: Substring = ""
        for step in think.split(separator: "|") {
            guard let colon = step.firstIndex(of: ":") else {
                let sides = step.split(separator: "=")
                if sides.count == 2 {
                    // A plan such as 47*23=47*3+47*20.
                    #expect(evaluate(sides[0]) != nil && evaluate(sides[0]) == evaluate(sides[1]), "plan \(step)")
                } else {
                    // A restated remainder of the expression keeps the expression's value.
                    #expect(evaluate(step).map(String.init) == p.answer, "restated \(step) in \(p.prompt)")
                }
                continue
            }
            let head = step[..<colon]
            let body = step[step.index(after: colon)...]
            guard let semicolon = body.lastIndex(of: ";") else {
                Issue.record("step without result: \(step)")
                continue
            }
            let result = body[body.index(after: semicolon)...]
            let sides = head.split(separator: "=", maxSplits: 1)
            let value = evaluate(sides[0])
            #expect(value != nil && value.map(String.init) == String(result), "\(step)")
            if sides.count == 2 { #expect(evaluateRewrite(sides[1]) == value, "rewrite in \(step)") }
            for column in body[..<semicolon].split(separator: ",") {
                let eq = column.split(separator: "=")
                #expect(eq.count == 2 && evaluate(eq[0]) != nil && evaluate(eq[0]) == Int(eq[1]), "column \(column) in \(step)")
            }
            lastResult = result
        }
        #expect(String(lastResult) == p.answer, "trace of \(p.prompt) ends in \(lastResult)")
    }

    @Test(arguments: configs)
    func answersAndTracesAreRight(config: ArithmeticConfig) throws {
        let task = try ArithmeticTask(config: config)
        for i in 0..<1500 { Self.check(task.trainProblem(at: i)) }
        for p in task.heldOut.prefix(200) { Self.check(p) }
    }

    @Test func workedExamples() {
        func completion(_ operands: [Int], _ ops: [Character]) -> String {
            ArithmeticTask.problem(ArithmeticExpression(operands: operands, operators: ops), id: 0).completion ?? ""
        }
        #expect(completion([47, 85], ["+"]) == "<think>47+85:7+5+0=12,4+8+1=13;132</think><answer>132</answer>")
        #expect(completion([52, 17], ["-"]) == "<think>52-17:12-7-0=5,5-1-1=3;35</think><answer>35</answer>")
        #expect(completion([17, 52], ["-"]) == "<think>17-52=-(52-17):12-7-0=5,5-1-1=3;-35</think><answer>-35</answer>")
        #expect(completion([47, 8], ["*"]) == "<think>47*8:7*8+0=56,4*8+5=37;376</think><answer>376</answer>")
        #expect(completion([47, 23], ["*"]) == "<think>47*23=47*3+47*20|47*3:7*3+0=21,4*3+2=14;141|47*20:7*2+0=14,4*2+1=09;940|141+940:1+0+0=01,4+4+0=08,1+9+0=10;1081</think><answer>1081</answer>")
        #expect(completion([12, 34, 5, 6], ["+", "*", "-"]) == "<think>34*5:4*5+0=20,3*5+2=17;170|12+170-6|12+170:2+0+0=02,1+7+0=08,0+1+0=01;182|182-6:12-6-0=6,8-0-1=7,1-0-0=1;176</think><answer>176</answer>")
        #expect(completion([1, 2, 3, 9], ["-", "-", "+"]) == "<think>1-2=-(2-1):2-1-0=1;-1|-1-3=-(1+3):1+3+0=04;-4|-4+9=9-4:9-4-0=5;5</think><answer>5</answer>")
        #expect(completion([0, 0], ["*"]) == "<think>0*0:0*0+0=00;0</think><answer>0</answer>")
    }

    @Test func sameSeedSameProblems() throws {
        let a = try ArithmeticTask(), b = try ArithmeticTask()
        #expect(a.heldOut == b.heldOut)
        let indices = [0, 1, 2, 17, 999, 123_456, -5, Int.max]
        #expect(indices.map(a.trainProblem) == indices.map(b.trainProblem))
        #expect(a.trainProblem(at: 42).id == 42)
        // Generation is pure: asking out of order changes nothing.
        #expect(indices.reversed().map(a.trainProblem) == indices.map(a.trainProblem).reversed())

        let other = try ArithmeticTask(config: ArithmeticConfig(seed: 99))
        #expect(other.heldOut != a.heldOut)
        #expect((0..<20).map { other.trainProblem(at: $0).prompt } != (0..<20).map { a.trainProblem(at: $0).prompt })
    }

    @Test func heldOutIsFixedDistinctAndNeverTrainedOn() throws {
        let task = try ArithmeticTask()
        #expect(task.heldOut.count == 500)
        #expect(task.heldOut.map(\.id) == Array(0..<500))
        let held = Set(task.heldOut.map(\.prompt))
        #expect(held.count == 500)
        let leaked = (0..<20_000).filter { held.contains(task.trainProblem(at: $0).prompt) }
        #expect(leaked.isEmpty, "training indices \(leaked.prefix(5)) are held out")
        // The held-out split is not simply the first training problems.
        #expect(task.heldOut.prefix(20).map(\.prompt) != (0..<20).map { task.trainProblem(at: $0).prompt })
    }

    @Test func tinyProblemSpaceStillSplitsCleanly() throws {
        // 1-digit additions: 100 problems, half held out.
        let task = try ArithmeticTask(config: ArithmeticConfig(maxDigits: 1, operators: "+", heldOutSize: 50))
        let held = Set(task.heldOut.map(\.prompt))
        #expect(held.count == 50)
        let trained = Set((0..<2000).map { task.trainProblem(at: $0).prompt })
        #expect(trained.isDisjoint(with: held))
        #expect(trained.count == 50)
    }

    @Test func defaultConfigFitsTheContext() throws {
        let task = try ArithmeticTask()
        let longest = task.maxSequenceLength(tokenizer: .standard)
        #expect(longest <= 120, "longest default prompt+completion is \(longest) tokens")
        // The estimate covers a much larger sample too.
        let sampled = (0..<20_000).map { i -> Int in
            let p = task.trainProblem(at: i)
            return Tokenizer.standard.encode(p.prompt + (p.completion ?? "")).count
        }.max() ?? 0
        #expect(sampled <= longest)
    }

    @Test func everyDefaultShapeFits() throws {
        // Trace length depends on operand lengths, the operator, and whether the
        // result is negative or gains a digit; enumerate those for the default config.
        let values = [0, 5, 9, 10, 50, 99, 100, 500, 999]
        var longest = 0
        for a in values {
            for b in values {
                for op in "+-" {
                    let p = ArithmeticTask.problem(ArithmeticExpression(operands: [a, b], operators: [op]), id: 0)
                    longest = max(longest, Tokenizer.standard.encode(p.prompt + p.completion!).count)
                }
            }
            for d in 0...9 {
                let p = ArithmeticTask.problem(ArithmeticExpression(operands: [a, d], operators: ["*"]), id: 0)
                longest = max(longest, Tokenizer.standard.encode(p.prompt + p.completion!).count)
            }
        }
        #expect(longest <= (try ArithmeticTask().maxSequenceLength(tokenizer: .standard)))
    }
}

@Suite("Chat questions")
struct ChatQuestionTests {
    @Test func expressionsAreAskedInWordsAndOtherPromptsAsTheyAre() {
        #expect(ChatQuestion.phrase("47+85=") == "What is 47+85?")
        #expect(ChatQuestion.phrase("(3*4)-12=") == "What is (3*4)-12?")
        #expect(ChatQuestion.phrase("How many legs have 3 spiders?") == "How many legs have 3 spiders?")
        #expect(ChatQuestion.phrase("x=") == "x=" && ChatQuestion.phrase("=") == "=")
    }
}
