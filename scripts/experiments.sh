#!/usr/bin/env bash
# `make experiments`: every algorithm the seeds name, from the same base, for the same
# wall-clock training budget on this machine, then rejection-sampling fine-tuning (R1's
# third stage) and RL again from it, and one results table with intervals.
#
#   OUT/<method>/        each RL run (summary.json, metrics.jsonl with the periodic evals, plot.svg)
#   OUT/rft/             RFT from the Dr. GRPO run into the base; OUT/rft_eval.json against it
#   OUT/r1_rl/           RL from the RFT model: the R1 pipeline's last stage
#   OUT/results.md|json  the table (scripts/experiments_table.py), the plots beside it
#
# A method whose summary.json exists is not run again: delete its folder to redo it.
# The periodic evaluations (every 25 steps, 200 problems × 8 samples) are outside the
# training clock, so every method trains for MINUTES of its own.
set -euo pipefail
usage="usage: [NR=nanoreasoner] [MINUTES=10] [BASE=runs/base] [ONLY=ppo,gspo,…] [R1=1] scripts/experiments.sh [OUTDIR]"
[[ $# -le 1 && ${1:-} != -* ]] || { echo "$usage" >&2; exit 2; }
cd "$(dirname "$0")/.."
NR=${NR:-.build/release/nanoreasoner} MINUTES=${MINUTES:-10} BASE=${BASE:-runs/base} ONLY=${ONLY:-} R1=${R1:-1}
OUT=${1:-runs/experiments}
[[ -x $NR ]] || { echo "no nanoreasoner binary at $NR (make build)" >&2; exit 2; }
[[ -f $BASE/checkpoint/model.safetensors ]] || { echo "no base checkpoint in $BASE (make base)" >&2; exit 2; }
mkdir -p "$OUT"

# name | what it is | train arguments
METHODS=(
  "grpo|GRPO: std-normalised group advantages, averaged per sequence|--algo grpo --set algorithm.no_std=false --set algorithm.per_token=false"
  "drgrpo|Dr. GRPO (the default): no std, averaged over tokens|--algo grpo"
  "kimi|Kimi k1.5 mirror descent (τ·log Z, one pass)|--algo kimi"
  "rloo|RLOO: leave-one-out baseline|--algo rloo"
  "reinforce|REINFORCE with the batch-mean baseline|--algo reinforce"
  "ppo|PPO: value head on the trunk, GAE (γ = λ = 1), clipped value loss|--algo ppo"
  "gspo|GSPO: sequence-level ratio and clip, std-normalised advantages|--algo gspo --set algorithm.no_std=false"
  "drgrpo_process|Dr. GRPO + process reward (0.2 × fraction of right steps)|--algo grpo --set reward.process_weight=0.2"
)
printf '%s\n' "${METHODS[@]}" >"$OUT/methods.txt"

wanted() { [[ -z $ONLY ]] || [[ ",$ONLY," == *",$1,"* ]]; }

# train_run NAME INIT ARGS…: one RL run into OUT/NAME unless it finished before.
train_run() {
  local name=$1 init=$2; shift 2
  if [[ -f $OUT/$name/summary.json ]]; then echo "== $name: done before ($OUT/$name/summary.json)"; return; fi
  rm -rf "${OUT:?}/$name"
  echo "== $name: $MINUTES min from $init ($(date +%H:%M:%S))"
  "$NR" train configs/default.yaml --set "run.init_from=$init" --set "run.out=$OUT/$name" \
    --set "algorithm.minutes=$MINUTES" --set eval.every=25 --set eval.problems=200 --set eval.samples=8 \
    "$@" --json >"$OUT/$name.json" 2>"$OUT/$name.log" || { echo "$name failed: see $OUT/$name.log" >&2; tail -5 "$OUT/$name.log" >&2; exit 1; }
  grep -E "^(before|after)|pass@1" "$OUT/$name.log" | tail -3 || true
}

for m in "${METHODS[@]}"; do
  IFS='|' read -r name _ args <<<"$m"
  wanted "$name" || continue
  # shellcheck disable=SC2086 # the arguments are words by design
  train_run "$name" "$BASE" $args
done

if [[ $R1 == 1 ]] && wanted rft; then
  # R1: cold-start SFT (the base) → RL (drgrpo above) → RFT → RL.
  if [[ ! -f $OUT/rft_eval.json ]]; then
    echo "== rft: sample $OUT/drgrpo on training prompts, fine-tune $BASE ($(date +%H:%M:%S))"
    "$NR" rft --from "$OUT/drgrpo" --base "$BASE" --out "$OUT/rft" --json >"$OUT/rft.json" 2>"$OUT/rft.log"
    "$NR" eval --checkpoint "$OUT/rft" --compare "$OUT/drgrpo" --samples 32 --k 1,8 --json >"$OUT/rft_eval.json" 2>>"$OUT/rft.log"
  fi
  train_run r1_rl "$OUT/rft" --algo grpo
fi

# The winner's test-time scaling against the base, and its accuracy against a think budget.
win=$(python3 scripts/experiments_table.py "$OUT" --winner)
if [[ ! -f $OUT/test_time_scaling.json ]]; then
  echo "== plots for $win ($(date +%H:%M:%S))"
  "$NR" eval --checkpoint "$OUT/$win" --compare "$BASE" --samples 32 --k 1,8 --plot "$OUT/test_time_scaling.svg" --json >"$OUT/test_time_scaling.json"
  "$NR" eval --checkpoint "$OUT/$win" --samples 8 --k 1,8 --problems 200 --budget-sweep 0,4,8,16,32,64 \
    --plot "$OUT/budget_forcing.svg" --json >"$OUT/budget_forcing.json"
fi
python3 scripts/experiments_table.py "$OUT" --minutes "$MINUTES" --base-dir "$BASE" --winner-plots "$win"
