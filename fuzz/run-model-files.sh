#!/usr/bin/env bash
# Fuzzes the safetensors and GGUF readers: fuzz/run-model-files.sh [RUNS]   (default 200,000 inputs, one process)
#
# Builds .build/fuzz/model-files-fuzz when it is missing or older than its sources, then runs
# libFuzzer on the committed corpus (fuzz/corpus/model-files, read only); new inputs go to
# .build/fuzz/corpus-model-files, crash reproducers to .build/fuzz/artifacts-model-files/<time>/.
# Prints the inputs executed and the crashes found; exits non-zero on a crash.
#
# MERGE=1 fuzz/run-model-files.sh ... afterwards rebuilds fuzz/corpus/model-files as the
# generated seeds + the inputs from the committed and working corpora that add coverage.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-200000}
B=.build/fuzz
BIN=${MODEL_FILES_FUZZ_BIN:-$B/model-files-fuzz}
CORPUS=fuzz/corpus/model-files
WORK=$B/corpus-model-files
ART=$B/artifacts-model-files/$(date +%Y%m%d-%H%M%S)
LOG=$B/last-run-model-files.log

if [ ! -x "$BIN" ] || [ -n "$(find Sources/ModelFiles fuzz/ModelFilesFuzz.swift fuzz/build-model-files.sh -newer "$BIN" 2>/dev/null)" ]; then
    fuzz/build-model-files.sh || exit 2
fi
mkdir -p "$WORK" "$ART" "$CORPUS"
if [ -z "$(ls -A "$CORPUS")" ]; then MODEL_FILES_FUZZ_WRITE_SEEDS="$CORPUS" "$BIN" || exit 2; fi

# The Swift runtime's backtracer would catch the trap before libFuzzer can save the input.
export SWIFT_BACKTRACE=enable=no
"$BIN" -runs="$RUNS" -max_len=65536 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$ART/" "$WORK" "$CORPUS" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}

executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOG" | tail -1)
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$LOG" | tail -1)
last=$(grep -E '^#[0-9]+' "$LOG" | tail -1)
crashes=$(find "$ART" -type f | wc -l)
echo
echo "model-files-fuzz: inputs executed: ${executed:-?}  exec/s: ${speed:-?}  crashes: $crashes  (libFuzzer exit $rc)"
echo "model-files-fuzz: last status: ${last:-none}"

if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    echo "model-files-fuzz: FAILED; reproducers in $ART (rerun one with: $BIN <file>)"
    exit 1
fi
rmdir "$ART" 2>/dev/null

if [ "${MERGE:-0}" = 1 ]; then
    NEW=$B/merged-model-files
    rm -rf "$NEW" && mkdir -p "$NEW"
    MODEL_FILES_FUZZ_WRITE_SEEDS="$NEW" "$BIN" || exit 2
    "$BIN" -merge=1 -max_len=65536 "$NEW" "$CORPUS" "$WORK" 2>&1 | grep -E '^MERGE-OUTER' || exit 2
    rm -rf "$CORPUS" && mv "$NEW" "$CORPUS"
    echo "model-files-fuzz: merged corpus: $(ls "$CORPUS" | wc -l) files, $(du -sb "$CORPUS" | cut -f1) bytes in $CORPUS"
fi
exit 0
