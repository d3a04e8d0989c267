#!/usr/bin/env bash
# The learner's update, this tree against an older commit, side by side on the same groups.
#
# Builds scripts/update_bench/main.swift as `UpdateBench` into a copy of this tree (uncommitted
# changes included) and into a copy of REV, writes one default cluster step's scored groups
# (32 prompts × 8 completions, each group with reward variance, sampled from CHECKPOINT) once,
# (REFERENCE=actors: with the reference log-probs actors send under cluster.reference_on_actors),
# then runs PAIRS pairs — the two builds alternating, REPEATS updates each — and prints the
# CPU-seconds per update, the ratio per pair (this tree / REV), the median and the worst, as a
# table and as JSON (--json: the JSON only). The target (issue 20): ratio ≤ 0.6 in every pair.
set -euo pipefail
usage="usage: [REV=9ff085c] [PAIRS=5] [REPEATS=3] [REFERENCE=learner|actors] [CHECKPOINT=runs/base/checkpoint] scripts/update_bench.sh [--json]"
[[ $# -le 1 && ( $# -eq 0 || $1 == --json ) ]] || { echo "$usage" >&2; exit 2; }
JSON_ONLY=${1:-}
cd "$(dirname "$0")/.."
REV=${REV:-9ff085c} PAIRS=${PAIRS:-5} REPEATS=${REPEATS:-3} CHECKPOINT=${CHECKPOINT:-runs/base/checkpoint} REFERENCE=${REFERENCE:-learner}
[[ $REFERENCE == learner || $REFERENCE == actors ]] || { echo "REFERENCE must be learner (the default config) or actors" >&2; exit 2; }
WORK=${WORK:-.build/update-bench}
[[ -f $CHECKPOINT/model.safetensors ]] || { echo "no checkpoint at $CHECKPOINT (make base)" >&2; exit 2; }
git rev-parse --verify -q "$REV^{commit}" >/dev/null || { echo "commit $REV is not in this clone's history (a shallow clone? git fetch --unshallow)" >&2; exit 2; }
say() { [[ -n $JSON_ONLY ]] || echo "$@" >&2; }

# add_harness DIR: the executable target, with the modules this tree has.
add_harness() {
  mkdir -p "$1/Sources/UpdateBench" && cp scripts/update_bench/main.swift "$1/Sources/UpdateBench/main.swift"
  local deps='"Trainer", "TinyGPT", "Verifier", "Sampler"'
  [[ -d $1/Sources/Completions ]] && deps+=', "Completions", "Tasks", "Kernels"'
  cat >>"$1/Package.swift" <<SWIFT

package.products.append(.executable(name: "UpdateBench", targets: ["UpdateBench"]))
package.targets.append(.executableTarget(name: "UpdateBench", dependencies: [$deps], path: "Sources/UpdateBench",
                                         swiftSettings: release))
SWIFT
}

# build NAME: copies in $WORK/NAME (REV once; this tree every time, so edits are measured).
build() {
  local dir=$WORK/$1
  if [[ $1 == current ]]; then
    mkdir -p "$dir/src" && rm -rf "$dir/src/Sources"
    git ls-files -co --exclude-standard -z | grep -zv '^runs/' | tar -c --null -T - -f - | tar -x -C "$dir/src" -f -
  elif [[ ! -f $dir/src/Package.swift ]]; then
    mkdir -p "$dir/src" && git archive "$REV" | tar -x -C "$dir/src" -f -
  fi
  grep -q UpdateBench "$dir/src/Package.swift" || add_harness "$dir/src"
  say "== building UpdateBench at $1 ($( [[ $1 == current ]] && git rev-parse --short HEAD || echo "$REV"))"
  (cd "$dir/src" && swift build -c release --product UpdateBench 2>&1 | tail -1) >&2
}

# The CLI picks OpenBLAS's AVX-512 kernels itself (OpenBLASTuning); the harness is not the CLI.
if [[ -z ${OPENBLAS_CORETYPE:-} ]] && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SKYLAKEX; fi
mkdir -p "$WORK"
build current
build "base-$REV"
NEW=$WORK/current/src/.build/release/UpdateBench OLD=$WORK/base-$REV/src/.build/release/UpdateBench
GROUPS_FILE=$WORK/groups-reference-on-$REFERENCE.json
[[ -f $GROUPS_FILE ]] || "$NEW" write "$CHECKPOINT" "$GROUPS_FILE" $([[ $REFERENCE == actors ]] && echo --reference) >&2

: >"$WORK/times.jsonl"
for ((p = 1; p <= PAIRS; p++)); do
  say "== pair $p/$PAIRS"
  order=(old new); ((p % 2 == 0)) && order=(new old)
  for who in "${order[@]}"; do
    bin=$OLD; [[ $who == new ]] && bin=$NEW
    "$bin" time "$CHECKPOINT" "$GROUPS_FILE" "$REPEATS" | sed "s/^{/{\"pair\":$p,\"build\":\"$who\",/" >>"$WORK/times.jsonl"
  done
done
python3 scripts/update_bench_table.py "$WORK/times.jsonl" --rev "$REV" --reference "$REFERENCE" ${JSON_ONLY:+--json}
