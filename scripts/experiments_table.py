#!/usr/bin/env python3
"""The results table of `make experiments` (scripts/experiments.sh): reads each run's
summary.json and metrics.jsonl under OUTDIR and writes OUTDIR/results.md and results.json.

  experiments_table.py OUTDIR --winner          print the method with the best held-out pass@1
  experiments_table.py OUTDIR --minutes M [--winner-plots NAME]   write the table
"""
import argparse, json, os, platform, subprocess, sys


def load(path):
    with open(path) as f:
        return json.load(f)


def point(report, k):
    for p in report.get("curve") or []:
        if p["k"] == k:
            return p
    return None


def methods(out):
    """(name, description) in the order experiments.sh ran them."""
    rows = []
    path = os.path.join(out, "methods.txt")
    if os.path.exists(path):
        for line in open(path):
            name, what, _ = line.rstrip("\n").split("|", 2)
            rows.append((name, what))
    if os.path.exists(os.path.join(out, "r1_rl", "summary.json")):
        rows.append(("r1_rl", "R1 pipeline: base → Dr. GRPO → RFT → Dr. GRPO (RL from the RFT model)"))
    return [(n, w) for n, w in rows if os.path.exists(os.path.join(out, n, "summary.json"))]


def time_to(out, name, target):
    """Training seconds at the first periodic evaluation with pass@1 ≥ target, or None."""
    for line in open(os.path.join(out, name, "metrics.jsonl")):
        m = json.loads(line)
        if m.get("evalPassAt1") is not None and m["evalPassAt1"] >= target:
            return m["elapsedSeconds"]
    return None


def row(out, name, what, b1):
    """One method's figures; `b1` is the base's pass@1 (also for r1_rl, whose own start is the RFT model)."""
    s = load(os.path.join(out, name, "summary.json"))
    after = s["after"]
    if name == "r1_rl":
        what += " (it started at pass@1 %.3f; gain and 2× are against the base)" % s["before"]["passAtK"]["1"]
    one, eight = point(after, 1), point(after, 8)
    return {
        "method": name, "what": what, "steps": s["steps"], "seconds": round(s["seconds"], 1),
        "passAt1": one["passAtK"], "passAt1CI": [one["passLow"], one["passHigh"]],
        "passAt8": eight["passAtK"], "passAt8CI": [eight["passLow"], eight["passHigh"]],
        "majAt8": eight["majAtK"], "majAt8CI": [eight["majLow"], eight["majHigh"]],
        "gain": one["passAtK"] / b1 if b1 > 0 else None,
        "startPassAt1": s["before"]["passAtK"]["1"],
        "secondsTo2x": time_to(out, name, 2 * b1),
    }


def base_row(out, rows):
    s = load(os.path.join(out, rows[0]["method"], "summary.json"))  # every run but r1_rl starts from the base
    b = s["before"]
    one, eight = point(b, 1), point(b, 8)
    return {"passAt1": one["passAtK"], "passAt1CI": [one["passLow"], one["passHigh"]],
            "passAt8": eight["passAtK"], "passAt8CI": [eight["passLow"], eight["passHigh"]],
            "majAt8": eight["majAtK"], "majAt8CI": [eight["majLow"], eight["majHigh"]]}


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(), "commit": commit}


def ci(v, lo_hi):
    return "%.3f (%.3f–%.3f)" % (v, lo_hi[0], lo_hi[1])


