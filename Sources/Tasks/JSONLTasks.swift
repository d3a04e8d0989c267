import Foundation

/// User-supplied problems, one JSON object per line:
/// `{"prompt": "...", "answer": "..." | number, "completion": "..." (optional), "id": n (optional)}`.
public enum JSONLTasks {
    public static func load(path: String) throws -> [Problem] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TaskError.malformed("\(path): no such file (expected JSON lines of {\"prompt\", \"answer\"})")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ text: String, source: String) throws -> [Problem] {
        var out: [Problem] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            func fail(_ why: String) -> TaskError {
                .malformed("\(source):\(n + 1): expected a JSON object with \"prompt\" (string) and \"answer\" (string or number): \(why)")
            }
            let obj: Any
            do { obj = try JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed]) } catch {
                throw fail("not valid JSON")
            }
            guard let dict = obj as? [String: Any] else { throw fail("not an object") }
            guard let prompt = dict["prompt"] as? String else { throw fail("\"prompt\" is missing or not a string") }
            let answer: String
            switch dict["answer"] {
            case let s as String: answer = s
            case let i as Int: answer = String(i)
            case let d as Double: answer = String(d)
            default: throw fail("\"answer\" is missing or not a string/number")
            }
            if dict["completion"] != nil && !(dict["completion"] is String) { throw fail("\"completion\" is not a string") }
            let id = (dict["id"] as? Int) ?? out.count
            out.append(Problem(id: id, prompt: prompt, answer: answer, completion: dict["completion"] as? String))
        }
        return out
    }
}
