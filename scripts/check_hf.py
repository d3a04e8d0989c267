#!/usr/bin/env python3
"""Check that a NanoReasoner checkpoint directory loads in Hugging Face
transformers and reproduces our per-token log-probs (GPT-2, Llama and Qwen2).

Run:
  nanoreasoner logprobs --checkpoint DIR --text "..." --json > ours.json
  python3 scripts/check_hf.py --checkpoint DIR --ours ours.json [--tol 1e-4] [--full-logprobs] [--json]
  # Llama / Qwen2 folders (config.json model_type "llama" or "qwen2"), optionally with greedy samples:
  nanoreasoner sample --checkpoint DIR --prompt P --greedy --json > greedy.json
  python3 scripts/check_hf.py --checkpoint DIR --ours ours.json [--text "..."] [--greedy-ours greedy.json]

GPT-2 (any other model_type): loaded as GPT2LMHeadModel; the checks below.
Llama / Qwen2: loaded unchanged with AutoModelForCausalLM (float32, eager attention unless
--attn) and AutoTokenizer.  Checks: no missing/unexpected/mismatched tensors, lm_head tied
to embed_tokens exactly when config.json says so, AutoTokenizer encodes the text (--text,
else ours["text"]) to ours["tokens"], every log-prob within tol (computed on our ids), the
same for full_logprobs with --full-logprobs, and with --greedy-ours FILE (a JSON array of
{"prompt", "text", "tokens", "logprobs", "stopped"}, prompt = the rendered prompt text,
tokens = the new ids) that pipeline("text-generation") with do_sample=False,
max_new_tokens=len(tokens), return_full_text=False gives our text (special tokens skipped
as the pipeline does; if that differs, kept) and that model.generate gives our new ids
(trailing end-of-sequence ids ignored on both sides).  A PASS/FAIL table goes to stderr.

OURS.json: {"tokens": [BOS, ...], "logprobs": [null, lp1, ...], ...} where
logprobs[i] = log p(tokens[i] | tokens[<i]).  With --full-logprobs it must also
hold "full_logprobs": either n (or n-1) rows where row j = log p(. | tokens[<=j])
(the usual logits alignment), or n rows whose first entry is null, aligned with
"logprobs" (row i = log p(. | tokens[<i])).

Checks: no missing/unexpected/mismatched tensors when loading, lm_head.weight
tied to transformer.wte.weight, max |ours - hf| <= tol.  Exit 0 = pass,
1 = a check failed, 2 = bad input, 3 = torch/transformers missing.
--json prints {"ok", "max_abs_diff", "max_abs_diff_full", "tied", "config",
"load_issues", ...} on stdout; human text goes to stderr.
"""
import argparse
import json
import math
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


LLAMA_FAMILY = ("llama", "qwen2")


def compare_full(torch, ours, ids, hf, bad_input):
    """(max |ours - hf| over ours["full_logprobs"], alignment, shape); hf[j] = log p(. | ids[<=j])."""
    rows = ours.get("full_logprobs")
    if not isinstance(rows, list) or not rows:
        bad_input("--full-logprobs given but OURS.json has no full_logprobs")
    if rows[0] is None:  # aligned with "logprobs": row i predicts token i
        alignment, rows, ref = "logprobs", rows[1:], hf[:len(rows) - 1]
    else:                # logits alignment: row j predicts token j+1
        alignment, ref = "logits", hf[:len(rows)]
    if len(rows) not in (len(ids) - 1, len(ids)) or len(rows) > len(hf):
        bad_input(f"full_logprobs has {len(rows)} usable rows for {len(ids)} tokens")
    ours_full = torch.tensor(rows, dtype=torch.float64)
    if ours_full.shape != ref.shape:
        bad_input(f"full_logprobs shape {tuple(ours_full.shape)} != expected {tuple(ref.shape)}")
    d = (ours_full - ref).abs()
    return d.max().item(), alignment, tuple(d.shape)


def _short(x, n=60):
    r = repr(x)
    return r if len(r) <= n else r[:n - 3] + "..."


