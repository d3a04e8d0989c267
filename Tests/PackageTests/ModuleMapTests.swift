import Foundation
import Testing

/// The layering is read off Package.swift: every module's declared dependencies are
/// exactly what its sources import, and the module map in docs/ARCHITECTURE.md says the same.
@Suite("Module map")
struct ModuleMapTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Every `.target` / `.executableTarget` of Package.swift with its dependencies (products by name).
    static func declared() throws -> [String: Set<String>] {
        let text = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        var out: [String: Set<String>] = [:]
        for opener in [".target(", ".executableTarget("] {
            var rest = text[...]
            while let r = rest.range(of: opener) {
                // The call's text: up to the parenthesis that closes it.
                var depth = 1, i = r.upperBound
                while depth > 0 && i < rest.endIndex {
                    if rest[i] == "(" { depth += 1 } else if rest[i] == ")" { depth -= 1 }
                    i = rest.index(after: i)
                }
                let call = String(rest[r.upperBound..<i])
                rest = rest[i...]
                guard let name = firstMatch(#"name:\s*"([^"]+)""#, in: call) else { continue }
                var deps = Set<String>()
                if let d = call.range(of: "dependencies:"), let open = call[d.upperBound...].firstIndex(of: "["),
                   let close = call[open...].firstIndex(of: "]") {
                    let list = call[open..<close].replacingOccurrences(of: #"package:\s*"[^"]+""#, with: "", options: .regularExpression)
                    deps = Set(allMatches(#""([^"]+)""#, in: list))
                }
                out[name] = deps
            }
        }
        return out
    }

    /// The modules a target's sources import that this package or its dependencies provide.
    static func imports(of target: String, known: Set<String>) throws -> Set<String> {
        let dir = root + "/Sources/" + target
        var found = Set<String>()
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.hasPrefix("@testable import ") {
                let module = String(line.split(separator: " ").last!)
                if known.contains(module) { found.insert(module) }
            }
        }
        return found
    }

    static func firstMatch(_ pattern: String, in s: String) -> String? { allMatches(pattern, in: s).first }
    static func allMatches(_ pattern: String, in s: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern)
        return re.matches(in: s, range: NSRange(s.startIndex..., in: s)).compactMap { Range($0.range(at: 1), in: s).map { String(s[$0]) } }
    }

    static var systemLibraries: Set<String> {
        let text = (try? String(contentsOfFile: root + "/Package.swift", encoding: .utf8)) ?? ""
        return Set(allMatches(#"\.systemLibrary\(name:\s*"([^"]+)""#, in: text))
    }

    /// Other packages' products our modules import (outside the module table's order).
    static let products: Set<String> = ["Yams", "ArgumentParser", "Prometheus", "Hummingbird", "NIOCore", "Logging"]

    @Test func declaredDependenciesAreExactlyTheImports() throws {
        let targets = try Self.declared()
        #expect(targets.count > 10, "Package.swift's targets were not found")
        let known = Set(targets.keys).union(Self.systemLibraries).union(Self.products)
        for (name, deps) in targets.sorted(by: { $0.key < $1.key }) {
            let used = try Self.imports(of: name, known: known)
            #expect(used == deps, "\(name): imports \(used.subtracting(deps).sorted()) undeclared, declares \(deps.subtracting(used).sorted()) unused")
        }
    }

    /// docs/ARCHITECTURE.md's table (between `<!-- module-map -->` markers): module | imports | role.
    @Test func theReadmeModuleMapMatchesPackageSwift() throws {
        let doc = try String(contentsOfFile: Self.root + "/docs/ARCHITECTURE.md", encoding: .utf8)
        let start = try #require(doc.range(of: "<!-- module-map -->"), "docs/ARCHITECTURE.md has no module map")
        let end = try #require(doc.range(of: "<!-- /module-map -->"), "docs/ARCHITECTURE.md's module map has no end marker")
        var map: [String: Set<String>] = [:]
        var order: [String] = []
        for line in doc[start.upperBound..<end.lowerBound].split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            map[name] = Set(Self.allMatches("`([^`]+)`", in: cells[2]))
            order.append(name)
        }
        // Read top to bottom, a module imports only modules above it (products are outside the table).
        for (i, name) in order.enumerated() {
            let above = Set(order[..<i])
            let below = map[name]!.subtracting(above).subtracting(Self.products)
            #expect(below.isEmpty, "module map: \(name) imports \(below.sorted()), listed below it")
        }
        // System libraries are listed too, without imports.
        let targets = try Self.declared().merging(Self.systemLibraries.map { ($0, Set<String>()) }) { a, _ in a }
        #expect(Set(map.keys) == Set(targets.keys), "modules in the module map but not Package.swift: \(Set(map.keys).subtracting(targets.keys).sorted()); the reverse: \(Set(targets.keys).subtracting(map.keys).sorted())")
        for (name, deps) in targets where map[name] != nil {
            #expect(map[name] == deps, "the module map says \(name) imports \(map[name]!.sorted()), Package.swift \(deps.sorted())")
        }
    }

    /// The workers link only what they run: no trainer, config, pretraining or learner code.
    @Test func workersDoNotLinkTheTrainingStack() throws {
        let targets = try Self.declared()
        func closure(_ name: String) -> Set<String> {
            var seen = Set<String>(), stack = [name]
            while let n = stack.popLast() {
                for d in targets[n] ?? [] where !seen.contains(d) { seen.insert(d); stack.append(d) }
            }
            return seen
        }
        for worker in ["Actor", "VerifierWorker"] {
            let linked = closure(worker)
            let forbidden = linked.intersection(["Trainer", "Pretrain", "Cluster", "Learner", "RL", "Eval", "Yams"])
            #expect(forbidden.isEmpty, "\(worker) links \(forbidden.sorted())")
        }
    }
}
