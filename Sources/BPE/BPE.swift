// BPE: byte-level BPE tokenizers from Hugging Face `tokenizer.json` files, encoding and
// decoding exactly as the `tokenizers` library does, and the ChatML chat templates.
//
//   BPETokenizer       the tokenizer: init(directory:), encode, decode, ids, special tokens
//   ChatTemplate       a recognised chat template and its renderer (ChatMessage in, text out)
//   BPEError           every load error, naming the file and what to do
//
// Inside: TokenizerDefinition/TokenizerConfig read the files; AddedTokenMatcher, Normalizer,
// PreTokenizer (SplitPattern, the hand-written split regexes over ScalarClass) and BPEModel
// (MergeTable, WordCache) encode; DecodeTable decodes; JinjaLayout and KnownChatTemplates
// recognise templates.
