#!/usr/bin/env python3
"""Example external verifier for NanoReasoner.

Reads one JSON request per line on stdin:
  {"id": 3, "prompt": "47+85=", "completion": "<think>...</think><answer>132</answer>", "answer": "132"}
writes one JSON score per line on stdout:
  {"reward": 1.1, "correct": true, "format": true}

It checks the answer exactly like the built-in verifier would (numbers compared by
value with fractions.Fraction) and adds 0.1 for a well-formed template. Swap this
for Hugging Face's math-verify or a code sandbox: only the line protocol matters.

Run it by hand:  echo '{"id":1,"prompt":"1+1=","completion":"<think>x</think><answer>2</answer>","answer":"2"}' | python3 scripts/example_verifier.py
"""
import json
import re
import sys
from fractions import Fraction

TEMPLATE = re.compile(r"^\s*<think>.*?</think><answer>.*?</answer>\s*$", re.S)


def value(text):
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        return None


def score(req):
    completion = req.get("completion", "")
    m = re.findall(r"<answer>(.*?)</answer>", completion, re.S)
    got = value(m[-1]) if m else None
    want = value(str(req.get("answer", "")))
    correct = got is not None and got == want
    well_formed = bool(TEMPLATE.match(completion)) and completion.count("<think>") == 1
    return {"reward": (1.0 if correct else 0.0) + (0.1 if well_formed else 0.0), "correct": correct, "format": well_formed}


for line in sys.stdin:
    try:
        out = score(json.loads(line))
    except Exception as e:  # never die on one bad request
        out = {"reward": 0.0, "correct": False, "format": False, "error": str(e)}
    print(json.dumps(out), flush=True)
