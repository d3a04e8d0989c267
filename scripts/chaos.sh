#!/usr/bin/env bash
# A full default cluster run (configs/default.yaml from runs/base) during which KILLS
# `kill -9`s hit randomly chosen actor and verifier processes at random times, spread
# over the training (from the first step to 30 s before the time limit). The launcher
# restarts each; the learner re-issues what the dead one held.
# PASS: the run finishes, every kill was followed by a restart, ledger lost 0 and
# duplicates 0, and pass@1 gain >= MIN_GAIN (2.0).
set -euo pipefail
usage="usage: [NR=nanoreasoner] [PORT=6100] [KILLS=20] [MINUTES=10] [SEED=n] [MIN_GAIN=2.0] scripts/chaos.sh OUTDIR"
[[ $# -eq 1 && $1 != -* ]] || { echo "$usage" >&2; exit 2; }
source "$(dirname "$0")/figure_lib.sh"
setup "$1"
PORT=${PORT:-6100} KILLS=${KILLS:-20} MINUTES=${MINUTES:-10} SEED=${SEED:-$RANDOM} MIN_GAIN=${MIN_GAIN:-2.0}

launch_run "$OUT/launch.log" "$OUT/launch.json" "$PORT" --set "algorithm.minutes=$MINUTES"
wait_for '^\[learner\] step 1/' 600
ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
echo "training started; $KILLS kills over ${MINUTES} min (seed $SEED), log $OUT/launch.log"

# The plan: KILLS (milliseconds after step 1, target) pairs, sorted by time.
plan=$(python3 -c "
import random; r = random.Random($SEED)
ts = sorted(r.uniform(5, $MINUTES * 60 - 30) for _ in range($KILLS))
for t in ts: print('%d %s' % (t * 1000, r.choice(['actor-1', 'actor-2', 'verifier-1', 'verifier-2'])))")
: >"$OUT/kills.tsv"
n=0
while read -r at name; do
  while (($(ms) - t0 < at)); do
    kill -0 "$LAUNCH_PID" 2>/dev/null || break 2
    sleep 0.2
  done
  pid=$(pid_of "$name")
  for _ in $(seq 50); do [[ -n $pid ]] && break; sleep 0.1; pid=$(pid_of "$name"); done  # being restarted
  [[ -n $pid ]] || { echo "no live $name to kill at +${at} ms" >&2; continue; }
  kill -9 "$pid"
  n=$((n + 1))
  el=$(($(ms) - t0)) step=$(last_step)
  printf '%d.%03d\t%s\t%s\t%s\n' $((el / 1000)) $((el % 1000)) "$step" "$name" "$pid" >>"$OUT/kills.tsv"
  printf 'kill %2d/%d at +%d.%01d s (step %s): %s (pid %s)\n' "$n" "$KILLS" $((el / 1000)) $((el % 1000 / 100)) "$step" "$name" "$pid"
done <<<"$plan"

wait_launch
python3 - "$OUT" "$KILLS" "$MIN_GAIN" "$LAUNCH_RC" "$SEED" "$MINUTES" <<'EOF'
import json, re, sys
out, kills_planned, min_gain, rc, seed, minutes = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
log = open(f"{out}/launch.log").read()
kills = [dict(zip(["secondsAfterStep1", "step", "target", "pid"], l.split("\t"))) for l in open(f"{out}/kills.tsv").read().splitlines()]
for k in kills: k["secondsAfterStep1"], k["step"], k["pid"] = float(k["secondsAfterStep1"]), int(k["step"]), int(k["pid"])
restarts = len(re.findall(r"^\[launch\] \S+ was killed by signal 9; restarting it", log, re.M))
try: s = json.load(open(f"{out}/summary.json"))
except OSError: s = {}
L = s.get("ledger", {})
gain = s.get("passAt1Gain") or 0
checks = {"launchExit0": rc == 0, "allKillsDone": len(kills) == kills_planned, "everyKillRestarted": restarts == len(kills),
          "lost0": L.get("lost") == 0, "duplicates0": L.get("duplicates") == 0, "gainAtLeast": gain >= min_gain}
res = {"figure": "chaos", "pass": all(checks.values()), "checks": checks, "seed": seed, "minutes": minutes,
       "kills": kills, "restartsLogged": restarts, "steps": s.get("steps"),
       "passAt1": [s.get("before", {}).get("passAtK", {}).get("1"), s.get("after", {}).get("passAtK", {}).get("1")],
       "passAt8": [s.get("before", {}).get("passAtK", {}).get("8"), s.get("after", {}).get("passAtK", {}).get("8")],
       "passAt1Gain": gain, "ledger": L, "rejectedMessages": s.get("rejectedMessages"), "security": s.get("security"),
       "verifierTimeouts": s.get("verifierTimeouts"), "log": f"{out}/launch.log"}
json.dump(res, open(f"{out}/result.json", "w"), indent=2)
print(f"chaos: {'PASS' if res['pass'] else 'FAIL'}: {len(kills)} kill -9s, {restarts} restarts, {s.get('steps')} steps, "
      f"pass@1 {res['passAt1'][0]} -> {res['passAt1'][1]} ({gain:.2f}x), lost {L.get('lost')}, duplicates {L.get('duplicates')}, "
      f"re-issued {L.get('reissued')}; failed checks: {[k for k, v in checks.items() if not v] or 'none'} ({out}/result.json)")
sys.exit(0 if res["pass"] else 1)
EOF
