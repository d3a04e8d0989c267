#!/usr/bin/env python3
"""Hugging Face's `tokenizers` reads a checkpoint's tokenizer.json and gives our ids.

  check_hf_tokenizer.py --checkpoint DIR --nanoreasoner BIN TEXTFILE

Every line of TEXTFILE (each within the model's context) is encoded by both: ours through
`nanoreasoner logprobs` (its "tokens", BOS first), theirs with tokenizers.Tokenizer and,
when `transformers` is installed, AutoTokenizer.from_pretrained(DIR); each must match, and
theirs must decode back to the text. With transformers also the other way: the model files
beside a tokenizer that `save_pretrained` wrote (no file of ours) load in ours with the same
ids. Exits 1 on a mismatch, 2 on bad input, with the reason.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile


def our_ids(nr, checkpoint, text):
    out = subprocess.run([nr, "logprobs", "--checkpoint", checkpoint, "--text", text], capture_output=True, text=True)
    if out.returncode != 0:
        print("nanoreasoner logprobs failed:", out.stderr.strip(), file=sys.stderr)
        sys.exit(2)
    return json.loads(out.stdout)["tokens"][1:]  # without BOS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--nanoreasoner", required=True)
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
        back = theirs.decode(got, skip_special_tokens=False)
        ok = got == ours and back == t
        if auto is not None:
            ok = ok and auto(t)["input_ids"] == ours and auto.decode(ours) == t
            ok = ok and our_ids(a.nanoreasoner, saved, t) == ours
        bad += not ok
        print("%s %d tokens  %r" % ("ok  " if ok else "FAIL", len(ours), t[:60]))
        if not ok:
            print("  ours  ", ours[:40], "\n  theirs", got[:40], "\n  decoded", repr(back[:60]))
    if saved:
        shutil.rmtree(saved, ignore_errors=True)
    checked = "tokenizers, AutoTokenizer and save_pretrained" if auto is not None else "tokenizers"
    print("%d of %d texts give the same ids and decode back (%s)" % (len(cases) - bad, len(cases), checked))
    sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()
