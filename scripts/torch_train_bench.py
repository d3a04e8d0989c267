#!/usr/bin/env python3
"""PyTorch + transformers throughput reference for a GPT-2 shape or a real model (CPU, float32).

Builds a randomly initialised GPT2LMHeadModel of the requested shape (or loads --model, a
Hugging Face folder such as runs/smollm2-135m-instruct, with --lora R as peft adapters) and times
either training steps (forward with labels, backward, grad clip 1.0, AdamW
step, zero_grad) or sampling with model.generate, so NanoReasoner's Swift
numbers can be compared against a mainstream framework on the same machine.

Run:
  python3 scripts/torch_train_bench.py                      # train, default shape
  python3 scripts/torch_train_bench.py --steps 5 --json     # quick, JSON on stdout
  python3 scripts/torch_train_bench.py --mode generate --batch 64 --json

Train JSON: framework, mode, torch_version, transformers_version, threads,
attn_implementation, tokens_per_s_median, tokens_per_s (one per repeat),
final_loss, shape.  Generate JSON: same header plus new_tokens_per_s_median,
new_tokens_per_s.  Exits 3 if torch/transformers are not installed.

--serve (for `nanoreasoner bench`, which alternates its own repetitions with ours so
a drift of the machine's speed hits both sides of each pair): after the warm-up, print
{"ready": true}, then for every line "once" on stdin time one repetition and print
{"rate": ...}; exit at end of input.
"""
import argparse
import json
import resource
import statistics
import sys
import time


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def serve(once):
    """One timed repetition per "once" line on stdin, one JSON line back for each."""
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip() != "once":
            log(f"unknown request {line.strip()!r}; expected 'once'")
            continue
        rate = once()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"rate": rate, "max_rss_mb": peak_mb}), flush=True)


def repeat(once, args, describe):
    """`--repeats` rates of once(), each logged with describe(rate); None when --serve
    answered the requests instead."""
    if args.serve:
        serve(once)
        return None
    rates = []
    for r in range(args.repeats):
        rates.append(once())
        log(f"repeat {r}: {describe(rates[-1])}")
    return rates


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=["train", "generate"], default="train")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--context", type=int, default=128)
    p.add_argument("--vocab", type=int, default=303)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--prompt-len", type=int, default=16)
    p.add_argument("--new-tokens", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", help="a Hugging Face folder (e.g. runs/smollm2-135m-instruct) instead of a random GPT-2")
    p.add_argument("--lora", type=int, default=0,
                   help="with --model and --mode train: peft LoRA of this rank on all seven projections (alpha 2×rank)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--serve", action="store_true", help="time one repetition per 'once' line on stdin")
    return p.parse_args()


def main():
    args = parse_args()
    try:
        import torch
        import transformers
        from transformers import GPT2Config, GPT2LMHeadModel
    except ImportError as e:
        log(f"missing dependency ({e}); install with: pip install torch transformers safetensors")
        sys.exit(3)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = GPT2Config(n_layer=args.layers, n_head=args.heads, n_embd=args.width,
                     n_positions=args.context, vocab_size=args.vocab,
                     activation_function="gelu_new",
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                     bos_token_id=None, eos_token_id=None)  # GPT-2's 50256 is out of vocab
    if args.model:
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.float32)
        args.vocab, args.context = model.config.vocab_size, model.config.max_position_embeddings
    else:
        model = GPT2LMHeadModel(cfg).float()
    if args.lora:
        from peft import LoraConfig, get_peft_model
        targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        model = get_peft_model(model, LoraConfig(r=args.lora, lora_alpha=2 * args.lora, lora_dropout=0.0,
                                                 target_modules=targets))
    attn_impl = getattr(model.config, "_attn_implementation", None)
    n_params = sum(p.numel() for p in model.parameters())
    gen = torch.Generator().manual_seed(args.seed)

    shape = {"layers": args.layers, "heads": args.heads, "width": args.width,
             "context": args.context, "vocab": args.vocab, "batch": args.batch,
             "params": n_params, "model": args.model, "lora": args.lora}
    result = {"framework": "pytorch", "mode": args.mode,
              "torch_version": torch.__version__,
              "transformers_version": transformers.__version__,
              "threads": torch.get_num_threads(), "attn_implementation": attn_impl}
    log(f"torch {torch.__version__}, transformers {transformers.__version__}, "
        f"threads {torch.get_num_threads()}, attn {attn_impl}, params {n_params}")

    if args.mode == "train":
        if args.seq > args.context:
            sys.exit(f"--seq {args.seq} exceeds --context {args.context}")
        shape.update(seq=args.seq, steps=args.steps)
        model.train()
        trainable = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(trainable, lr=3e-4, weight_decay=0.1)
        # A fixed pool of random batches, cycled through, so data creation is not timed.
        pool = [torch.randint(0, args.vocab, (args.batch, args.seq), generator=gen)
                for _ in range(4)]

        def step(i):
            x = pool[i % len(pool)]
            loss = model(input_ids=x, labels=x).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            return loss.item()

        for i in range(args.warmup):
            step(i)

        loss = float("nan")

        def once():
            nonlocal loss
            t0 = time.perf_counter()
            for i in range(args.steps):
                loss = step(i)
            return args.batch * args.seq * args.steps / (time.perf_counter() - t0)

        rates = repeat(once, args, lambda rate: f"{rate:.0f} tokens/s (loss {loss:.4f})")
        if rates is None:
            return
        result.update(tokens_per_s_median=statistics.median(rates),
                      tokens_per_s=rates, final_loss=loss)
        log(f"median: {result['tokens_per_s_median']:.0f} tokens/s")
    else:
        if args.prompt_len + args.new_tokens > args.context:  # (a real model's context is its own)
            sys.exit("--prompt-len + --new-tokens exceeds --context")
        shape.update(prompt_len=args.prompt_len, new_tokens=args.new_tokens)
        model.eval()
        prompt = torch.randint(1, args.vocab, (args.batch, args.prompt_len), generator=gen)
        mask = torch.ones_like(prompt)
        kw = dict(attention_mask=mask, do_sample=True, top_k=0, top_p=1.0, temperature=1.0,
                  max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens,
                  pad_token_id=0, eos_token_id=None)

        def run():
            with torch.inference_mode():
                out = model.generate(prompt, **kw)
            got = out.shape[1] - args.prompt_len
            if got != args.new_tokens:
                sys.exit(f"generate produced {got} new tokens, expected {args.new_tokens}")

        for _ in range(args.warmup):
            run()

        def once():
            t0 = time.perf_counter()
            run()
            return args.batch * args.new_tokens / (time.perf_counter() - t0)

        rates = repeat(once, args, lambda rate: f"{rate:.0f} new tokens/s")
        if rates is None:
            return
        result.update(new_tokens_per_s_median=statistics.median(rates), new_tokens_per_s=rates)
        log(f"median: {result['new_tokens_per_s_median']:.0f} new tokens/s")

    result["shape"] = shape
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
