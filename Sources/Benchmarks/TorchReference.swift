/// Where the PyTorch side of the comparison comes from: scripts/torch_train_bench.py run
/// with `python` (driven by `TorchServer`).
public struct TorchReference {
    public var python: String
    public var script: String

    public init(python: String, script: String = "scripts/torch_train_bench.py") {
        self.python = python
        self.script = script
    }
}
