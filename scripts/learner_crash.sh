#!/usr/bin/env bash
# The learner killed with SIGKILL mid-run, then the run resumed from its last checkpoint:
# run 1 (steps 60, a checkpoint every 10, curriculum on as by default) is killed at a
# random step in [15, 45] (right after the learner logs "step K/"); `launch --resume`
# with the same settings runs to the end. Then OUTDIR/prompts.jsonl (the history of the
# final weights) and the final checkpoint's cursor and pending prompts are checked:
#   - steps 1..60 each logged once; no prompt index twice across all trained and droppedFlat lists;
#   - no pending prompt already settled; every index inside [first, cursor);
#   - settled + pending + ledger.skippedByCurriculum == cursor - first (nothing skipped
#     but what the curriculum passed over), and every index missing from both lists is one
#     the curriculum could have passed over (its hash is >= the floor; see PromptCurriculum);
#   - ledger trained / droppedZeroVariance equal the log's counts; lost 0.
set -euo pipefail
usage="usage: [NR=nanoreasoner] [PORT=6200] [SEED=n] scripts/learner_crash.sh OUTDIR"
[[ $# -eq 1 && $1 != -* ]] || { echo "$usage" >&2; exit 2; }
source "$(dirname "$0")/figure_lib.sh"
setup "$1"
PORT=${PORT:-6200} SEED=${SEED:-$RANDOM}
RANDOM=$SEED
KILL_AT=$((15 + RANDOM % 31))
settings=(--set run.checkpoint_every=10 --set algorithm.steps=60)

launch_run "$OUT/run1.log" "$OUT/run1.json" "$PORT" "${settings[@]}"
wait_for "^\[learner\] step $KILL_AT/" 900
learner=$(pid_of learner)
kill -9 "$learner"
echo "killed the learner (pid $learner) after it logged step $KILL_AT (seed $SEED); log $OUT/run1.log"
wait_launch
RC1=$LAUNCH_RC
CKPT=$(jq .step "$OUT/checkpoint/run_state.json")
cp "$OUT/checkpoint/run_state.json" "$OUT/run_state_resumed_from.json"
echo "launch exited with status $RC1; resuming from the checkpoint at step $CKPT"

launch_run "$OUT/run2.log" "$OUT/run2.json" "$PORT" "${settings[@]}" --resume
wait_launch
RC2=$LAUNCH_RC

python3 - "$OUT" "$KILL_AT" "$RC1" "$RC2" "$CKPT" "$SEED" <<'EOF'
import json, re, sys
out, kill_at, rc1, rc2, ckpt, seed = sys.argv[1], *map(int, sys.argv[2:])
FIRST = 10_000_000  # WorkLedger.firstTrainProblem
lines = [json.loads(l) for l in open(f"{out}/prompts.jsonl")]
trained = [i for l in lines for i in l["trained"]]
flat = [i for l in lines for i in l["droppedFlat"]]
settled = trained + flat
state = json.load(open(f"{out}/checkpoint/run_state.json"))
cursor, pending, cur = state["cursor"], state["pending"], state["curriculum"]
s = json.load(open(f"{out}/summary.json"))
L = s["ledger"]
settled_set, pending_set = set(settled), set(pending)
missing = set(range(FIRST, cursor)) - settled_set - pending_set

def u(i):  # PromptCurriculum.accepts: accepted when u < max(floor, p_informative) >= floor
    z = (cur["seed"] ^ i) & (2**64 - 1)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
    return ((z ^ (z >> 31)) >> 11) / 2**53
always_accepted_yet_missing = sorted(i for i in missing if u(i) < cur["floor"])
resume_line = re.search(r"resuming at step (\d+), cursor (\d+), (\d+) pending", open(f"{out}/run2.log").read())
checks = {
    "run1KilledBySIGKILL": rc1 == 137, "run2Exit0": rc2 == 0, "resumedFromCheckpoint": bool(resume_line) and int(resume_line[1]) == ckpt,
    "reachedLastStep": s["steps"] == 60, "stepsLoggedOnce": [l["step"] for l in lines] == list(range(1, 61)),
    "noIndexSettledTwice": len(settled) == len(settled_set), "pendingUnique": len(pending) == len(pending_set),
    "noPendingAlreadySettled": not (settled_set & pending_set),
    "allInsideFirstToCursor": all(FIRST <= i < cursor for i in settled_set | pending_set),
    "countsAddUp": len(settled_set) + len(pending_set) + L["skippedByCurriculum"] == cursor - FIRST,
    "missingOnlyWhereCurriculumMaySkip": not always_accepted_yet_missing,
    "ledgerTrainedMatchesLog": L["trained"] == len(trained), "ledgerFlatMatchesLog": L["droppedZeroVariance"] == len(flat),
    "lost0": L["lost"] == 0,
}
res = {"figure": "learner_crash", "pass": all(checks.values()), "checks": checks, "seed": seed, "killedAfterStep": kill_at,
       "resumedFromStep": ckpt, "resumeLine": resume_line[0] if resume_line else None, "firstIndex": FIRST, "finalCursor": cursor,
       "range": cursor - FIRST, "settled": len(settled_set), "trained": len(trained), "droppedFlat": len(flat),
       "pending": len(pending_set), "skippedByCurriculum": L["skippedByCurriculum"], "missingFromFiles": len(missing),
       "missingButAlwaysAccepted": always_accepted_yet_missing[:20], "ledger": L, "steps": s["steps"],
       "passAt1": [s["before"]["passAtK"]["1"], s["after"]["passAtK"]["1"]], "passAt1Gain": s["passAt1Gain"],
       "logs": [f"{out}/run1.log", f"{out}/run2.log"]}
json.dump(res, open(f"{out}/result.json", "w"), indent=2)
print(f"learner_crash: {'PASS' if res['pass'] else 'FAIL'}: killed after step {kill_at}, resumed at {ckpt}, 60 steps; "
      f"{len(settled_set)} settled ({len(trained)} trained + {len(flat)} flat) + {len(pending_set)} pending + "
      f"{L['skippedByCurriculum']} skipped = {len(settled_set) + len(pending_set) + L['skippedByCurriculum']} vs cursor-first {cursor - FIRST}; "
      f"duplicates {len(settled) - len(settled_set)}, lost {L['lost']}; failed checks: {[k for k, v in checks.items() if not v] or 'none'} "
      f"({out}/result.json)")
sys.exit(0 if res["pass"] else 1)
EOF
