#!/usr/bin/env python3
"""Create a tiny random Hugging Face GPT-2 checkpoint plus a matching OURS.json.

Used to exercise scripts/check_hf.py before the Swift exporter exists, and to
show the exact on-disk layout transformers writes (safetensors tensor names,
dtypes, shapes and config.json), which NanoReasoner's writer must reproduce.

Run:
  python3 scripts/make_hf_fixture.py --out /tmp/hf_fixture [--json]
  python3 scripts/check_hf.py --checkpoint /tmp/hf_fixture --ours /tmp/hf_fixture/ours.json

Writes DIR/model.safetensors, DIR/config.json (save_pretrained) and
DIR/ours.json shaped like `nanoreasoner logprobs --json` output:
{"tokens": [...], "logprobs": [null, ...], "full_logprobs": [[V floats], ...]}.
The layout report goes to stderr; --json prints {"out", "ours", "tensors",
"config"} on stdout.  Exits 3 if torch/transformers/safetensors are missing.
"""
import argparse
import json
import os
import sys


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="/tmp/hf_fixture")
    p.add_argument("--seq", type=int, default=12, help="number of token ids in ours.json")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    try:
        import torch
        from safetensors import safe_open
        from transformers import GPT2Config, GPT2LMHeadModel
    except ImportError as e:
        log(f"missing dependency ({e}); install with: pip install torch transformers safetensors")
        sys.exit(3)

    torch.manual_seed(args.seed)
    vocab = 50
    cfg = GPT2Config(n_layer=2, n_head=2, n_embd=32, n_positions=32, vocab_size=vocab,
                     activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0,
                     attn_pdrop=0.0, bos_token_id=1, eos_token_id=2)
    model = GPT2LMHeadModel(cfg).float().eval()
    # GPT-2 init leaves LayerNorms at 1/0 and biases at 0; perturb them so the
    # check also catches mis-mapped LayerNorm/bias tensors.
    with torch.no_grad():
        for name, t in model.named_parameters():
            if name.endswith("bias") or ".ln_" in name:
                t.add_(0.1 * torch.randn_like(t))
    os.makedirs(args.out, exist_ok=True)
    model.save_pretrained(args.out, safe_serialization=True)

    ids = [1] + torch.randint(3, vocab, (args.seq - 1,)).tolist()
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    lp = torch.log_softmax(logits, dim=-1)  # lp[i] = log p(. | ids[<=i])
    per_token = [None] + [lp[i - 1, ids[i]].item() for i in range(1, len(ids))]
    ours = {"tokens": ids, "logprobs": per_token, "full_logprobs": lp.tolist()}
    ours_path = os.path.join(args.out, "ours.json")
    with open(ours_path, "w") as f:
        json.dump(ours, f)

    st_path = os.path.join(args.out, "model.safetensors")
    tensors = []
    with safe_open(st_path, framework="pt") as f:
        meta = f.metadata()
        for k in sorted(f.keys()):
            sl = f.get_slice(k)
            tensors.append({"name": k, "dtype": sl.get_dtype(), "shape": list(sl.get_shape())})
    with open(os.path.join(args.out, "config.json")) as f:
        config = json.load(f)

    log(f"saved {args.out}: {sorted(os.listdir(args.out))}")
    log(f"safetensors metadata: {meta}")
    for t in tensors:
        log(f"  {t['name']:<32} {t['dtype']:<5} {t['shape']}")
    log("config.json:\n" + json.dumps(config, indent=2))
    log(f"wrote {ours_path} ({len(ids)} tokens)")
    if args.json:
        print(json.dumps({"out": args.out, "ours": ours_path, "metadata": meta,
                          "tensors": tensors, "config": config}))


if __name__ == "__main__":
    main()
