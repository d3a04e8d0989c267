import Foundation

/// A Hugging Face model folder's weights: `model.safetensors`, or the shards listed by
/// `model.safetensors.index.json` (`weight_map`: tensor name → shard file).
public struct SafetensorsFolder {
    public static let singleFile = "model.safetensors"
    public static let indexFile = "model.safetensors.index.json"

    public let directory: String
    /// Every tensor name, sorted.
    public let names: [String]
    private let files: [SafetensorsFile]
    private let fileOf: [String: Int]

    /// Opens the folder's weights (the single file when there is one, like transformers),
    /// checking that the index and the shards agree.
    public init(directory: String) throws {
        self.directory = directory
        let dir = URL(fileURLWithPath: directory)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelFileError(directory, "no such model folder")
        }
        let single = dir.appendingPathComponent(Self.singleFile).path
        let index = dir.appendingPathComponent(Self.indexFile).path
        if fm.fileExists(atPath: single) {
            let file = try SafetensorsFile(path: single)
            files = [file]
            fileOf = Dictionary(file.names.map { ($0, 0) }, uniquingKeysWith: { a, _ in a })
            names = file.names.sorted()
            return
        }
        guard fm.fileExists(atPath: index) else {
            throw ModelFileError(directory, "has neither \(Self.singleFile) nor \(Self.indexFile); is this a Hugging Face model folder?")
        }
        let weightMap = try Self.readWeightMap(index)
        // Open each shard once, in a stable order.
        let shardNames = Set(weightMap.values).sorted()
        var shards: [SafetensorsFile] = []
        var shardIndex: [String: Int] = [:]
        for shard in shardNames {
            shardIndex[shard] = shards.count
            shards.append(try SafetensorsFile(path: dir.appendingPathComponent(shard).path))
        }
        var fileOf: [String: Int] = [:]
        for (i, shard) in shards.enumerated() {
            for name in shard.names {
                if let other = fileOf[name] {
                    throw ModelFileError(index, "tensor \(name) is in both \(shardNames[other]) and \(shardNames[i])")
                }
                fileOf[name] = i
            }
        }
        for (name, shard) in weightMap.sorted(by: { $0.key < $1.key }) {
            guard let i = fileOf[name], shardNames[i] == shard else {
                let actual = fileOf[name].map { "it is in \(shardNames[$0])" } ?? "no shard has it"
                throw ModelFileError(index, "weight_map puts tensor \(name) in \(shard), but \(actual)")
            }
        }
        files = shards
        self.fileOf = fileOf
        names = fileOf.keys.sorted()
    }

    /// The tensor's shape, or nil when no file of the folder has it.
    public func shape(_ name: String) -> [Int]? { fileOf[name].flatMap { files[$0].shape(name) } }

    /// The file that holds the tensor.
    public func file(of name: String) -> SafetensorsFile? { fileOf[name].map { files[$0] } }

    /// Converts the tensor to Float into `out`, which must hold exactly its element count.
    public func read(_ name: String, into out: UnsafeMutableBufferPointer<Float>) throws {
        guard let i = fileOf[name] else { throw ModelFileError(directory, "no safetensors file in this folder has a tensor named \(name)") }
        try files[i].read(name, into: out)
    }

    /// The index's weight_map, with shard names checked to be plain file names in the folder.
    private static func readWeightMap(_ path: String) throws -> [String: String] {
        let data = try mapFile(path)
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelFileError(path, "is not a JSON object")
        }
        guard let map = json["weight_map"] as? [String: Any] else {
            throw ModelFileError(path, "has no weight_map object (tensor name → shard file)")
        }
        var out: [String: String] = [:]
        for (name, value) in map {
            guard let shard = value as? String else { throw ModelFileError(path, "weight_map entry \(name) is not a file name") }
            // A shard is a file beside the index, never a path elsewhere.
            guard !shard.isEmpty, !shard.contains("/"), shard != ".", shard != ".." else {
                throw ModelFileError(path, "weight_map puts \(name) in \"\(shard)\", which is not a file name in this folder")
            }
            out[name] = shard
        }
        guard !out.isEmpty else { throw ModelFileError(path, "weight_map is empty") }
        return out
    }
}
