/// A chat template's Jinja source reduced to what decides its output, so that two templates
/// that differ only in layout compare equal: the whitespace transformers' Jinja environment
/// drops (`trim_blocks`, `lstrip_blocks`, `-` markers, the final newline), spacing inside tags,
/// quote style and escapes in string literals, comments.
///
/// This is not a Jinja parser: it only lets `ChatTemplate` recognise templates it knows,
/// whatever their layout. Text that survives the whitespace rules is kept (written as a
/// `{{'…'}}` literal), so a template that outputs different text does not compare equal.
enum JinjaLayout {
    /// The canonical form of `source`, or nil when it cannot be read (an unterminated tag or
    /// string, an escape we do not decode).
    static func canonical(_ source: String) -> String? {
        guard let items = lex(normalizingNewlines(source)) else { return nil }
        var out = ""
        for (index, item) in items.enumerated() {
            switch item {
            case .text(let text):
                let kept = visibleText(text, after: index > 0 ? items[index - 1] : nil,
                                       before: index + 1 < items.count ? items[index + 1] : nil)
                if !kept.isEmpty { out += "{{" + quoted(kept) + "}}" }
            case .tag(let tag):
                switch tag.kind {
                case .expression:
                    guard let content = canonicalContent(tag.content) else { return nil }
                    out += "{{" + content + "}}"
                case .statement:
                    guard let content = canonicalContent(tag.content) else { return nil }
                    out += "{%" + content + "%}"
                case .comment:
                    break
                }
            }
        }
        return out
    }