def check_llama_family(args, ours, ids, our_lp, bad_input):
    """Llama / Qwen2 folder: load with the Auto classes unchanged and compare; returns the exit code."""
    try:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline
    except ImportError as e:
        log(f"missing dependency ({e}); install with: pip install torch transformers safetensors")
        return 3
    torch.set_num_threads(args.threads)
    text = args.text if args.text is not None else ours.get("text")
    if not isinstance(text, str):
        bad_input("no text to tokenize: pass --text or give OURS.json a \"text\" field")
    greedy = None
    if args.greedy_ours:
        try:
            with open(args.greedy_ours) as f:
                greedy = json.load(f)
            if isinstance(greedy, dict):
                greedy = [greedy]
            greedy = [(str(g["prompt"]), str(g["text"]), [int(t) for t in g["tokens"]], g.get("stopped"))
                      for g in greedy]
        except (OSError, ValueError, KeyError, TypeError) as e:
            bad_input(f"cannot read prompt/text/tokens from {args.greedy_ours}: {e!r}")
        if not greedy or any(not toks for _, _, toks, _ in greedy):
            bad_input(f"{args.greedy_ours}: need at least one sample, each with >= 1 new token")

    rows = []  # (check, ok, detail)

    def row(check, ok, detail=""):
        rows.append((check, ok, detail))

    try:
        tok = AutoTokenizer.from_pretrained(args.checkpoint)
        model, info = AutoModelForCausalLM.from_pretrained(
            args.checkpoint, dtype=torch.float32, attn_implementation=args.attn or "eager",
            output_loading_info=True)
    except Exception as e:  # noqa: BLE001 - report any loader failure plainly
        log(f"FAIL: from_pretrained raised {type(e).__name__}: {e}")
        if args.json:
            print(json.dumps({"ok": False, "error": f"load failed: {e}"}))
        return 1
    model = model.eval()
    cfg = model.config
    rope = getattr(cfg, "rope_parameters", None) or {}
    config = {
        "model_type": cfg.model_type, "architectures": getattr(cfg, "architectures", None),
        "num_hidden_layers": cfg.num_hidden_layers, "hidden_size": cfg.hidden_size,
        "num_attention_heads": cfg.num_attention_heads, "num_key_value_heads": cfg.num_key_value_heads,
        "intermediate_size": cfg.intermediate_size, "rms_norm_eps": cfg.rms_norm_eps,
        "rope_theta": rope.get("rope_theta", getattr(cfg, "rope_theta", None)),
        "max_position_embeddings": cfg.max_position_embeddings, "vocab_size": cfg.vocab_size,
        "tie_word_embeddings": cfg.tie_word_embeddings,
        "attn_implementation": getattr(cfg, "_attn_implementation", None),
        "tokenizer": type(tok).__name__,
    }
    log("config: " + ", ".join(f"{k}={v}" for k, v in config.items()))

    issues = {k: sorted(v) for k, v in info.items()
              if k in ("missing_keys", "unexpected_keys", "mismatched_keys") and v}
    if cfg.tie_word_embeddings and "missing_keys" in issues:
        issues["missing_keys"] = [k for k in issues["missing_keys"] if k != "lm_head.weight"]
        if not issues["missing_keys"]:
            del issues["missing_keys"]
    row("load: tensors", not issues, "; ".join(f"{k}: {v}" for k, v in issues.items()) or "all present, none extra")
    emb, head = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    tied = head is emb or head.data_ptr() == emb.data_ptr()
    row("load: lm_head tied as config says", tied == bool(cfg.tie_word_embeddings),
        f"tied={tied}, tie_word_embeddings={cfg.tie_word_embeddings}")

    if max(ids) >= cfg.vocab_size or min(ids) < 0:
        bad_input(f"token ids outside [0, {cfg.vocab_size})")
    if len(ids) > cfg.max_position_embeddings:
        bad_input(f"{len(ids)} tokens exceed max_position_embeddings={cfg.max_position_embeddings}")

    hf_ids = tok(text)["input_ids"]
    if hf_ids == ids:
        row("tokenizer: same ids", True, f"{len(ids)} ids for {_short(text, 40)}")
    else:
        k = next((i for i, (a, b) in enumerate(zip(hf_ids, ids)) if a != b), min(len(hf_ids), len(ids)))
        row("tokenizer: same ids", False, f"ours {len(ids)} / hf {len(hf_ids)} ids, first difference at {k}: "
            f"ours {ids[k:k + 4]} hf {hf_ids[k:k + 4]}")

    with torch.inference_mode():
        logits = model(torch.tensor([ids])).logits[0]
    hf = torch.log_softmax(logits.double(), dim=-1)  # hf[j] = log p(. | ids[<=j])
    diffs = []
    for i in range(1, len(ids)):
        if our_lp[i] is None:
            bad_input(f"logprobs[{i}] is null")
        diffs.append(abs(float(our_lp[i]) - hf[i - 1, ids[i]].item()))
    max_diff = max(diffs)
    worst = 1 + diffs.index(max_diff)
    row(f"log-probs: |ours - hf| <= {args.tol:g}", max_diff <= args.tol,  # False on NaN
        f"{len(diffs)} tokens, max {max_diff:.2e} at position {worst}, mean {sum(diffs) / len(diffs):.2e}")
    max_full, alignment = None, None
    if args.full_logprobs:
        max_full, alignment, shape = compare_full(torch, ours, ids, hf, bad_input)
        row(f"full log-probs: |ours - hf| <= {args.tol:g}", max_full <= args.tol,
            f"{shape} ({alignment} alignment), max {max_full:.2e}")

    greedy_results = []
    if greedy:
        pipe = pipeline("text-generation", model=model, tokenizer=tok, device="cpu")
        eos = model.generation_config.eos_token_id
        eos = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
        for n, (prompt, our_text, our_new, stopped) in enumerate(greedy, 1):
            kw = dict(do_sample=False, max_new_tokens=len(our_new), return_full_text=False)
            theirs = pipe(prompt, **kw)[0]["generated_text"]
            how = "special tokens skipped"
            if theirs != our_text:
                kept = pipe(prompt, skip_special_tokens=False, **kw)[0]["generated_text"]
                if kept == our_text:
                    theirs, how = kept, "special tokens kept"
            row(f"greedy #{n}: pipeline text", theirs == our_text,
                f"{how}: {_short(theirs)}" + ("" if theirs == our_text else f" vs ours {_short(our_text)}"))
            prompt_ids = tok(prompt, return_tensors="pt")
            with torch.inference_mode():
                out = model.generate(**prompt_ids, do_sample=False, max_new_tokens=len(our_new))
            hf_new = out[0, prompt_ids["input_ids"].shape[1]:].tolist()

            def strip(x):
                x = list(x)
                while x and x[-1] in eos:
                    x.pop()
                return x
            same = strip(hf_new) == strip(our_new)
            row(f"greedy #{n}: generate ids", same, f"{len(our_new)} new ids, stopped={stopped}" +
                ("" if same else f": ours {our_new[:12]} hf {hf_new[:12]}"))
            greedy_results.append({"prompt": prompt, "ours": our_text, "hf_text": theirs, "ours_ids": our_new,
                                   "hf_ids": hf_new, "text_ok": theirs == our_text, "ids_ok": same})

    ok = all(r[1] for r in rows)
    width = max(len(r[0]) for r in rows)
    log("")
    log(f"{'check'.ljust(width)}  result  detail")
    for check, good, detail in rows:
        log(f"{check.ljust(width)}  {'PASS' if good else 'FAIL'}    {detail}")
    log(f"{'overall'.ljust(width)}  {'PASS' if ok else 'FAIL'}    {args.checkpoint} ({cfg.model_type})")
    if args.json:
        print(json.dumps({
            "ok": ok, "tol": args.tol, "n_tokens": len(ids), "max_abs_diff": max_diff,
            "worst_position": worst, "max_abs_diff_full": max_full, "full_alignment": alignment,
            "tied": tied, "load_issues": issues, "tokenizer_ids_ok": hf_ids == ids,
            "checks": [{"check": c, "ok": g, "detail": d} for c, g, d in rows],
            "greedy": greedy_results, "config": config,
            "failures": [f"{c}: {d}" for c, g, d in rows if not g],
            "torch_version": torch.__version__, "transformers_version": transformers.__version__}))
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True, help="local checkpoint directory")
    p.add_argument("--ours", required=True, help="JSON from `nanoreasoner logprobs --json`")
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--full-logprobs", action="store_true",
                   help="also compare whole distributions from ours['full_logprobs']")
    p.add_argument("--attn", default=None,
                   help="attn_implementation (default: transformers' choice for GPT-2, eager for Llama/Qwen2)")
    p.add_argument("--text", default=None,
                   help="Llama/Qwen2: the text ours.json scored (default: its \"text\" field)")
    p.add_argument("--greedy-ours", default=None,
                   help="Llama/Qwen2: JSON from `nanoreasoner sample --greedy --json` to compare with pipeline()")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    try:
        import torch
        import transformers
        from transformers import GPT2LMHeadModel
    except ImportError as e:
        log(f"missing dependency ({e}); install with: pip install torch transformers safetensors")
        sys.exit(3)
    torch.set_num_threads(args.threads)

    def bad_input(msg):
        log(f"error: {msg}")
        if args.json:
            print(json.dumps({"ok": False, "error": msg}))
        sys.exit(2)

    if not os.path.isdir(args.checkpoint):
        bad_input(f"checkpoint directory not found: {args.checkpoint}")
    try:
        with open(args.ours) as f:
            ours = json.load(f)
        ids = [int(t) for t in ours["tokens"]]
        our_lp = ours["logprobs"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        bad_input(f"cannot read tokens/logprobs from {args.ours}: {e!r}")
    if len(our_lp) != len(ids) or len(ids) < 2:
        bad_input(f"need >=2 tokens and len(logprobs)==len(tokens), got {len(ids)}/{len(our_lp)}")

    model_type = None
    try:
        with open(os.path.join(args.checkpoint, "config.json")) as f:
            model_type = json.load(f).get("model_type")
    except (OSError, ValueError):
        pass  # GPT2LMHeadModel.from_pretrained reports it below
    if model_type in LLAMA_FAMILY:
        sys.exit(check_llama_family(args, ours, ids, our_lp, bad_input))
    if args.greedy_ours:
        log("note: --greedy-ours is only checked for Llama/Qwen2 folders (GPT-2: check_hf_tokenizer.py --prompt)")

    kw = {"output_loading_info": True}
    if args.attn:
        kw["attn_implementation"] = args.attn
    try:
        model, info = GPT2LMHeadModel.from_pretrained(args.checkpoint, **kw)
    except Exception as e:  # noqa: BLE001 - report any loader failure plainly
        log(f"FAIL: from_pretrained raised {type(e).__name__}: {e}")
        if args.json:
            print(json.dumps({"ok": False, "error": f"load failed: {e}"}))
        sys.exit(1)
    model = model.float().eval()
    cfg = model.config
    config = {k: getattr(cfg, k, None) for k in (
        "n_layer", "n_head", "n_embd", "n_positions", "vocab_size", "n_inner",
        "activation_function", "layer_norm_epsilon", "tie_word_embeddings",
        "bos_token_id", "eos_token_id")}
    config["attn_implementation"] = getattr(cfg, "_attn_implementation", None)
    log("config: " + ", ".join(f"{k}={v}" for k, v in config.items()))

    failures = []
    # lm_head.weight is legitimately absent from the file when embeddings are tied.
    issues = {k: sorted(v) for k, v in info.items()
              if k in ("missing_keys", "unexpected_keys", "mismatched_keys") and v}
    if "missing_keys" in issues:
        issues["missing_keys"] = [k for k in issues["missing_keys"] if k != "lm_head.weight"]
        if not issues["missing_keys"]:
            del issues["missing_keys"]
    for k, v in issues.items():
        failures.append(f"{k}: {v}")
    wte, head = model.transformer.wte.weight, model.lm_head.weight
    tied = head is wte or head.data_ptr() == wte.data_ptr()
    if not tied:
        failures.append("lm_head.weight is not tied to transformer.wte.weight")
    log(f"lm_head tied to wte: {tied}")

    if max(ids) >= cfg.vocab_size or min(ids) < 0:
        bad_input(f"token ids outside [0, {cfg.vocab_size})")
    if len(ids) > cfg.n_positions:
        bad_input(f"{len(ids)} tokens exceed n_positions={cfg.n_positions}")
    with torch.inference_mode():
        logits = model(torch.tensor([ids])).logits[0]
    hf = torch.log_softmax(logits.double(), dim=-1)  # hf[j] = log p(. | ids[<=j])

    diffs = []
    for i in range(1, len(ids)):
        if our_lp[i] is None:
            bad_input(f"logprobs[{i}] is null")
        diffs.append(abs(float(our_lp[i]) - hf[i - 1, ids[i]].item()))
    max_diff = max(diffs)
    worst = 1 + diffs.index(max_diff)
    if not max_diff <= args.tol:  # also catches NaN
        failures.append(f"per-token max abs diff {max_diff:.3e} > tol {args.tol:g}")
    log(f"per-token logprobs: {len(diffs)} compared, max abs diff {max_diff:.3e} "
        f"(position {worst}), mean {sum(diffs) / len(diffs):.3e}")

    max_full, alignment = None, None
    if args.full_logprobs:
        max_full, alignment, shape = compare_full(torch, ours, ids, hf, bad_input)
        if math.isnan(max_full) or max_full > args.tol:
            failures.append(f"full-distribution max abs diff {max_full:.3e} > tol {args.tol:g}")
        log(f"full logprobs ({alignment} alignment, {shape}): max abs diff {max_full:.3e}")

    ok = not failures
    for f in failures:
        log(f"FAIL: {f}")
    log("PASS" if ok else "FAIL")
    if args.json:
        print(json.dumps({
            "ok": ok, "tol": args.tol, "n_tokens": len(ids), "max_abs_diff": max_diff,
            "worst_position": worst, "max_abs_diff_full": max_full,
            "full_alignment": alignment, "tied": tied, "load_issues": issues,
            "failures": failures, "config": config,
            "torch_version": torch.__version__,
            "transformers_version": transformers.__version__}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
