import Foundation
import Kernels
import Policy
import Sampler
import Testing

/// The repository's root, two folders above this file's.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

/// Loading a checkpoint of either family through the one seam.
@Suite("Policies of either family")
struct PolicyTests {
    @Test func aMissingOrForeignFolderIsAClearError() throws {
        let empty = NSTemporaryDirectory() + "policy-empty-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect { try Policy.load(empty) } throws: { "\($0)".contains("config.json") }
        try Data(#"{"model_type": "mamba"}"#.utf8).write(to: URL(fileURLWithPath: empty + "/config.json"))
        #expect { try Policy.load(empty) } throws: { "\($0)".contains("mamba") }
    }
}