    /// `text` as a canonical single-quoted literal: backslash, quote, newline, carriage return
    /// and tab escaped, everything else as is.
    static func quoted(_ text: String) -> String {
        var out = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    /// The text a `quoted` literal's body stands for, or nil when `body` is not one (an
    /// unescaped quote, an unknown escape).
    static func unquoted(_ body: Substring) -> String? {
        var out = String.UnicodeScalarView()
        var escaped = false
        for scalar in body.unicodeScalars {
            if escaped {
                switch scalar {
                case "\\", "'": out.append(scalar)
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                default: return nil
                }
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "'" {
                return nil
            } else {
                out.append(scalar)
            }
        }
        return escaped ? nil : String(out)
    }

    // MARK: - Lexing

    private enum Kind { case expression, statement, comment }

    private struct Tag {
        let kind: Kind
        let content: [Unicode.Scalar]
        /// `{%-` / `-%}`: strip all whitespace on that side. `{%+` / `+%}`: keep it.
        let trimBefore, keepBefore, trimAfter, keepAfter: Bool
    }

    private enum Item {
        case text([Unicode.Scalar])
        case tag(Tag)
    }

    /// Jinja reads `\r\n` and `\r` as `\n`, and drops one newline at the very end.
    private static func normalizingNewlines(_ source: String) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var previousCR = false
        for scalar in source.unicodeScalars {
            if scalar == "\n" && previousCR {
                previousCR = false
                continue
            }
            previousCR = scalar == "\r"
            out.append(scalar == "\r" ? "\n" : scalar)
        }
        if out.last == "\n" { out.removeLast() }
        return out
    }

    private static func lex(_ s: [Unicode.Scalar]) -> [Item]? {
        var items: [Item] = []
        var text: [Unicode.Scalar] = []
        var i = 0
        let n = s.count
        while i < n {
            guard s[i] == "{", i + 1 < n, let kind = opening(s[i + 1]) else {
                text.append(s[i])
                i += 1
                continue
            }
            let close: Unicode.Scalar = kind == .expression ? "}" : kind == .statement ? "%" : "#"
            var j = i + 2
            let trimBefore = j < n && s[j] == "-"
            let keepBefore = j < n && s[j] == "+"
            if trimBefore || keepBefore { j += 1 }
            let contentStart = j
            var tag: Tag?
            while j < n {
                if kind != .comment && (s[j] == "'" || s[j] == "\"") {
                    let quote = s[j]
                    j += 1
                    while j < n && s[j] != quote { j += s[j] == "\\" ? 2 : 1 }
                    guard j < n else { return nil }
                    j += 1
                    continue
                }
                if (s[j] == "-" || s[j] == "+") && j + 2 < n && s[j + 1] == close && s[j + 2] == "}" {
                    tag = Tag(kind: kind, content: Array(s[contentStart..<j]), trimBefore: trimBefore, keepBefore: keepBefore,
                              trimAfter: s[j] == "-", keepAfter: s[j] == "+")
                    j += 3
                    break
                }
                if s[j] == close && j + 1 < n && s[j + 1] == "}" {
                    tag = Tag(kind: kind, content: Array(s[contentStart..<j]), trimBefore: trimBefore, keepBefore: keepBefore,
                              trimAfter: false, keepAfter: false)
                    j += 2
                    break
                }
                j += 1
            }
            guard let found = tag else { return nil }
            if !text.isEmpty { items.append(.text(text)) }
            text = []
            items.append(.tag(found))
            i = j
        }
        if !text.isEmpty { items.append(.text(text)) }
        return items
    }

    private static func opening(_ scalar: Unicode.Scalar) -> Kind? {
        switch scalar {
        case "{": return .expression
        case "%": return .statement
        case "#": return .comment
        default: return nil
        }
    }

    // MARK: - Whitespace control (transformers: trim_blocks and lstrip_blocks on)

    private static func visibleText(_ raw: [Unicode.Scalar], after previous: Item?, before next: Item?) -> String {
        var text = raw[...]
        // Whether the text starts a line (Jinja's `line_starting`, which lstrip_blocks needs).
        var lineStart = previous == nil
        if case .tag(let tag)? = previous {
            if tag.trimAfter {
                let stripped = text.drop(while: { $0.properties.isWhitespace })
                lineStart = text[text.startIndex..<stripped.startIndex].last == "\n"
                text = stripped
            } else if tag.kind != .expression && !tag.keepAfter && text.first == "\n" {
                // trim_blocks: the newline after a block tag goes.
                text = text.dropFirst()
                lineStart = true
            }
        }
        if case .tag(let tag)? = next {
            if tag.trimBefore {
                while let last = text.last, last.properties.isWhitespace { text = text.dropLast() }
            } else if tag.kind != .expression && !tag.keepBefore {
                // lstrip_blocks: spaces and tabs from the start of the line to a block tag go.
                let lineBegin = text.lastIndex(of: "\n").map { text.index(after: $0) }
                if lineBegin != nil || lineStart {
                    let begin = lineBegin ?? text.startIndex
                    let tail = text[begin...]
                    if !tail.isEmpty && tail.allSatisfy({ $0.properties.isWhitespace }) { text = text[..<begin] }
                }
            }
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: text)
        return String(out)
    }

    // MARK: - Inside tags

    /// Whitespace dropped except between two identifier characters; string literals decoded
    /// and written `quoted`.
    private static func canonicalContent(_ s: [Unicode.Scalar]) -> String? {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "'" || c == "\"" {
                var j = i + 1
                while j < s.count && s[j] != c { j += s[j] == "\\" ? 2 : 1 }
                guard j < s.count, let value = decodeLiteral(s[(i + 1)..<j]) else { return nil }
                out.append(contentsOf: quoted(value).unicodeScalars)
                pendingSpace = false
                i = j + 1
            } else if c.properties.isWhitespace {
                pendingSpace = true
                i += 1
            } else {
                if pendingSpace, let last = out.last, isIdentifier(last), isIdentifier(c) { out.append(" ") }
                out.append(c)
                pendingSpace = false
                i += 1
            }
        }
        return String(out)
    }

    private static func isIdentifier(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
    }

    /// A Jinja (Python) string literal's body decoded: the common escapes, `\x`, `\u`, `\U`,
    /// line continuations; nil for `\N{…}` and octal escapes (templates we know use neither).
    private static func decodeLiteral(_ body: ArraySlice<Unicode.Scalar>) -> String? {
        var out = String.UnicodeScalarView()
        var i = body.startIndex
        while i < body.endIndex {
            let c = body[i]
            guard c == "\\", i + 1 < body.endIndex else {
                out.append(c)
                i += 1
                continue
            }
            let e = body[i + 1]
            i += 2
            switch e {
            case "\\", "'", "\"": out.append(e)
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\n": break
            case "x", "u", "U":
                let width = e == "x" ? 2 : e == "u" ? 4 : 8
                guard i + width <= body.endIndex else { return nil }
                let hex = String(String.UnicodeScalarView(body[i..<(i + width)]))
                guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else { return nil }
                out.append(scalar)
                i += width
            case "N", "0"..."7":
                return nil
            default:
                // Python keeps an unknown escape as written.
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }
}
