#!/usr/bin/env bash
# A run (STEPS 60) during which scripts/malformed_flood.py sends COUNT (100,000) malformed
# messages over the learner's ports, with a worker key made beforehand
# (`keygen OUTDIR/keys --workers flooder`; launch completes the same folder), plus the
# extras it describes (over-limit messages, weights-port churn, raw TCP garbage, clients
# with an unknown key and with none).
# PASS: the run reaches its last step with ledger lost 0, the learner's rejectedMessages
# (summary.json) equal, reason by reason, what the flooder predicted for the messages that
# reached it, and security.refusedHandshakes equals the unknown-key handshakes refused.
set -euo pipefail
usage="usage: [NR=nanoreasoner] [PORT=6400] [STEPS=60] [COUNT=100000] [FLOOD_SECONDS=60] scripts/malformed_flood.sh OUTDIR"
[[ $# -eq 1 && $1 != -* ]] || { echo "$usage" >&2; exit 2; }
source "$(dirname "$0")/figure_lib.sh"
setup "$1"
PORT=${PORT:-6400} STEPS=${STEPS:-60} COUNT=${COUNT:-100000} FLOOD_SECONDS=${FLOOD_SECONDS:-60}
python3 -c 'import zmq; assert zmq.has("curve")' || { echo "needs pyzmq with CURVE: pip install pyzmq" >&2; exit 2; }

"$NR" keygen "$OUT/keys" --workers flooder >/dev/null
launch_run "$OUT/launch.log" "$OUT/launch.json" "$PORT" --set "algorithm.steps=$STEPS"
wait_for '^\[learner\] step 2/' 600
echo "flooding from step $(last_step) of $STEPS; log $OUT/launch.log"
python3 scripts/malformed_flood.py --keys "$OUT/keys" --port "$PORT" --count "$COUNT" --seconds "$FLOOD_SECONDS" \
  --out "$OUT/flood.json" >/dev/null &
EXTRA_PIDS=$!
wait "$EXTRA_PIDS"
EXTRA_PIDS=
echo "flood done at step $(last_step)"
wait_launch

python3 - "$OUT" "$LAUNCH_RC" "$STEPS" <<'EOF'
import json, sys
out, rc, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
f = json.load(open(f"{out}/flood.json"))
s = json.load(open(f"{out}/summary.json")) if rc == 0 else {}
got, want = s.get("rejectedMessages", {}), f["expectedByReason"]
sec = s.get("security", {})
checks = {"launchExit0": rc == 0, "reachedLastStep": s.get("steps") == steps, "lost0": s.get("ledger", {}).get("lost") == 0,
          "rejectedTotalEqualsReached": sum(got.values()) == f["expectedRejectedTotal"], "rejectedByReasonEqual": got == want,
          "refusedHandshakesEqual": sec.get("refusedHandshakes") == f["expectedRefusedHandshakes"],
          "overLimitDisconnected": all(v.startswith("disconnected") for v in f["overLimit"]["outcome"].values())}
res = {"figure": "malformed_flood", "pass": all(checks.values()), "checks": checks,
       "sentMalformed": f["flood"]["sent"], "reachedDecoders": f["expectedRejectedTotal"], "counted": sum(got.values()),
       "countedByReason": got, "expectedByReason": want, "refusedHandshakes": sec.get("refusedHandshakes"),
       "expectedRefusedHandshakes": f["expectedRefusedHandshakes"], "security": sec, "ledger": s.get("ledger"),
       "steps": s.get("steps"), "passAt1Gain": s.get("passAt1Gain"), "flood": f, "log": f"{out}/launch.log"}
json.dump(res, open(f"{out}/result.json", "w"), indent=2)
print(f"malformed_flood: {'PASS' if res['pass'] else 'FAIL'}: sent {f['flood']['sent']} malformed in {f['flood']['seconds']} s "
      f"(+{f['overLimit']['sent']} over the limit, dropped by libzmq), learner counted {sum(got.values())} of the "
      f"{f['expectedRejectedTotal']} that reached it; refused handshakes {sec.get('refusedHandshakes')} "
      f"(expected {f['expectedRefusedHandshakes']}; keyless: {f['noKey']['outcome']}); {s.get('steps')}/{steps} steps, "
      f"lost {s.get('ledger', {}).get('lost')}; failed checks: {[k for k, v in checks.items() if not v] or 'none'} ({out}/result.json)")
sys.exit(0 if res["pass"] else 1)
EOF
