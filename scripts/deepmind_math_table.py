#!/usr/bin/env python3
"""The before/after table of `make deepmind-math`, beside the seed's Qwen 1.5B figures.

  deepmind_math_table.py OUT --modules a,b [--json]

Reads OUT/base_<module>.json and OUT/rl_<module>.json (`eval --json` on each module's
held-out split), OUT/rl.json (the RL summary) and OUT/data/info.json; writes
OUT/results.md and OUT/results.json and prints the table. The targets: RL lifts pass@1 by
at least 1.5x on every module, and pass@8 holds (after >= the base's 95 % lower bound).
"""
import argparse, json, os, sys

SEED = {"model": "Qwen 1.5B (the seed, 000_*)", "base": (0.067, 0.232), "after": (0.127, 0.224)}


def at(report, k):
    for point in report["curve"]:
        if point["k"] == k:
            return point
    sys.exit(f"no pass@{k} in the eval report")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--modules", required=True)
    a = ap.parse_args()
    info = json.load(open(os.path.join(a.out, "data", "info.json")))
    summary = json.load(open(os.path.join(a.out, "rl.json")))
    rows, lines = [], []
    for m in a.modules.split(","):
        base = json.load(open(os.path.join(a.out, f"base_{m}.json")))
        rl = json.load(open(os.path.join(a.out, f"rl_{m}.json")))
        b1, b8, r1, r8 = at(base, 1), at(base, 8), at(rl, 1), at(rl, 8)
        gain = r1["passAtK"] / b1["passAtK"] if b1["passAtK"] > 0 else float("inf")
        held = r8["passAtK"] >= b8["passLow"]
        rows.append({"module": m, "problems": base["problems"], "samples": base["samplesPerProblem"],
                     "base_pass1": b1["passAtK"], "base_pass8": b8["passAtK"], "rl_pass1": r1["passAtK"], "rl_pass8": r8["passAtK"],
                     "rl_pass1_ci": [r1["passLow"], r1["passHigh"]], "base_pass1_ci": [b1["passLow"], b1["passHigh"]],
                     "gain": gain, "pass8_held": held, "met": gain >= 1.5 and held})
    minutes = summary["seconds"] / 60
    lines.append(f"DeepMind mathematics ({', '.join(info['modules'])}; difficulty {info['difficulty']}), "
                 f"RL: {summary.get('steps', '?')} steps in {minutes:.1f} min of training")
    lines.append("")
    lines.append("| module | base pass@1 | base pass@8 | after RL pass@1 (95 % CI) | after pass@8 | pass@1 gain | pass@8 held | target met |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        lines.append(f"| {r['module']} | {r['base_pass1']:.3f} | {r['base_pass8']:.3f} | {r['rl_pass1']:.3f} ({r['rl_pass1_ci'][0]:.3f}–{r['rl_pass1_ci'][1]:.3f}) "
                     f"| {r['rl_pass8']:.3f} | {r['gain']:.2f}× | {'yes' if r['pass8_held'] else 'no'} | {'yes' if r['met'] else 'no'} |")
    sb, sa = SEED["base"], SEED["after"]
    lines.append(f"| {SEED['model']}, DeepMind arithmetic | {sb[0]:.3f} | {sb[1]:.3f} | {sa[0]:.3f} | {sa[1]:.3f} | {sa[0] / sb[0]:.2f}× | — | — |")
    text = "\n".join(lines)
    print(text)
    open(os.path.join(a.out, "results.md"), "w").write(text + "\n")
    json.dump({"data": info, "rl": summary, "rows": rows, "seed": SEED, "all_met": all(r["met"] for r in rows)},
              open(os.path.join(a.out, "results.json"), "w"), indent=2)


if __name__ == "__main__":
    main()
