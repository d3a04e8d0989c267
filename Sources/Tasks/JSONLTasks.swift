import Foundation

/// User-supplied problems in JSON Lines, one object per line:
///
///     {"prompt": "2+2=", "answer": "4"}
///     {"prompt": "3*3=", "answer": 9, "completion": "<think>…</think><answer>9</answer>", "id": 7}
///
/// `answer` may be a string or a number; `completion` and `id` are optional;
/// other keys are ignored. Blank lines are skipped. A missing `id` is the
/// problem's position in the file (0, 1, 2, … over non-blank lines).
public enum JSONLTasks {
    /// Reads and parses the file at `path`; errors name the file and line.
    public static func load(path: String) throws -> [Problem] {
        try loadNumbered(path: path).map(\.problem)
    }

    /// `load(path:)` with each problem's 1-based line in the file, for messages about it.
    public static func loadNumbered(path: String) throws -> [(line: Int, problem: Problem)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw JSONLTasksError.fileNotFound(path: path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JSONLTasksError.unreadable(path: path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw JSONLTasksError.unreadable(path: path, reason: "not UTF-8 text")
        }
        return try parseNumbered(text, source: path)
    }

    /// Parses JSON Lines `text`; `source` names it in error messages (`source:line: …`).
    public static func parse(_ text: String, source: String) throws -> [Problem] {
        try parseNumbered(text, source: source).map(\.problem)
    }

    /// `parse` with each problem's 1-based line.
    public static func parseNumbered(_ text: String, source: String) throws -> [(line: Int, problem: Problem)] {
        var problems: [(line: Int, problem: Problem)] = []
        // Split on "\n" only (not Character boundaries) so line numbers match editors;
        // a trailing "\r" from CRLF files is whitespace to JSON anyway.
        for (index, line) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let bytes = Data(line)
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) { continue }
            do {
                problems.append((index + 1, try problem(from: bytes, defaultID: problems.count)))
            } catch let reason as LineProblem {
                throw JSONLTasksError.malformedLine(source: source, line: index + 1, reason: reason.text)
            }
        }
        return problems
    }

    /// Throws `unmappableCharacter` naming `source` and the line of the first character
    /// `tokenizer` has no id for (in a prompt, answer or completion).
    public static func checkCovered(_ problems: [(line: Int, problem: Problem)], source: String, by tokenizer: Tokenizer) throws {
        for (line, p) in problems {
            if let c = tokenizer.firstUnmapped(in: p.prompt + p.answer + (p.completion ?? "")) {
                throw JSONLTasksError.unmappableCharacter(source: source, line: line, character: c)
            }
        }
    }

    /// Why one line was rejected, in a few words.
    private struct LineProblem: Error {
        var text: String
    }

    private static func problem(from line: Data, defaultID: Int) throws -> Problem {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: line)
        } catch {
            throw LineProblem(text: "not valid JSON")
        }
        guard case .object(let fields) = value else {
            throw LineProblem(text: "not an object (found \(value.kind))")
        }
        guard let promptValue = fields["prompt"] else { throw LineProblem(text: "\"prompt\" is missing") }
        guard case .string(let prompt) = promptValue else {
            throw LineProblem(text: "\"prompt\" is \(promptValue.kind), not a string")
        }
        let answer: String
        switch fields["answer"] {
        case .string(let s): answer = s
        case .integer(let n): answer = String(n)
        case .number(let text): answer = text
        case nil: throw LineProblem(text: "\"answer\" is missing")
        case let other?: throw LineProblem(text: "\"answer\" is \(other.kind), not a string or number")
        }
        var completion: String?
        switch fields["completion"] {
        case .string(let s): completion = s
        case nil, .null: completion = nil
        case let other?: throw LineProblem(text: "\"completion\" is \(other.kind), not a string")
        }
        var id = defaultID
        switch fields["id"] {
        case .integer(let n): id = n
        case nil, .null: break
        case let other?: throw LineProblem(text: "\"id\" is \(other.kind), not an integer")
        }
        return Problem(id: id, prompt: prompt, answer: answer, completion: completion)
    }
}

/// Just enough of JSON to tell users what was wrong with a line.
private enum JSONValue: Decodable {
    case null, bool(Bool), integer(Int), string(String)
    /// A non-integer (or huge) number, as decimal text.
    case number(String)
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Bool before numbers so true is not 1; Int, then Decimal (exact digits,
        // e.g. 2.5 or 12345678901234567890), then Double for what Decimal can't hold.
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Int.self) { self = .integer(n) }
        else if let x = try? c.decode(Decimal.self) { self = .number("\(x)") }
        else if let x = try? c.decode(Double.self) { self = .number(String(x)) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// "a string", "an array", … for messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
