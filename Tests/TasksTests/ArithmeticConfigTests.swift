import Foundation
import Testing
import Tasks

@Suite("ArithmeticConfig")
struct ArithmeticConfigTests {
    /// The validation error for `config`, or nil if it is valid.
    func error(_ config: ArithmeticConfig) -> ArithmeticConfigError? {
        do {
            try config.validate()
            return nil
        } catch {
            return error as? ArithmeticConfigError
        }
    }

    @Test func defaultsMatchTheSpec() throws {
        let c = ArithmeticConfig()
        #expect(c.minDigits == 1 && c.maxDigits == 3 && c.minOperands == 2 && c.maxOperands == 2)
        #expect(c.operators == "+-*" && c.maxMultiplierDigits == 1 && c.heldOutSize == 500 && c.seed == 1234)
        #expect(error(c) == nil)
    }

    @Test func badFieldsAreNamedWithTheirRange() {
        let cases: [(ArithmeticConfig, String, String)] = [
            (ArithmeticConfig(minDigits: 0), "min_digits", "1...9"),
            (ArithmeticConfig(maxDigits: 12), "max_digits", "1...9"),
            (ArithmeticConfig(minDigits: 3, maxDigits: 2), "max_digits", "3...9"),
            (ArithmeticConfig(minOperands: 1), "min_operands", "2...4"),
            (ArithmeticConfig(maxOperands: 5), "max_operands", "2...4"),
            (ArithmeticConfig(operators: ""), "operators", "subset of \"+-*\""),
            (ArithmeticConfig(operators: "+/"), "operators", "subset of \"+-*\""),
            (ArithmeticConfig(operators: "++"), "operators", "without repeats"),
            (ArithmeticConfig(maxMultiplierDigits: 0), "max_multiplier_digits", "1...9"),
            (ArithmeticConfig(maxDigits: 9, maxOperands: 4, maxMultiplierDigits: 4), "max_multiplier_digits", "at most 3"),
            (ArithmeticConfig(heldOutSize: 0), "held_out_size", "at least 1"),
            (ArithmeticConfig(maxDigits: 1, operators: "+"), "held_out_size", "1...50"),
        ]
        for (config, field, range) in cases {
            let e = error(config)
            #expect(e?.field == field, "\(config)")
            #expect(e.map { "\($0)".contains("task.\(field)") && "\($0)".contains(range) } == true, "\(String(describing: e))")
            #expect(e?.errorDescription == e?.description)
            #expect(throws: ArithmeticConfigError.self) { try ArithmeticTask(config: config) }
        }
    }

    @Test func codableWithDefaultsForMissingKeys() throws {
        let c = ArithmeticConfig(maxDigits: 5, operators: "+-", seed: 7)
        let back = try JSONDecoder().decode(ArithmeticConfig.self, from: try JSONEncoder().encode(c))
        #expect(back == c)
        let partial = try JSONDecoder().decode(ArithmeticConfig.self, from: Data(#"{"maxDigits": 4}"#.utf8))
        #expect(partial == ArithmeticConfig(maxDigits: 4))
    }
}
