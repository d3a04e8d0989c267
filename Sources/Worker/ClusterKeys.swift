import Foundation
import Transport

/// The CurveZMQ keys of a cluster on disk, as `nanoreasoner keygen DIR` writes them:
///
///     DIR/learner.key            the learner's public key (Z85, 40 characters)
///     DIR/learner.key_secret     its secret key (mode 0600)
///     DIR/allowed_workers        one line per worker: "PUBLIC-KEY NAME"
///     DIR/workers/NAME/          what one worker machine needs, copied there as is:
///         learner.key, worker.key, worker.key_secret (0600)
///
/// A worker is let in when its public key is in `allowed_workers`; deleting its line (and
/// restarting the learner) locks it out.
public enum ClusterKeys {
    public static let allowList = "allowed_workers"

    /// Whether `dir` holds a learner's keys.
    public static func exist(at dir: String) -> Bool { FileManager.default.fileExists(atPath: dir + "/learner.key_secret") }

    /// The names `launch` gives its workers (and `keygen` by default): actor-1…, verifier-1….
    public static func workerNames(actors: Int, verifiers: Int) -> [String] {
        (1...max(actors, 1)).map { "actor-\($0)" } + (0..<max(verifiers, 0)).map { "verifier-\($0 + 1)" }
    }

    /// The learner's keys and whom it lets in (public key → worker name).
    public struct Learner: Sendable {
        public var keys: CurveKeyPair
        public var allowed: [String: String]
        /// Where they were read: the allow-list is read again when an unknown key knocks, so
        /// workers added with `keygen` get in without restarting the learner.
        public var directory: String
        public var security: SocketSecurity { .curveServer(secretKey: keys.secretKey) }
    }

    /// One worker's keys and the learner key it expects.
    public struct Worker: Sendable {
        public var learnerKey: String
        public var keys: CurveKeyPair
        public var security: SocketSecurity { .curveClient(serverKey: learnerKey, keys: keys) }
    }

    /// Creates `dir` or completes it: the learner's pair when missing, a pair for each of
    /// `workers` that has none, and the allow-list rewritten to hold every worker's key.
    /// Returns the names given new keys.
    @discardableResult
    public static func make(at dir: String, workers: [String]) throws -> [String] {
        for name in workers where !isName(name) {
            throw KeyError.badName(name)
        }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/workers", withIntermediateDirectories: true)
        let learner: CurveKeyPair
        if exist(at: dir) {
            learner = try loadPair(public: dir + "/learner.key", secret: dir + "/learner.key_secret")
        } else {
            learner = try CurveKeyPair.generate()
            try write(learner, public: dir + "/learner.key", secret: dir + "/learner.key_secret")
        }
        var created: [String] = []
        for name in workers where !fm.fileExists(atPath: "\(dir)/workers/\(name)/worker.key_secret") {
            let w = "\(dir)/workers/\(name)"
            try fm.createDirectory(atPath: w, withIntermediateDirectories: true)
            try write(try CurveKeyPair.generate(), public: w + "/worker.key", secret: w + "/worker.key_secret")
            created.append(name)
        }
        // Every worker folder gets the learner's public key, and the allow-list lists them all.
        var lines: [String] = []
        for name in try fm.contentsOfDirectory(atPath: dir + "/workers").sorted() {
            let w = "\(dir)/workers/\(name)"
            guard fm.fileExists(atPath: w + "/worker.key") else { continue }
            try (learner.publicKey + "\n").write(toFile: w + "/learner.key", atomically: true, encoding: .utf8)
            lines.append("\(try readKey(w + "/worker.key")) \(name)")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/" + allowList, atomically: true, encoding: .utf8)
        return created
    }

    /// The learner's side of `dir`.
    public static func learner(at dir: String) throws -> Learner {
        let keys = try loadPair(public: dir + "/learner.key", secret: dir + "/learner.key_secret")
        let path = dir + "/" + allowList
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw KeyError.missing(path) }
        var allowed: [String: String] = [:]
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if parts.isEmpty || parts[0].hasPrefix("#") { continue }
            guard parts.count == 2, Curve.isKey(parts[0]) else { throw KeyError.badAllowList(path, line: n + 1) }
            allowed[parts[0]] = parts[1]
        }
        return Learner(keys: keys, allowed: allowed, directory: dir)
    }

    /// A worker's folder (`DIR/workers/NAME`, or a copy of it on another machine).
    public static func worker(at dir: String) throws -> Worker {
        Worker(learnerKey: try readKey(dir + "/learner.key"),
               keys: try loadPair(public: dir + "/worker.key", secret: dir + "/worker.key_secret"))
    }

    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64 && s.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } && !s.hasPrefix(".")
    }

    private static func write(_ pair: CurveKeyPair, public pub: String, secret: String) throws {
        try (pair.publicKey + "\n").write(toFile: pub, atomically: true, encoding: .utf8)
        // Created 0600 from the start: never readable by others, not even for a moment.
        let fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw KeyError.unwritable(secret, String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array((pair.secretKey + "\n").utf8)
        guard Foundation.write(fd, bytes, bytes.count) == bytes.count else { throw KeyError.unwritable(secret, String(cString: strerror(errno))) }
    }

    private static func readKey(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw KeyError.missing(path) }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Curve.isKey(key) else { throw KeyError.notAKey(path) }
        return key
    }

    private static func loadPair(public pub: String, secret: String) throws -> CurveKeyPair {
        var st = stat()
        guard stat(secret, &st) == 0 else { throw KeyError.missing(secret) }
        if st.st_mode & 0o077 != 0 { throw KeyError.readableByOthers(secret) }
        guard let pair = CurveKeyPair(secretKey: try readKey(secret)) else { throw KeyError.notAKey(secret) }
        guard try readKey(pub) == pair.publicKey else { throw KeyError.mismatch(pub, secret) }
        return pair
    }
}

public enum KeyError: Error, CustomStringConvertible, Equatable {
    case missing(String), notAKey(String), readableByOthers(String), mismatch(String, String)
    case badAllowList(String, line: Int), badName(String), unwritable(String, String)

    public var description: String {
        switch self {
        case .missing(let p): return "no key file \(p); make the cluster's keys with `nanoreasoner keygen DIR` (see cluster/README.md)"
        case .notAKey(let p): return "\(p) does not hold a CURVE key (40 Z85 characters); make it again with `nanoreasoner keygen`"
        case .readableByOthers(let p): return "\(p) is readable by other users; a secret key must not be: chmod 600 \(p)"
        case .mismatch(let pub, let sec): return "\(pub) is not the public half of \(sec); were they copied from different key directories?"
        case .badAllowList(let p, let n): return "\(p) line \(n): expected \"PUBLIC-KEY NAME\" with a 40-character Z85 key"
        case .badName(let n): return "worker name \"\(n)\" must be 1–64 letters, digits, '-', '_' or '.' (a folder name)"
        case .unwritable(let p, let why): return "cannot write \(p): \(why)"
        }
    }
}
