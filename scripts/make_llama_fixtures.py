#!/usr/bin/env python3
"""Make the tiny Llama / Qwen2 reference fixtures in Tests/Fixtures/llama/.

Rerun (from the repository root; needs torch, transformers, tokenizers, safetensors):
  python3 scripts/make_llama_fixtures.py [--out Tests/Fixtures/llama]

Everything is seeded, so a rerun with the same library versions rewrites the same files.
It writes:
  tokenizer.json, tokenizer_config.json  (also copied into both model folders)
      a byte-level BPE with 300 ids trained here with `tokenizers` on a small built-in
      corpus: SmolLM2's pre-tokenizer Sequence[Digits(individual_digits=True),
      ByteLevel(add_prefix_space=False, use_regex=True)], ByteLevel decoder, special
      tokens <|endoftext|>=0, <|im_start|>=1, <|im_end|>=2, SmolLM2's ChatML chat
      template (bos <|im_start|>, eos and pad <|im_end|>); no BOS is ever added.
  llama-tiny/   LlamaForCausalLM, 2 layers, hidden 32, 4 heads, 2 kv heads (GQA),
                intermediate 64, rms eps 1e-5, rope theta 1e4, untied lm_head;
                save_pretrained in bfloat16, two safetensors shards + index.
  qwen2-tiny/   Qwen2ForCausalLM, 2 layers, hidden 32, 4 heads, 1 kv head,
                intermediate 48, rms eps 1e-6, rope theta 1e6, q/k/v biases, tied
                embeddings; save_pretrained in float32, one file.
  expected.json reference values computed by transformers from the saved folders,
                loaded back with AutoModelForCausalLM.from_pretrained(dir,
                dtype=float32, attn_implementation="eager") (bf16 weights upcast
                exactly), eval mode.  Its layout is described in its "schema" key.
Weights are random: normal(0, 0.2) for every matrix and bias, 1 + normal(0, 0.1) for
the RMSNorm weights, so logits are far from flat.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
VOCAB_SIZE = 300
# SmolLM2's template, byte for byte as in its tokenizer_config.json (and its GGUF): the
# newlines inside the Jinja string literals are real newline characters, not "\\n".
CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

# Training text for the tokenizer (written for this fixture).
CORPUS = [
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n",
    "<|im_start|>user\nWhat is the sum of the two numbers? Think step by step.<|im_end|>\n",
    "<|im_start|>assistant\nThe answer is the sum of the tens and the ones.<|im_end|>\n",
    "A reasoner writes out each step, then gives the final answer on its own line.",
    "Answer: 132. The tens give 120 and the ones give 12, so the total is 132.",
    "In the morning the train left the station and the passengers read their books.",
    "There is nothing in the world that cannot be counted, measured or reasoned about.",
    "She said that the weather in the mountains is colder than the weather on the coast.",
    "Numbers like 47, 85, 305 and 2024 are split into single digits before merging.",
    "Café, naïve, résumé, Zürich, 東京, Ωmega and emoji like 🚀 are bytes at heart.",
    "def add(a, b):\n    return a + b\n\nprint(add(47, 85))\n",
]

CHAT = [{"role": "user", "content": "What is 47+85? Answer: <number>"}]

TEXTS = [
    ("prose", "The quick brown fox jumps over the lazy dog, then thinks about the answer."),
    ("digits", "47+85=132"),
    ("unicode", "Café naïve — 東京 🚀🎉 ok"),
    ("whitespace", "a  b\t\tc\n\n  d   e \n"),
    ("chat", None),  # CHAT rendered with apply_chat_template(add_generation_prompt=True)
    ("long", "In the morning the train left the station. Each passenger read a book, "
             "and the reasoner wrote out every step: 47+85 is 132, so the answer is 132."),
]
GREEDY_PROMPTS = ["The answer is", "47+85=", None]  # None: the chat prompt
GREEDY_NEW = 12
TOP_K = 5


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def make_tokenizer(out):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE, min_frequency=2, special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS * 4, trainer)
    for i, s in enumerate(SPECIALS):
        assert tok.token_to_id(s) == i, (s, tok.token_to_id(s))
    tok.save(os.path.join(out, "tokenizer.json"))
    # Written by hand (not tokenizer.save_pretrained) so the chat template sits inside
    # tokenizer_config.json as in SmolLM2's repository.  tokenizer_class is
    # PreTrainedTokenizerFast: transformers then uses tokenizer.json as is (with
    # "GPT2Tokenizer", transformers 5 rebuilds a plain ByteLevel pre-tokenizer and drops
    # the Digits step).
    cfg = {
        "add_prefix_space": False,
        "added_tokens_decoder": {str(i): {"content": s, "lstrip": False, "normalized": False,
                                          "rstrip": False, "single_word": False, "special": True}
                                 for i, s in enumerate(SPECIALS)},
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": "<|im_start|>",
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "model_max_length": 128,
        "pad_token": "<|im_end|>",
        "tokenizer_class": "PreTrainedTokenizerFast",
        "unk_token": "<|endoftext|>",
    }
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return tok


def randomize(model, seed):
    import torch
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied weights appear once
            if "norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))


def summary(model_dir, model):
    c = model.config
    rope = getattr(c, "rope_parameters", None) or {}
    with open(os.path.join(model_dir, "config.json")) as f:
        raw = json.load(f)
    return {
        "architectures": raw.get("architectures"), "model_type": c.model_type,
        "num_hidden_layers": c.num_hidden_layers, "hidden_size": c.hidden_size,
        "num_attention_heads": c.num_attention_heads,
        "num_key_value_heads": c.num_key_value_heads,
        "head_dim": getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads,
        "intermediate_size": c.intermediate_size, "rms_norm_eps": c.rms_norm_eps,
        "rope_theta": rope.get("rope_theta", getattr(c, "rope_theta", None)),
        "rope_type": rope.get("rope_type", "default"),
        "max_position_embeddings": c.max_position_embeddings, "vocab_size": c.vocab_size,
        "tie_word_embeddings": c.tie_word_embeddings, "hidden_act": c.hidden_act,
        "qkv_bias": c.model_type == "qwen2" or bool(getattr(c, "attention_bias", False)),
        "saved_dtype": raw.get("dtype", raw.get("torch_dtype")),
        "bos_token_id": c.bos_token_id, "eos_token_id": c.eos_token_id,
        "files": sorted(os.listdir(model_dir)),
        "num_parameters": sum(p.numel() for p in model.parameters()),
    }


def references(model_dir, texts, greedy_prompts):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from tokenizers import Tokenizer
    raw_tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    hf_tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(
        model_dir, dtype=torch.float32, attn_implementation="eager").eval()
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0

    def encode(text):
        ids = raw_tok.encode(text).ids
        assert hf_tok(text)["input_ids"] == ids, ("AutoTokenizer disagrees", text)
        assert raw_tok.decode(ids, skip_special_tokens=False) == text, ("no round trip", text)
        return ids

    cases, first_rows = [], None
    for name, text in texts:
        ids = encode(text)
        assert 2 <= len(ids) <= model.config.max_position_embeddings, (name, len(ids))
        with torch.inference_mode():
            logits = model(torch.tensor([ids])).logits[0]
        lp = torch.log_softmax(logits.double(), dim=-1)  # lp[j] = log p(. | ids[<=j])
        if first_rows is None:
            first_rows = [[float(x) for x in logits[j].tolist()] for j in range(3)]
        top = []
        for pos in sorted({0, len(ids) // 2, len(ids) - 1}):
            v, i = torch.topk(lp[pos], TOP_K)
            top.append({"position": pos,
                        "next": [[int(a), float(b)] for a, b in zip(i.tolist(), v.tolist())]})
        cases.append({
            "name": name, "text": text, "ids": ids,
            "pieces": [raw_tok.id_to_token(t) for t in ids],
            "logprobs": [None] + [float(lp[i - 1, ids[i]]) for i in range(1, len(ids))],
            "top": top,
        })
        log(f"  {name}: {len(ids)} tokens, mean logprob "
            f"{sum(cases[-1]['logprobs'][1:]) / (len(ids) - 1):.3f}")

    greedy = []
    for text in greedy_prompts:
        ids = encode(text)
        with torch.inference_mode():
            out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                 do_sample=False, max_new_tokens=GREEDY_NEW, eos_token_id=None)
            new = out[0, len(ids):].tolist()
            # The same by hand, recomputing the whole sequence each step (no KV cache).
            seq, gap = list(ids), float("inf")
            for _ in range(GREEDY_NEW):
                last = model(torch.tensor([seq])).logits[0, -1]
                two = torch.topk(last, 2).values
                gap = min(gap, float(two[0] - two[1]))
                seq.append(int(last.argmax()))
        assert len(new) == GREEDY_NEW and new == seq[len(ids):], (text, new, seq[len(ids):])
        greedy.append({"prompt": text, "prompt_ids": ids, "new_ids": new, "min_top2_logit_gap": gap,
                       "new_text": raw_tok.decode(new, skip_special_tokens=False)})
    return model, cases, greedy, first_rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="Tests/Fixtures/llama")
    args = ap.parse_args()
    try:
        import torch
        import transformers
        from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM
    except ImportError as e:
        log(f"missing dependency ({e}); pip install torch transformers tokenizers safetensors")
        sys.exit(3)
    torch.manual_seed(0)
    torch.set_num_threads(1)  # keeps float sums in the same order run to run
    out = args.out
    for d in ("llama-tiny", "qwen2-tiny"):
        shutil.rmtree(os.path.join(out, d), ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    tok = make_tokenizer(out)
    vocab = tok.get_vocab_size()
    log(f"tokenizer: {vocab} ids")

    common = dict(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  max_position_embeddings=128, hidden_act="silu", attention_dropout=0.0,
                  bos_token_id=1, eos_token_id=2, pad_token_id=2, use_cache=True)
    specs = {
        "llama-tiny": (LlamaConfig(**common, num_key_value_heads=2, intermediate_size=64,
                                   rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
                                   attention_bias=False, mlp_bias=False),
                       LlamaForCausalLM, torch.bfloat16, "60KB", 1),
        "qwen2-tiny": (Qwen2Config(**common, num_key_value_heads=1, intermediate_size=48,
                                   rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True,
                                   use_sliding_window=False, sliding_window=None),
                       Qwen2ForCausalLM, torch.float32, "50GB", 2),
    }
    chat_text = None
    result = {
        "schema": {
            "models.<name>.config": "summary of the saved config.json (rope_theta read from rope_parameters)",
            "models.<name>.cases[]": "name, text, ids (tokenizer.json encoding, no BOS), pieces (vocab strings), "
                                      "logprobs (len(ids) floats, [0] is null, [i] = log p(ids[i] | ids[<i])), "
                                      "top (for 3 positions p: next = the 5 largest [id, log p(id | ids[<=p])], best first)",
            "models.<name>.greedy.runs[]": "prompt, prompt_ids, new_ids (model.generate do_sample=False, "
                                          "max_new_tokens=12, eos disabled), new_text (decoded new_ids), "
                                          "min_top2_logit_gap (smallest best-minus-second logit over the 12 steps)",
            "models.<name>.logits_first_rows": "raw float32 logits of positions 0, 1, 2 of cases[0] (full vocab rows)",
        },
        "generated_by": "python3 scripts/make_llama_fixtures.py",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "tokenizers": __import__("tokenizers").__version__},
        "tokenizer": {"vocab_size": vocab, "specials": {s: i for i, s in enumerate(SPECIALS)},
                      "adds_bos": False, "chat_messages": CHAT},
        "models": {},
    }
    for name, (cfg, cls, dtype, shard, seed) in specs.items():
        d = os.path.join(out, name)
        torch.manual_seed(seed)
        model = cls(cfg).eval()
        randomize(model, seed)
        model.to(dtype).save_pretrained(d, max_shard_size=shard)
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(os.path.join(out, f), d)
        if chat_text is None:
            from transformers import AutoTokenizer
            chat_text = AutoTokenizer.from_pretrained(d).apply_chat_template(
                CHAT, tokenize=False, add_generation_prompt=True)
            result["tokenizer"]["chat_text"] = chat_text
        texts = [(n, t if t is not None else chat_text) for n, t in TEXTS]
        prompts = [p if p is not None else chat_text for p in GREEDY_PROMPTS]
        log(f"{name}:")
        ref_model, cases, greedy, first_rows = references(d, texts, prompts)
        if name == "llama-tiny":
            assert os.path.exists(os.path.join(d, "model.safetensors.index.json")), "not sharded"
        result["models"][name] = {
            "config": summary(d, ref_model),
            "cases": cases,
            "greedy": {"max_new_tokens": GREEDY_NEW, "eos_token_id": None, "do_sample": False,
                       "note": "eos disabled (eos_token_id=None): every run makes exactly 12 ids; "
                               "checked against a plain argmax loop without KV cache",
                       "runs": greedy},
            "logits_first_rows": first_rows,
        }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")

    total = 0
    for root, _, files in sorted(os.walk(out)):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            n = os.path.getsize(p)
            total += n
            with open(p, "rb") as f:
                h = hashlib.sha256(f.read()).hexdigest()[:12]
            print(f"{n:9,d}  {h}  {os.path.relpath(p, out)}")
    print(f"{total:9,d}  total in {out}")


if __name__ == "__main__":
    main()
