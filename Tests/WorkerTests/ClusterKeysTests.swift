import Foundation
import Testing
import Transport
import Worker

@Suite("ClusterKeys (keygen's files)")
struct ClusterKeysTests {
    let dir = NSTemporaryDirectory() + "nr-keys-\(UUID().uuidString)"

    @Test func keygenWritesPairsAndAnAllowListAndKeepsThemWhenRunAgain() throws {
        #expect(try ClusterKeys.make(at: dir, workers: ["actor-1", "verifier-1"]) == ["actor-1", "verifier-1"])
        let learner = try ClusterKeys.learner(at: dir)
        let a = try ClusterKeys.worker(at: dir + "/workers/actor-1")
        #expect(a.learnerKey == learner.keys.publicKey && learner.allowed[a.keys.publicKey] == "actor-1" && learner.allowed.count == 2)
        var st = stat()
        #expect(stat(dir + "/learner.key_secret", &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(stat(dir + "/workers/actor-1/worker.key_secret", &st) == 0 && st.st_mode & 0o777 == 0o600)
        // Again, with one more: existing keys stay, the new one joins the allow-list.
        #expect(try ClusterKeys.make(at: dir, workers: ["actor-1", "actor-2"]) == ["actor-2"])
        let again = try ClusterKeys.learner(at: dir)
        let a2 = try ClusterKeys.worker(at: dir + "/workers/actor-1")
        #expect(again.keys == learner.keys && again.allowed.count == 3 && a2.keys == a.keys)
    }

    @Test func badKeyFilesAreClearErrors() throws {
        try ClusterKeys.make(at: dir, workers: ["w"])
        chmod(dir + "/workers/w/worker.key_secret", 0o644)
        #expect(throws: KeyError.readableByOthers(dir + "/workers/w/worker.key_secret")) { try ClusterKeys.worker(at: dir + "/workers/w") }
        #expect(throws: KeyError.missing(dir + "/nowhere/learner.key")) { try ClusterKeys.worker(at: dir + "/nowhere") }
        try "garbage\n".write(toFile: dir + "/" + ClusterKeys.allowList, atomically: true, encoding: .utf8)
        #expect(throws: KeyError.badAllowList(dir + "/" + ClusterKeys.allowList, line: 1)) { try ClusterKeys.learner(at: dir) }
        #expect(throws: KeyError.badName("../x")) { try ClusterKeys.make(at: dir, workers: ["../x"]) }
    }
}
