#!/usr/bin/env python3
"""DeepMind's mathematics dataset as NanoReasoner task files.

Generates problems with the `mathematics-dataset` package (it imports only with an old
SymPy, so `make deepmind-math` runs this in its own virtualenv with sympy 1.5.1) and
writes JSON Lines our `pretrain --tasks`, `task.file` and `eval --tasks` read:

    OUT/train.jsonl              {"prompt": "What is 87 - -64?", "answer": "151", "module": ...}
    OUT/held_out.jsonl           never a training prompt
    OUT/held_out_<module>.jsonl  the held-out split of each module, to report per module
    OUT/info.json                the flags, counts and the package version

The data is answer-only (the package has no worked solutions); `pretrain` supplies the R1
template with empty thinking. Both splits come from the training distribution of the
chosen difficulty (the package's train-easy/-medium/-hard thirds of its entropy range, or
its lowest fraction), with different seeds, and no held-out prompt is a training prompt.
"""
import argparse
import json
import os
import random
import sys


def entropy_fn(difficulty):
    """The part of each module's training entropy range to draw from: the package's thirds
    (easy, medium, hard: its train-easy/-medium/-hard), all of it, or a number F in (0, 1]
    for the lowest fraction F (easier than easy, for small models)."""
    named = {"easy": (0, 1 / 3), "medium": (1 / 3, 2 / 3), "hard": (2 / 3, 1), "all": (0, 1)}
    if difficulty in named:
        lo, hi = named[difficulty]
    else:
        try:
            lo, hi = 0.0, float(difficulty)
        except ValueError:
            sys.exit(f"deepmind_math: --difficulty is easy, medium, hard, all or a fraction in (0, 1], got {difficulty!r}")
        if not 0 < hi <= 1:
            sys.exit(f"deepmind_math: a --difficulty fraction must be in (0, 1], got {difficulty}")
    return lambda r: (r[0] + lo * (r[1] - r[0]), r[0] + hi * (r[1] - r[0]))


def draw(module, count, seed, avoid, max_length):
    """`count` distinct problems from `module` not in `avoid`, short enough to fit."""
    import numpy as np
    random.seed(seed)
    np.random.seed(seed % (2**32))
    out, seen, tries = [], set(avoid), 0
    while len(out) < count:
        tries += 1
        if tries > 50 * count + 1000:
            sys.exit(f"deepmind_math: found only {len(out)} distinct problems of {count} in {tries} draws; lower the count or raise the difficulty")
        p = module()
        question, answer = str(p.question), str(p.answer)
        if len(question) + len(answer) > max_length or question in seen:
            continue
        seen.add(question)
        out.append((question, answer))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modules", default="arithmetic__add_or_sub,arithmetic__mul",
                    help="comma-separated module names, e.g. arithmetic__add_or_sub,arithmetic__mul,arithmetic__div")
    ap.add_argument("--difficulty", default="easy", help="easy, medium, hard (the package's thirds), all, or a fraction F in (0, 1]: the lowest F of the range")
    ap.add_argument("--train", type=int, default=50000, help="training problems per module")
    ap.add_argument("--held-out", type=int, default=500, help="held-out problems per module")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-length", type=int, default=80, help="drop problems whose question + answer exceed this many characters")
    ap.add_argument("--out", default="runs/deepmind_math/data")
    args = ap.parse_args()

    try:
        from mathematics_dataset.modules import modules as dm
    except Exception as e:  # current SymPy breaks the package at import
        sys.exit(f"deepmind_math: cannot import mathematics_dataset ({e}); it needs sympy==1.5.1: "
                 "`make deepmind-math` sets up that virtualenv")
    catalogue = dm.train(entropy_fn(args.difficulty))
    names = [n.strip() for n in args.modules.split(",") if n.strip()]
    chosen = {}
    for name in names:
        node = catalogue
        for part in name.split("__"):
            if not isinstance(node, dict) or part not in node:
                known = sorted(f"{a}__{b}" for a, sub in catalogue.items() for b in sub)
                sys.exit(f"deepmind_math: no module {name!r}; known: {', '.join(known)}")
            node = node[part]
        chosen[name] = node

    os.makedirs(args.out, exist_ok=True)
    train, held = [], []
    info = {"modules": names, "difficulty": args.difficulty, "seed": args.seed, "max_length": args.max_length, "counts": {}}
    for i, (name, module) in enumerate(chosen.items()):
        held_out = draw(module, args.held_out, seed=args.seed * 1000 + 2 * i + 1, avoid=set(), max_length=args.max_length)
        training = draw(module, args.train, seed=args.seed * 1000 + 2 * i, avoid={q for q, _ in held_out}, max_length=args.max_length)
        rows = [{"prompt": q, "answer": a, "module": name} for q, a in held_out]
        write(os.path.join(args.out, f"held_out_{name}.jsonl"), rows)
        held += rows
        train += [{"prompt": q, "answer": a, "module": name} for q, a in training]
        info["counts"][name] = {"train": len(training), "held_out": len(held_out)}
    random.seed(args.seed)
    random.shuffle(train)  # modules interleaved: training problem i is line i
    random.shuffle(held)   # so a run's evaluation of the first N held-out problems covers every module
    write(os.path.join(args.out, "train.jsonl"), train)
    write(os.path.join(args.out, "held_out.jsonl"), held)
    try:
        from importlib.metadata import version
        info["package"] = f"mathematics-dataset {version('mathematics-dataset')}, sympy {version('sympy')}"
    except Exception:
        pass
    with open(os.path.join(args.out, "info.json"), "w") as f:
        json.dump(info, f, indent=2)
    print(f"deepmind_math: {len(train)} training and {len(held)} held-out problems ({', '.join(names)}, {args.difficulty}) in {args.out}")


def write(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
