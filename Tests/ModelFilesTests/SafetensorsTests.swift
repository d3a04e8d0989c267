import Foundation
import Testing
@testable import ModelFiles

@Suite("Safetensors")
struct SafetensorsTests {
    static let a: [Float] = [1, -2, 3.5, 0, .infinity, -0.0]
    static let b: [Float] = [0.25, 1e-30]

    static func encoded(metadata: [String: String] = ["format": "pt"]) -> Data {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                Safetensors.encode([("layer.a", [2, 3], pa), ("b", [2], pb)], metadata: metadata)
            }
        }
    }

    /// An encoded file with its JSON header replaced (the data area kept as is).
    static func withHeader(_ json: String, data: [UInt8]) -> Data {
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        return Data(out + header + data)
    }

    @Test func encodeDecodeRoundTrip() throws {
        let (tensors, meta) = try Safetensors.decode(Self.encoded(), path: "x.safetensors")
        #expect(meta == ["format": "pt"])
        #expect(tensors["layer.a"]?.shape == [2, 3])
        #expect(tensors["layer.a"]?.values.map(\.bitPattern) == Self.a.map(\.bitPattern))
        #expect(tensors["b"]?.values == Self.b)
        let file = try SafetensorsFile(data: Self.encoded(), path: "x.safetensors")
        #expect(file.names == ["layer.a", "b"])
        #expect(file.shape("b") == [2] && file.dtype("b") == "F32" && file.shape("nope") == nil)
        // Headers are padded so the data area starts 8-byte aligned.
        let data = Self.encoded()
        #expect((8 + Int([UInt8](data).u64(at: 0))) % 8 == 0)
    }

    @Test func writerStreamsTheSameBytesAsEncode() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/w.safetensors"
        let w = try SafetensorsWriter(path: path, tensors: [("layer.a", [2, 3]), ("b", [2])], metadata: ["format": "pt"])
        try Self.a.withUnsafeBufferPointer { try w.write("layer.a", $0) }
        try Self.b.withUnsafeBufferPointer { try w.write("b", $0) }
        try w.finish()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Self.encoded())
        let file = try SafetensorsFile(path: path)
        var out = [Float](repeating: 9, count: 2)
        try out.withUnsafeMutableBufferPointer { try file.read("b", into: $0) }
        #expect(out == Self.b)
        #expect(modelFileError { _ = try SafetensorsWriter(path: dir + "/no/such/dir/x.safetensors", tensors: []) }?.problem.contains("could not create") == true)
    }

    /// mixed.safetensors was written by the safetensors library itself: F16 and BF16 read as
    /// the same values as the F32 copies, other dtypes are refused by name.
    @Test func readsF16AndBF16FromAnIndependentWriter() throws {
        let path = Fixture.path("mixed.safetensors")
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata["note"] == "written by safetensors.torch")
        #expect(file.shape("values.f16") == [2, 4] && file.dtype("values.bf16") == "BF16")
        let f32 = try file.read("values.f32")
        #expect(try file.read("values.f16").map(\.bitPattern) == f32.map(\.bitPattern))
        #expect(try file.read("values.bf16") == file.read("values.bf16_as_f32"))
        #expect(try file.read("empty").isEmpty)
        let e = modelFileError { _ = try file.read("ids.i64") }
        #expect(e?.path == path && e?.problem.contains("I64") == true && e?.problem.contains("ids.i64") == true)
        #expect(modelFileError { _ = try Safetensors.decode(Data(contentsOf: URL(fileURLWithPath: path)), path: path) }?.problem.contains("I64") == true)
        var small = [Float](repeating: 0, count: 3)
        #expect(modelFileError { try small.withUnsafeMutableBufferPointer { try file.read("values.f32", into: $0) } }?.problem.contains("holds 3") == true)
        #expect(modelFileError { _ = try file.read("nope") }?.problem.contains("no tensor named nope") == true)
    }

    @Test func corruptFilesGiveClearErrors() throws {
        let good = [UInt8](Self.encoded())
        let dataArea = Array(good[(8 + Int(good.u64(at: 0)))...])  // 32 bytes: a then b
        func problem(_ bytes: Data) -> String {
            guard let e = modelFileError({ _ = try SafetensorsFile(data: bytes, path: "m.safetensors") }) else { return "no error" }
            #expect(e.path == "m.safetensors")
            return e.problem
        }
        #expect(problem(Data(good.prefix(5))).contains("truncated"))
        #expect(problem(Data(good.prefix(good.count - 4))).contains("truncated"))
        var huge = good
        huge.setU64(1 << 40, at: 0)
        #expect(problem(Data(huge)).contains("header length"))
        var long = good
        long.setU64(UInt64(good.count), at: 0)
        #expect(problem(Data(long)).contains("header length"))
        #expect(problem(Self.withHeader("[1, 2]", data: [])).contains("not a JSON object"))
        #expect(problem(Self.withHeader("{\"a\": 1", data: [])).contains("not a JSON object"))
        func entry(_ dtype: String = "F32", _ shape: String = "[2]", _ offsets: String = "[0, 8]") -> String {
            "{\"t\": {\"dtype\": \"\(dtype)\", \"shape\": \(shape), \"data_offsets\": \(offsets)}}"
        }
        let eight = [UInt8](repeating: 0, count: 8)
        #expect(problem(Self.withHeader(entry(), data: eight)) == "no error")
        #expect(problem(Self.withHeader(entry("F99"), data: eight)).contains("dtype F99"))
        #expect(problem(Self.withHeader(entry("F32", "[-2]"), data: eight)).contains("negative"))
        #expect(problem(Self.withHeader(entry("F32", "[2.5]"), data: eight)).contains("not a list of integers"))
        #expect(problem(Self.withHeader(entry("F32", "[true]"), data: eight)).contains("not a list of integers"))
        #expect(problem(Self.withHeader(entry("F32", "[4294967296, 4294967296, 4294967296]"), data: eight)).contains("too many elements"))
        #expect(problem(Self.withHeader(entry("F32", "[3]"), data: eight)).contains("span 8"))
        #expect(problem(Self.withHeader(entry("F32", "[2]", "[8, 0]"), data: eight)).contains("not a byte range"))
        #expect(problem(Self.withHeader(entry("F32", "[2]", "[0]"), data: eight)).contains("two integers"))
        #expect(problem(Self.withHeader(entry("F32", "[2]", "[8, 16]"), data: eight)).contains("truncated"))
        #expect(problem(Self.withHeader(entry(), data: eight + [0])).contains("nobody owns"))
        #expect(problem(Self.withHeader("{\"t\": 5}", data: [])).contains("not a JSON object"))
        #expect(problem(Self.withHeader("{\"__metadata__\": {\"k\": 1}}", data: [])).contains("__metadata__"))
        let overlap = "{\"a\": {\"dtype\": \"F32\", \"shape\": [6], \"data_offsets\": [0, 24]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [16, 24]}}"
        #expect(problem(Self.withHeader(overlap, data: dataArea)).contains("overlaps"))
        let gap = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [24, 32]}}"
        #expect(problem(Self.withHeader(gap, data: dataArea)).contains("no tensor covers bytes 8..<24"))
        let same = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}"
        #expect(problem(Self.withHeader(same, data: eight)).contains("overlaps"))
    }

    @Test func foldersOfOneFileOrShards() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(modelFileError { _ = try SafetensorsFolder(directory: dir) }?.problem.contains("neither model.safetensors nor") == true)
        #expect(modelFileError { _ = try SafetensorsFolder(directory: dir + "/nope") }?.problem.contains("no such model folder") == true)

        func shard(_ name: String, _ tensors: [(String, [Float])]) throws {
            let w = try SafetensorsWriter(path: dir + "/" + name, tensors: tensors.map { ($0.0, [$0.1.count]) })
            for (n, v) in tensors { try v.withUnsafeBufferPointer { try w.write(n, $0) } }
            try w.finish()
        }
        func index(_ map: [String: String]) throws {
            let json = try JSONSerialization.data(withJSONObject: ["metadata": ["total_size": 0], "weight_map": map])
            try json.write(to: URL(fileURLWithPath: dir + "/" + SafetensorsFolder.indexFile))
        }
        try shard("model-00001-of-00002.safetensors", [("x", [1, 2]), ("y", [3])])
        try shard("model-00002-of-00002.safetensors", [("z", [4, 5, 6])])
        try index(["x": "model-00001-of-00002.safetensors", "y": "model-00001-of-00002.safetensors", "z": "model-00002-of-00002.safetensors"])
        let folder = try SafetensorsFolder(directory: dir)
        #expect(folder.names == ["x", "y", "z"])
        #expect(folder.shape("z") == [3] && folder.shape("w") == nil)
        var z = [Float](repeating: 0, count: 3)
        try z.withUnsafeMutableBufferPointer { try folder.read("z", into: $0) }
        #expect(z == [4, 5, 6])
        #expect(modelFileError { try z.withUnsafeMutableBufferPointer { try folder.read("w", into: $0) } }?.problem.contains("w") == true)

        // The index and the shards must agree.
        try index(["x": "model-00002-of-00002.safetensors", "z": "model-00002-of-00002.safetensors"])
        #expect(modelFileError { _ = try SafetensorsFolder(directory: dir) }?.problem.contains("puts tensor x in model-00002-of-00002.safetensors") == true)
        try index(["x": "../elsewhere.safetensors"])
        #expect(modelFileError { _ = try SafetensorsFolder(directory: dir) }?.problem.contains("not a file name") == true)
        try index(["x": "missing.safetensors"])
        let missing = modelFileError { _ = try SafetensorsFolder(directory: dir) }
        #expect(missing?.path.hasSuffix("missing.safetensors") == true && missing?.problem == "file is missing")
        try shard("model-00002-of-00002.safetensors", [("x", [7, 8])])
        try index(["x": "model-00001-of-00002.safetensors", "y": "model-00001-of-00002.safetensors", "z": "model-00002-of-00002.safetensors"])
        #expect(modelFileError { _ = try SafetensorsFolder(directory: dir) }?.problem.contains("is in both") == true)
        try Data("{\"weight_map\": 3}".utf8).write(to: URL(fileURLWithPath: dir + "/" + SafetensorsFolder.indexFile))
        #expect(modelFileError { _ = try SafetensorsFolder(directory: dir) }?.problem.contains("no weight_map") == true)

        // A single model.safetensors wins, as in transformers.
        try shard(SafetensorsFolder.singleFile, [("only", [1])])
        #expect(try SafetensorsFolder(directory: dir).names == ["only"])
    }

    @Test func jsonTextEscapesAndKeepsOrder() {
        let json = JSONText.object([("b", .string("q\"\\\n\u{1}é")), ("a", .array([.int(-3), .float(1e-5), .double(0.5), .bool(true), .null, .float(.nan)]))])
        #expect(json.rendered() == #"{"b":"q\"\\\n\u0001é","a":[-3,1e-05,0.5,true,null,null]}"#)
        #expect(JSONText.object([("k", .array([]))]).rendered(pretty: true) == "{\n  \"k\": []\n}")
    }

    @Test func halfFloatConversions() {
        #expect(HalfFloat.float(fromHalf: 0x3C00) == 1)
        #expect(HalfFloat.float(fromHalf: 0xC000) == -2)
        #expect(HalfFloat.float(fromHalf: 0x7BFF) == 65504)
        #expect(HalfFloat.float(fromHalf: 0x0001) == 0x1p-24)
        #expect(HalfFloat.float(fromHalf: 0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(HalfFloat.float(fromHalf: 0x7C00) == .infinity)
        #expect(HalfFloat.float(fromHalf: 0x7E00).isNaN)
        #expect(HalfFloat.float(fromBFloat16: 0x4049) == 3.140625)
    }
}
