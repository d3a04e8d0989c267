#!/usr/bin/env bash
# The learner frozen (SIGSTOP) for STALL seconds mid-run while the actors and verifiers
# keep running, then continued (SIGCONT). The resident memory (VmRSS) of every process —
# launcher, learner, each actor and verifier — is sampled before the stop, every 5 s
# during it and for 30 s after it.
# PASS: the run completes (all STEPS steps) with ledger lost 0, no worker died, and every
# process's RSS during and after stays <= 1.5 x its RSS before + 50 MB.
set -euo pipefail
usage="usage: [NR=nanoreasoner] [PORT=6300] [STEPS=80] [STOP_AT=30] [STALL=60] scripts/stall.sh OUTDIR"
[[ $# -eq 1 && $1 != -* ]] || { echo "$usage" >&2; exit 2; }
source "$(dirname "$0")/figure_lib.sh"
setup "$1"
PORT=${PORT:-6300} STEPS=${STEPS:-80} STOP_AT=${STOP_AT:-30} STALL=${STALL:-60}
names=(launch learner actor-1 actor-2 verifier-1 verifier-2)

launch_run "$OUT/launch.log" "$OUT/launch.json" "$PORT" --set "algorithm.steps=$STEPS"
wait_for "^\[learner\] step $STOP_AT/" 900
declare -A pid
pid[launch]=$LAUNCH_PID
for n in "${names[@]:1}"; do pid[$n]=$(pid_of "$n"); done
printf 'phase\tt\tname\tpid\trss_kb\n' >"$OUT/rss.tsv"
sample() {  # sample PHASE T: one line per process
  for n in "${names[@]}"; do printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$n" "${pid[$n]}" "$(rss_kb "${pid[$n]}")" >>"$OUT/rss.tsv"; done
}
sample before 0
kill -STOP "${pid[learner]}"
echo "learner (pid ${pid[learner]}) stopped after step $STOP_AT for $STALL s; log $OUT/launch.log"
for ((t = 5; t <= STALL; t += 5)); do sleep 5; sample during "$t"; done
kill -CONT "${pid[learner]}"
echo "learner continued"
for ((t = 5; t <= 30; t += 5)); do sleep 5; sample after "$t"; done
wait_launch

python3 - "$OUT" "$LAUNCH_RC" "$STOP_AT" "$STALL" "$STEPS" <<'EOF'
import csv, json, re, sys
out, rc, stop_at, stall, steps = sys.argv[1], *map(int, sys.argv[2:])
rows = list(csv.DictReader(open(f"{out}/rss.tsv"), delimiter="\t"))
procs = {}
for r in rows:
    p = procs.setdefault(r["name"], {"pid": int(r["pid"]), "samplesKB": {}})
    p["samplesKB"].setdefault(r["phase"], []).append(int(r["rss_kb"]) if r["rss_kb"] else None)
gone = []
for name, p in procs.items():
    s = p["samplesKB"]
    before = s["before"][0]
    p["beforeMB"] = round(before / 1024, 1)
    later = s["during"] + s["after"]
    if None in later: gone.append(name)
    live = [x for x in later if x is not None]
    p["maxDuringMB"] = round(max(x for x in s["during"] if x is not None) / 1024, 1) if any(s["during"]) else None
    p["maxAfterMB"] = round(max(x for x in s["after"] if x is not None) / 1024, 1) if any(s["after"]) else None
    p["boundMB"] = round((1.5 * before + 50 * 1024) / 1024, 1)
    p["bounded"] = all(x <= 1.5 * before + 50 * 1024 for x in live)
s = json.load(open(f"{out}/summary.json")) if rc == 0 else {}
L = s.get("ledger", {})
log = open(f"{out}/launch.log").read()
restarts = re.findall(r"^\[launch\] (\S+) .*; restarting it", log, re.M)
metrics = [json.loads(l) for l in open(f"{out}/metrics.jsonl")]
stalled = next((m for m in metrics if m["step"] == stop_at + 1), {})
after = [m for m in metrics if m["step"] > stop_at]
checks = {"launchExit0": rc == 0, "reachedAllSteps": s.get("steps") == steps, "lost0": L.get("lost") == 0,
          "noWorkerDied": not gone and not restarts,
          "rssBounded": all(p["bounded"] for p in procs.values())}
res = {"figure": "stall", "pass": all(checks.values()), "checks": checks, "stoppedAfterStep": stop_at, "stallSeconds": stall,
       "bound": "RSS during and after <= 1.5 x before + 50 MB", "processes": procs, "workerExits": restarts,
       "stalledStepSeconds": stalled.get("stepSeconds"), "steps": s.get("steps"), "stoppedEarly": s.get("stoppedEarly"), "ledger": L,
       "afterStall": [{k: m[k] for k in ("step", "stepSeconds", "waitSeconds", "liveActors", "liveVerifiers")} for m in after[:3]],
       "presumedDead": re.findall(r"^\[learner\] .*(?:presumed dead|silent).*$", log, re.M),
       "verifierTimeouts": s.get("verifierTimeouts"), "passAt1Gain": s.get("passAt1Gain"), "log": f"{out}/launch.log"}
json.dump(res, open(f"{out}/result.json", "w"), indent=2)
table = ", ".join(f"{n} {p['beforeMB']}->{max(filter(None, [p['maxDuringMB'], p['maxAfterMB']]), default=0)} MB" for n, p in procs.items())
print(f"stall: {'PASS' if res['pass'] else 'FAIL'}: learner stopped {stall} s after step {stop_at}; RSS before->max(during, after): {table}; "
      f"{s.get('steps')}/{steps} steps, lost {L.get('lost')}, duplicates {L.get('duplicates')}, re-issued {L.get('reissued')}; "
      f"failed checks: {[k for k, v in checks.items() if not v] or 'none'} ({out}/result.json)")
sys.exit(0 if res["pass"] else 1)
EOF
