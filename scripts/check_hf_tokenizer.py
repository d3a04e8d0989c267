#!/usr/bin/env python3
"""Hugging Face's `tokenizers` reads a checkpoint's tokenizer.json and gives our ids.

  check_hf_tokenizer.py --checkpoint DIR --nanoreasoner BIN TEXTFILE

Every line of TEXTFILE (each within the model's context) is encoded by both: ours through
`nanoreasoner logprobs` (its "tokens", BOS first), theirs with tokenizers.Tokenizer;
each must match, and theirs must decode back to the text. Exits 1 on a mismatch,
2 on bad input, with the reason.
"""
import argparse, json, subprocess, sys


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
    for t in cases:
        out = subprocess.run([a.nanoreasoner, "logprobs", "--checkpoint", a.checkpoint, "--text", t],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print("nanoreasoner logprobs failed:", out.stderr.strip(), file=sys.stderr)
            sys.exit(2)
        ours = json.loads(out.stdout)["tokens"][1:]  # without BOS
        got = theirs.encode(t).ids
        back = theirs.decode(got, skip_special_tokens=False)
        ok = got == ours and back == t
        bad += not ok
        print("%s %d tokens  %r" % ("ok  " if ok else "FAIL", len(ours), t[:60]))
        if not ok:
            print("  ours  ", ours[:40], "\n  theirs", got[:40], "\n  decoded", repr(back[:60]))
    print("%d of %d texts give the same ids and decode back" % (len(cases) - bad, len(cases)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
