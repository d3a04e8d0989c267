#!/usr/bin/env python3
"""Two-digit addition and subtraction as task files, the seed's question for SmolLM2.

Writes OUT/train.jsonl (N_TRAIN problems) and OUT/held_out.jsonl (N_HELD, none of them a
training problem), {"prompt": "47+85=", "answer": "132"}; a chat model is asked each one in
words ("What is 47+85?") with the run's answer-format instruction. Seeded: the same files
on every machine.
"""
import argparse
import json
import os
import random


def problems(rng, n, avoid):
    out, seen = [], set(avoid)
    while len(out) < n:
        a, b, op = rng.randint(10, 99), rng.randint(10, 99), rng.choice("+-")
        prompt = f"{a}{op}{b}="
        if prompt in seen:
            continue
        seen.add(prompt)
        out.append({"prompt": prompt, "answer": str(a + b if op == "+" else a - b)})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="runs/two_digit")
    ap.add_argument("--train", type=int, default=12000)
    ap.add_argument("--held-out", type=int, default=500)
    ap.add_argument("--seed", type=int, default=2026)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    held = problems(rng, a.held_out, [])
    train = problems(rng, a.train, [p["prompt"] for p in held])
    os.makedirs(a.out, exist_ok=True)
    for name, rows in [("train.jsonl", train), ("held_out.jsonl", held)]:
        with open(os.path.join(a.out, name), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    print(f"{len(train)} training and {len(held)} held-out problems in {a.out}")


if __name__ == "__main__":
    main()
