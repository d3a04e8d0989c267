#!/usr/bin/env bash
# `make deepmind-math`: the seed's experiment on DeepMind's mathematics data, end to end.
#
#   1. the data: scripts/deepmind_math.py (in its own virtualenv: the package needs sympy 1.5.1)
#      writes OUT/data/{train,held_out,held_out_<module>}.jsonl
#   2. the cold start: `pretrain --tasks` on the answer-only problems (the R1 template with
#      empty thinking; the tokenizer's alphabet built from the data) into OUT/base
#   3. RL: `train configs/deepmind_math.yaml` (task.file = the same training file) into OUT/rl,
#      SEED seeding its sampling (a second run with another SEED shows the spread)
#   4. each module's held-out split scored before and after (`eval --tasks`, 32 samples),
#      the table in OUT/results.md and .json (scripts/deepmind_math_table.py)
#
# A finished stage is not run again: delete its folder (or file) to redo it.
set -euo pipefail
usage="usage: [NR=nanoreasoner] [MODULES=arithmetic__add_or_sub,arithmetic__mul] [DIFFICULTY=0.05] [TRAIN=40000] [SFT_STEPS=3000] [MINUTES=20] [SEED=7] [VENV=runs/.venv-deepmind] scripts/deepmind_math.sh [OUTDIR]"
[[ $# -le 1 && ${1:-} != -* ]] || { echo "$usage" >&2; exit 2; }
cd "$(dirname "$0")/.."
NR=${NR:-.build/release/nanoreasoner} OUT=${1:-runs/deepmind_math}
MODULES=${MODULES:-arithmetic__add_or_sub,arithmetic__mul} DIFFICULTY=${DIFFICULTY:-0.05} TRAIN=${TRAIN:-40000}
SFT_STEPS=${SFT_STEPS:-3000} MINUTES=${MINUTES:-20} SEED=${SEED:-7} VENV=${VENV:-runs/.venv-deepmind} SAMPLES=${SAMPLES:-32}
[[ -x $NR ]] || { echo "no nanoreasoner binary at $NR (make build)" >&2; exit 2; }
mkdir -p "$OUT"

if ! "$VENV/bin/python" -c "import mathematics_dataset" 2>/dev/null; then
  echo "== installing mathematics-dataset with sympy 1.5.1 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q mathematics-dataset sympy==1.5.1
fi
if [[ ! -f $OUT/data/held_out.jsonl ]]; then
  echo "== data: $MODULES, difficulty $DIFFICULTY, $TRAIN training problems per module ($(date +%H:%M:%S))"
  "$VENV/bin/python" scripts/deepmind_math.py --modules "$MODULES" --difficulty "$DIFFICULTY" --train "$TRAIN" --out "$OUT/data"
fi
if [[ ! -f $OUT/base/checkpoint/model.safetensors ]]; then
  echo "== cold start: pretrain --tasks, $SFT_STEPS steps ($(date +%H:%M:%S))"
  "$NR" pretrain --tasks "$OUT/data/train.jsonl" --held-out "$OUT/data/held_out.jsonl" --steps "$SFT_STEPS" --batch-size 64 \
    --out "$OUT/base" --save-every 500 --json >"$OUT/base.json" 2>"$OUT/base.log" || { tail -5 "$OUT/base.log" >&2; exit 1; }
fi

# score CHECKPOINT TAG: each module's held-out split, SAMPLES samples per problem.
score() {
  IFS=',' read -r -a mods <<<"$MODULES"
  for m in "${mods[@]}"; do
    [[ -f $OUT/$2_$m.json ]] && continue
    "$NR" eval --checkpoint "$1" --tasks "$OUT/data/held_out_$m.jsonl" --samples "$SAMPLES" --k 1,8 --json >"$OUT/$2_$m.json" 2>/dev/null
  done
}
score "$OUT/base" base

if [[ ! -f $OUT/rl/summary.json ]]; then
  echo "== RL: configs/deepmind_math.yaml, $MINUTES min ($(date +%H:%M:%S))"
  "$NR" train configs/deepmind_math.yaml --set "run.init_from=$OUT/base" --set "run.out=$OUT/rl" --set "algorithm.minutes=$MINUTES" --set "run.seed=$SEED" \
    --set "task.file=$OUT/data/train.jsonl" --set "task.held_out=$OUT/data/held_out.jsonl" \
    --json >"$OUT/rl.json" 2>"$OUT/rl.log" || { tail -5 "$OUT/rl.log" >&2; exit 1; }
fi
score "$OUT/rl" rl
python3 scripts/deepmind_math_table.py "$OUT" --modules "$MODULES"
