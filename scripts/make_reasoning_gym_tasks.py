#!/usr/bin/env python3
"""Problems no one here wrote: reasoning-gym's generators as NanoReasoner task files.

reasoning-gym (PyPI, Apache-2.0) generates verifiable problems procedurally; its
`basic_arithmetic` and its GSM8K-derived `gsm_symbolic` suit a small chat model. `make
reasoning-gym` runs this in a virtualenv of its own (runs/.venv-reasoning-gym) and writes
the JSON Lines that `train`'s `task.file`/`task.held_out` and `eval --tasks` read:

    OUT/train.jsonl      {"prompt": "Calculate 5 - 3 - 6.", "answer": "-4", "dataset": "basic_arithmetic"}
    OUT/held_out.jsonl   never a training prompt (another seed; repeats of a training prompt dropped)
    OUT/info.json        the flags, the counts and reasoning-gym's version

A chat model is asked each prompt as it is, followed by the run's answer format's
instruction; the answers are numbers, which the built-in verifier compares by value.
"""
import argparse
import json
import os
import sys


def generate(name, size, seed, options):
    import reasoning_gym
    return [{"prompt": str(x["question"]).strip(), "answer": str(x["answer"]).strip(), "dataset": name}
            for x in reasoning_gym.create_dataset(name, size=size, seed=seed, **options)]


def parse_options(items):
    """`dataset.key=value` (value as JSON when it parses, else a string) -> {dataset: {key: value}}."""
    out = {}
    for item in items:
        name, eq, value = item.partition("=")
        dataset, dot, key = name.partition(".")
        if not eq or not dot or not key:
            sys.exit(f"--option {item!r}: expected dataset.key=value, e.g. basic_arithmetic.max_terms=3")
        try:
            value = json.loads(value)
        except ValueError:
            pass
        out.setdefault(dataset, {})[key] = value
    return out


def write(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default="basic_arithmetic", help="comma-separated reasoning-gym dataset names")
    p.add_argument("--train", type=int, default=20000, help="training problems per dataset")
    p.add_argument("--held-out", type=int, default=500, help="held-out problems per dataset")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--option", action="append", default=[], metavar="DATASET.KEY=VALUE",
                   help="a generator setting, e.g. basic_arithmetic.max_terms=3 (repeatable)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    try:
        import reasoning_gym
    except ImportError:
        print("reasoning-gym is not installed: run `make reasoning-gym` (it makes runs/.venv-reasoning-gym)", file=sys.stderr)
        sys.exit(3)
    options = parse_options(a.option)
    names = [s.strip() for s in a.datasets.split(",") if s.strip()]
    for unknown in set(options) - set(names):
        sys.exit(f"--option names {unknown!r}, which is not among --datasets {a.datasets!r}")
    os.makedirs(a.out, exist_ok=True)
    train, held = [], []
    for i, name in enumerate(names):
        t = generate(name, a.train, a.seed + 1000 * i, options.get(name, {}))
        seen = {r["prompt"] for r in t}
        # reasoning-gym seeds item k from seed + k: the held-out seed starts past every training item's.
        h = [r for r in generate(name, 2 * a.held_out + 10, a.seed + 1000 * i + 10_000_000, options.get(name, {})) if r["prompt"] not in seen]
        train += t
        held += h[: a.held_out]
        print(f"{name}: {len(t)} training, {len(h[: a.held_out])} held out", file=sys.stderr)
    write(os.path.join(a.out, "train.jsonl"), train)
    write(os.path.join(a.out, "held_out.jsonl"), held)
    info = {"datasets": a.datasets, "train": len(train), "held_out": len(held), "seed": a.seed, "options": options,
            "reasoning_gym": getattr(reasoning_gym, "__version__", "?")}
    with open(os.path.join(a.out, "info.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
