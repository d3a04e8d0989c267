#!/usr/bin/env python3
"""The table and JSON of scripts/update_bench.sh: CPU-seconds per update, per pair and build."""
import argparse, json, statistics, sys

ap = argparse.ArgumentParser()
ap.add_argument("times")
ap.add_argument("--rev", required=True)
ap.add_argument("--reference", default="learner", help="where the reference log-probs were computed")
ap.add_argument("--json", action="store_true", help="print the JSON only")
ap.add_argument("--goal", type=float, default=0.6, help="the ratio this tree / REV must stay under, every pair")
a = ap.parse_args()

rows = [json.loads(l) for l in open(a.times) if l.strip()]
pairs = sorted({r["pair"] for r in rows})
def med(pair, build, key="cpu_seconds"):
    return statistics.median(r[key] for r in rows if r["pair"] == pair and r["build"] == build)
table = [{"pair": p, "old_cpu_s": med(p, "old"), "new_cpu_s": med(p, "new"),
          "old_wall_s": med(p, "old", "wall_seconds"), "new_wall_s": med(p, "new", "wall_seconds")} for p in pairs]
for t in table:
    t["ratio"] = t["new_cpu_s"] / t["old_cpu_s"]
ratios = [t["ratio"] for t in table]
first = rows[0]
out = {"benchmark": "learner update, one default cluster step", "baseline": a.rev, "reference_log_probs_from": a.reference,
       "groups": first["groups"], "completion_tokens": first["tokens"], "pairs": table,
       "ratio_median": statistics.median(ratios), "ratio_worst": max(ratios),
       "targets": [{"name": f"learner update CPU-s vs {a.rev} (worst pair)", "value": max(ratios), "goal": f"<= {a.goal}",
                    "met": max(ratios) <= a.goal}]}
if not a.json:
    print(f"learner update, {first['groups']} groups, {first['tokens']} completion tokens, reference log-probs from the {a.reference}: "
          "CPU-seconds per update (median of each build's runs)")
    print(f"| pair | {a.rev} CPU-s | this tree CPU-s | ratio | {a.rev} wall s | this tree wall s |")
    print("|---|---|---|---|---|---|")
    for t in table:
        print(f"| {t['pair']} | {t['old_cpu_s']:.3f} | {t['new_cpu_s']:.3f} | {t['ratio']:.2f}× | {t['old_wall_s']:.3f} | {t['new_wall_s']:.3f} |")
    print(f"ratio median {out['ratio_median']:.2f}×, worst {out['ratio_worst']:.2f}× (goal ≤ {a.goal}×: {'met' if out['targets'][0]['met'] else 'missed'})")
print(json.dumps(out))