def markdown(res):
    b = res["base"]
    lines = [
        "# NanoReasoner experiments",
        "",
        "Every method from the same base (`%s`), %g minutes of training each (periodic evaluations"
        " off the clock), on %s × %d cores, commit %s. Held-out: %s at"
        " temperature 1; intervals are 95 %% bootstrap over problems. \"to 2×\" is the training time of"
        " the first periodic evaluation (every 25 steps, 200 problems × 8 samples) at twice the base's pass@1."
        % (res["base_dir"], res["minutes"], res["machine"]["cpu"], res["machine"]["cores"], res["machine"]["commit"], res["heldOut"]),
        "",
        "| method | steps | pass@1 | pass@8 | maj@8 | gain | to 2× |",
        "|---|---:|---|---|---|---:|---:|",
        "| base (cold-start SFT) | – | %s | %s | %s | 1.00× | – |" % (ci(b["passAt1"], b["passAt1CI"]), ci(b["passAt8"], b["passAt8CI"]), ci(b["majAt8"], b["majAt8CI"])),
    ]
    for r in res["rows"]:
        to2 = "%.0f s" % r["secondsTo2x"] if r["secondsTo2x"] is not None else "not reached"
        lines.append("| %s | %d | %s | %s | %s | %.2f× | %s |" % (
            r["method"], r["steps"], ci(r["passAt1"], r["passAt1CI"]), ci(r["passAt8"], r["passAt8CI"]),
            ci(r["majAt8"], r["majAt8CI"]), r["gain"] or 0, to2))
    lines += ["", "Methods:", ""] + ["- **%s**: %s" % (r["method"], r["what"]) for r in res["rows"]]
    rft = res.get("rft")
    if rft:
        lines += ["", "## Rejection-sampling fine-tuning (R1's third stage)", "",
                  "`rft --from drgrpo`: %d prompts × %d samples, %d accepted, %d kept from %d prompts; the base fine-tuned for %d steps."
                  % (rft["prompts"], rft["samplesPerPrompt"], rft["accepted"], rft["kept"], rft["promptsCovered"], rft["steps"]),
                  "",
                  "| model | pass@1 | pass@8 |", "|---|---|---|",
                  "| drgrpo (the RL model sampled) | %s | %s |" % (ci(rft["source"]["passAt1"], rft["source"]["passAt1CI"]), ci(rft["source"]["passAt8"], rft["source"]["passAt8CI"])),
                  "| rft (base + accepted samples) | %s | %s |" % (ci(rft["model"]["passAt1"], rft["model"]["passAt1CI"]), ci(rft["model"]["passAt8"], rft["model"]["passAt8CI"])),
                  "", "RFT keeps %.0f %% of the RL model's pass@1 (the target is ≥ 90 %%)." % (100 * rft["ratio"])]
    lines += ["", "## Verdict", "", res["verdict"]]
    if res.get("plots"):
        lines += ["", "Plots of the winner (`%s`): [test-time scaling](test_time_scaling.svg) against the base,"
                  " [accuracy against think budget](budget_forcing.svg)." % res["plots"]]
    return "\n".join(lines) + "\n"


def verdict(rows, base_pass8):
    ranked = sorted(rows, key=lambda r: -r["passAt1"])
    w, second = ranked[0], ranked[1] if len(ranked) > 1 else None
    text = "**%s** wins on held-out pass@1: %.3f, %.2f× the base." % (w["method"], w["passAt1"], w["gain"] or 0)
    if second:
        overlap = second["passAt1CI"][1] >= w["passAt1CI"][0]
        text += " Next is %s at %.3f (%+.3f)%s." % (second["method"], second["passAt1"], second["passAt1"] - w["passAt1"],
                                                  ": the intervals overlap, so the order of the two is not settled by one run" if overlap else "")
    losers = [r for r in ranked if (r["gain"] or 0) < 2]
    if losers:
        text += " Below 2× the base in this budget: " + ", ".join("%s (%.2f×)" % (r["method"], r["gain"] or 0) for r in losers) + "."
    held = [r["method"] for r in ranked if r["passAt8"] < base_pass8 - 0.02]
    if held:
        text += " pass@8 fell by more than 0.02 below the base's for: " + ", ".join(held) + "."
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--winner", action="store_true")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--winner-plots")
    ap.add_argument("--base-dir", default="runs/base")
    a = ap.parse_args()
    names = methods(a.out)
    if not names:
        sys.exit("no finished runs under %s: run scripts/experiments.sh first" % a.out)
    b1 = load(os.path.join(a.out, names[0][0], "summary.json"))["before"]["passAtK"]["1"]
    rows = [row(a.out, n, w, b1) for n, w in names]
    if a.winner:
        print(max((r for r in rows if r["method"] != "r1_rl"), key=lambda r: r["passAt1"])["method"])
        return
    base = base_row(a.out, rows)
    first = load(os.path.join(a.out, rows[0]["method"], "summary.json"))["after"]
    res = {"machine": machine(), "minutes": a.minutes, "base_dir": a.base_dir, "base": base, "rows": rows,
           "heldOut": "%d problems × %d samples" % (first["problems"], first["samplesPerProblem"])}
    rft_eval = os.path.join(a.out, "rft_eval.json")
    if os.path.exists(rft_eval):
        e, info = load(rft_eval), load(os.path.join(a.out, "rft.json"))
        pick = lambda rep: {"passAt1": point(rep, 1)["passAtK"], "passAt1CI": [point(rep, 1)["passLow"], point(rep, 1)["passHigh"]],
                            "passAt8": point(rep, 8)["passAtK"], "passAt8CI": [point(rep, 8)["passLow"], point(rep, 8)["passHigh"]]}
        res["rft"] = {"prompts": info["prompts"], "samplesPerPrompt": info["sampled"] // max(info["prompts"], 1),
                      "accepted": info["accepted"], "kept": info["kept"], "promptsCovered": info["promptsCovered"],
                      "steps": info["fineTuning"]["steps"], "model": pick(e["model"]), "source": pick(e["base"])}
        res["rft"]["ratio"] = res["rft"]["model"]["passAt1"] / max(res["rft"]["source"]["passAt1"], 1e-9)
    res["verdict"] = verdict([r for r in rows if r["method"] != "r1_rl"], base["passAt8"])
    res["plots"] = a.winner_plots
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(res, f, indent=2, sort_keys=True)
    md = markdown(res)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
