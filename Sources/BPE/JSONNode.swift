import Foundation

/// A value read from a JSON file together with where it sits (`model.merges[3]`), so that a
/// wrong one is reported by file and field instead of crashing or being silently ignored.
struct JSONNode {
    let value: Any
    /// The field's name from the root, e.g. `pre_tokenizer.pretokenizers[1].type`.
    let field: String
    /// The file it was read from.
    let path: String
    /// `value` as a Swift dictionary or array, converted once: on Linux JSONSerialization
    /// returns NSDictionary/NSArray, and every cast would convert a 150,000-entry vocabulary again.
    private let dictionary: [String: Any]?
    private let items: [Any]?

    init(value: Any, field: String, path: String) {
        self.value = value
        self.field = field
        self.path = path
        self.dictionary = value as? [String: Any]
        self.items = dictionary == nil ? value as? [Any] : nil
    }

    /// Parses `data` as a JSON object.
    static func parseObject(_ data: Data, path: String) throws -> JSONNode {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let ns = error as NSError
            let detail = (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
            throw BPEError.malformedJSON(path: path, reason: detail)
        }
        let root = JSONNode(value: value, field: "", path: path)
        guard root.dictionary != nil else {
            throw BPEError.malformedJSON(path: path, reason: "the top level is not a JSON object")
        }
        return root
    }

    /// (Containers first: `is NSNull` on a Swift dictionary would convert it to test it.)
    var isNull: Bool { dictionary == nil && items == nil && value is NSNull }

    private func child(_ key: String) -> String { field.isEmpty ? key : field + "." + key }

    private func invalid(_ problem: String) -> BPEError {
        BPEError.invalidField(path: path, field: field.isEmpty ? "(top level)" : field, problem: problem)
    }

    /// The member `key` of this object; nil when absent (a JSON null is returned as a node).
    func member(_ key: String) throws -> JSONNode? {
        guard let dict = dictionary else { throw invalid("should be a JSON object") }
        return dict[key].map { JSONNode(value: $0, field: child(key), path: path) }
    }

    /// The member `key`, which must be present and not null.
    func required(_ key: String) throws -> JSONNode {
        guard let node = try member(key), !node.isNull else {
            throw BPEError.invalidField(path: path, field: child(key), problem: "is missing")
        }
        return node
    }

    /// The member `key` when present and not null.
    func optional(_ key: String) throws -> JSONNode? {
        guard let node = try member(key), !node.isNull else { return nil }
        return node
    }

    func object() throws -> [String: Any] {
        guard let dict = dictionary else { throw invalid("should be a JSON object") }
        return dict
    }

    func string() throws -> String {
        guard let s = value as? String else { throw invalid("should be a string") }
        return s
    }

    func bool() throws -> Bool {
        guard let b = value as? Bool else { throw invalid("should be true or false") }
        return b
    }

    func int() throws -> Int {
        if let n = value as? Int { return n }
        if let d = value as? Double, d == d.rounded(), abs(d) < 9e15 { return Int(d) }
        throw invalid("should be an integer")
    }

    func double() throws -> Double {
        if let d = value as? Double { return d }
        if let n = value as? Int { return Double(n) }
        throw invalid("should be a number")
    }

    func array() throws -> [JSONNode] {
        guard let items else { throw invalid("should be a JSON array") }
        return items.enumerated().map { JSONNode(value: $1, field: "\(field)[\($0)]", path: path) }
    }

    /// The array's raw elements (for long arrays read element by element, without a node each).
    func rawArray() throws -> [Any] {
        guard let items else { throw invalid("should be a JSON array") }
        return items
    }

    /// The node for element `index` of `rawArray()` (to report it).
    func element(_ index: Int, _ value: Any) -> JSONNode {
        JSONNode(value: value, field: "\(field)[\(index)]", path: path)
    }

    /// `key`'s string value, or nil when absent or null.
    func optionalString(_ key: String) throws -> String? { try optional(key)?.string() }

    /// `key`'s boolean value, or `fallback` when absent or null.
    func bool(_ key: String, default fallback: Bool) throws -> Bool { try optional(key)?.bool() ?? fallback }

    /// Describes this value for an error message, cut short.
    var preview: String {
        let text: String
        if let s = value as? String {
            text = "\"\(s)\""
        } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]),
                  let s = String(data: data, encoding: .utf8) {
            text = s
        } else {
            text = "\(value)"
        }
        return text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}
