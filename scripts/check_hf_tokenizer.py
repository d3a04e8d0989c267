#!/usr/bin/env python3
"""Hugging Face reads a checkpoint whole: its tokenizer gives our ids, its pipeline generates
what ours does, and what `save_pretrained` writes loads back in ours.

  check_hf_tokenizer.py --checkpoint DIR --nanoreasoner BIN [--prompt P ...] TEXTFILE

Every line of TEXTFILE (each within the model's context) is encoded by both: ours through
`nanoreasoner logprobs` (its "tokens", BOS first), theirs with tokenizers.Tokenizer and,
when `transformers` is installed, AutoTokenizer.from_pretrained(DIR) (which adds BOS, as our
model expects); each must match, and theirs must decode back to the text. With transformers
also the other way: the model files beside a tokenizer that `save_pretrained` wrote (no file
of ours) load in ours with the same ids. With PyTorch too: pipeline("text-generation",
model=DIR) decodes each --prompt greedily to the same text as `nanoreasoner sample --top-k 1`,
and a model and tokenizer both written by `save_pretrained` (tied weights, its safetensors
metadata) give our log-probabilities in ours. Exits 1 on a mismatch, 2 on bad input.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile


def our_ids(nr, checkpoint, text):
    out = subprocess.run([nr, "logprobs", "--checkpoint", checkpoint, "--text", text], capture_output=True, text=True)
    if out.returncode != 0:
        print("nanoreasoner logprobs failed:", out.stderr.strip(), file=sys.stderr)
        sys.exit(2)
    return json.loads(out.stdout)["tokens"]  # BOS first


def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        print(" ".join(cmd[:2]), "failed:", out.stderr.strip(), file=sys.stderr)
        sys.exit(2)
    return json.loads(out.stdout)


def check_pipeline(a):
    """Greedy generation by transformers' pipeline equals ours; True when all agree."""
    from transformers import pipeline
    pipe = pipeline("text-generation", model=a.checkpoint, tokenizer=a.checkpoint, device="cpu")
    ok_all = True
    for p in a.prompt:
        ours = run_json([a.nanoreasoner, "sample", "--checkpoint", a.checkpoint, "--prompt", p, "--n", "1", "--top-k", "1",
                         "--max-new-tokens", str(a.max_new_tokens), "--json"])[0]["text"]
        theirs = pipe(p, do_sample=False, max_new_tokens=a.max_new_tokens, return_full_text=False)[0]["generated_text"]
        theirs = theirs.split("<eos>")[0]
        ok = theirs == ours
        ok_all &= ok
        print("%s pipeline %r -> %r" % ("ok  " if ok else "FAIL", p, theirs[:70]))
        if not ok:
            print("  ours", repr(ours[:70]))
    return ok_all


def check_saved_model(a, cases):
    """A model + tokenizer written by save_pretrained load in ours with our log-probs."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    saved = tempfile.mkdtemp(prefix="nr-hf-model-")
    try:
        AutoModelForCausalLM.from_pretrained(a.checkpoint, dtype=torch.float32).save_pretrained(saved)
        AutoTokenizer.from_pretrained(a.checkpoint).save_pretrained(saved)
        mine = [f for f in os.listdir(saved) if f.startswith("nanoreasoner") or f == "trainer_state.json"]
        if mine:
            print("FAIL save_pretrained wrote our files?", mine)
            return False
        worst = 0.0
        for t in cases:
            x = run_json([a.nanoreasoner, "logprobs", "--checkpoint", a.checkpoint, "--text", t])
            y = run_json([a.nanoreasoner, "logprobs", "--checkpoint", saved, "--text", t])
            if x["tokens"] != y["tokens"]:
                print("FAIL save_pretrained model: other ids for %r" % t[:60])
                return False
            worst = max([worst] + [abs(p - q) for p, q in zip(x["logprobs"], y["logprobs"]) if p is not None and q is not None])
        ok = worst <= 1e-5
        print("%s save_pretrained model + tokenizer load in ours: max |log-prob difference| %.2e over %d texts" % ("ok  " if ok else "FAIL", worst, len(cases)))
        return ok
    finally:
        shutil.rmtree(saved, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--nanoreasoner", required=True)
    ap.add_argument("--prompt", action="append", default=[], help="a prompt for the greedy pipeline check (repeatable)")
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("textfile")
    a = ap.parse_args()
    try:
        from tokenizers import Tokenizer
    except ImportError:
        sys.exit("the `tokenizers` package is missing: python3 -m pip install tokenizers (or make torch)")
    theirs = Tokenizer.from_file(a.checkpoint + "/tokenizer.json")
    text = open(a.textfile, encoding="utf-8").read()
    cases = [l for l in text.split("\n") if l]
    bad = 0
    try:
        from transformers import AutoTokenizer
        auto = AutoTokenizer.from_pretrained(a.checkpoint)
    except ImportError:
        auto = None
        print("transformers is not installed: AutoTokenizer and save_pretrained are not checked (make torch)")
    saved = None
    if auto is not None:
        # The other way: Hugging Face's files only (no nanoreasoner_tokenizer.json).
        saved = tempfile.mkdtemp(prefix="nr-hf-saved-")
        for f in ("model.safetensors", "config.json"):
            shutil.copy(os.path.join(a.checkpoint, f), saved)
        auto.save_pretrained(saved)
    for t in cases:
        ours = our_ids(a.nanoreasoner, a.checkpoint, t)
        got = theirs.encode(t).ids
        back = theirs.decode(got, skip_special_tokens=True)
        ok = got == ours and back == t
        if auto is not None:
            ok = ok and auto(t)["input_ids"] == ours and auto.decode(ours, skip_special_tokens=True) == t
            ok = ok and our_ids(a.nanoreasoner, saved, t) == ours
        bad += not ok
        print("%s %d tokens  %r" % ("ok  " if ok else "FAIL", len(ours), t[:60]))
        if not ok:
            print("  ours  ", ours[:40], "\n  theirs", got[:40], "\n  decoded", repr(back[:60]))
    if saved:
        shutil.rmtree(saved, ignore_errors=True)
    checked = "tokenizers, AutoTokenizer and save_pretrained" if auto is not None else "tokenizers"
    print("%d of %d texts give the same ids and decode back (%s)" % (len(cases) - bad, len(cases), checked))
    try:
        import torch  # noqa: F401
    except ImportError:
        torch = None
    if auto is not None and torch is not None:
        bad += 0 if check_pipeline(a) else 1
        bad += 0 if check_saved_model(a, cases) else 1
    else:
        print("PyTorch is not installed: pipeline generation and save_pretrained models are not checked (make torch)")
    sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()
