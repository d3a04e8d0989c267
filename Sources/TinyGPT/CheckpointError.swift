import ModelFiles

/// Why a checkpoint could not be read or written, naming the file: the model files' error.
public typealias CheckpointError = ModelFileError
