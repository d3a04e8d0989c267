#!/usr/bin/env python3
"""Check that a NanoReasoner checkpoint directory loads in Hugging Face
transformers as GPT2LMHeadModel and reproduces our per-token log-probs.

Run:
  nanoreasoner logprobs --checkpoint DIR --text "..." --json > ours.json
  python3 scripts/check_hf.py --checkpoint DIR --ours ours.json [--tol 1e-4] [--full-logprobs] [--json]

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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True, help="local checkpoint directory")
    p.add_argument("--ours", required=True, help="JSON from `nanoreasoner logprobs --json`")
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--full-logprobs", action="store_true",
                   help="also compare whole distributions from ours['full_logprobs']")
    p.add_argument("--attn", default=None, help="attn_implementation (default: transformers' choice)")
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
        max_full = d.max().item()
        if math.isnan(max_full) or max_full > args.tol:
            failures.append(f"full-distribution max abs diff {max_full:.3e} > tol {args.tol:g}")
        log(f"full logprobs ({alignment} alignment, {tuple(d.shape)}): max abs diff {max_full:.3e}")

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
