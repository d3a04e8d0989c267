# Shared by chaos.sh, learner_crash.sh, stall.sh and malformed_flood.sh (source it, do not run it):
# start a local cluster under `launch`, wait for lines of its log, find its processes, and
# stop what the script started when it exits.

# setup OUTDIR: absolute $OUT (created; must be empty), $NR, the repo root as working directory.
setup() {
  [[ -z ${NR:-} ]] || NR=$(realpath "$NR")
  mkdir -p "$1"
  OUT=$(cd "$1" && pwd)
  [[ -z $(ls -A "$OUT") ]] || { echo "$OUT is not empty: give a new OUTDIR" >&2; exit 2; }
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  NR=${NR:-.build/release/nanoreasoner}
  [[ -x $NR ]] || { echo "no nanoreasoner binary at $NR (set NR=...)" >&2; exit 2; }
  LAUNCH_PID=
  trap cleanup EXIT
}

# launch_run LOG JSON PORT [launch args…]: the default config from the base checkpoint into $OUT,
# in the background ($LAUNCH_PID); the live log goes to LOG, the summary JSON to JSON.
launch_run() {
  LOG=$1; local json=$2 port=$3; shift 3
  "$NR" launch configs/default.yaml --set run.init_from=runs/base --set "run.out=$OUT" \
    --set "cluster.base_port=$port" "$@" --json >"$json" 2>"$LOG" &
  LAUNCH_PID=$!
}

# wait_for REGEX SECONDS: until a line of $LOG matches; fails when launch exits first or on timeout.
wait_for() {
  local deadline=$((SECONDS + $2))
  until grep -qE -- "$1" "$LOG"; do
    kill -0 "$LAUNCH_PID" 2>/dev/null || { echo "launch exited before a line matched: $1" >&2; return 1; }
    ((SECONDS < deadline)) || { echo "no line matched '$1' within $2 s (log: $LOG)" >&2; return 1; }
    sleep 0.2
  done
}

# wait_launch: waits for launch to exit; its exit status in $LAUNCH_RC.
wait_launch() {
  LAUNCH_RC=0
  wait "$LAUNCH_PID" || LAUNCH_RC=$?
  LAUNCH_PID=
}

# last_step: the last "step N/" the learner logged (0 before the first).
last_step() { { grep -oE '^\[learner\] step [0-9]+/' "$LOG" || echo 'step 0/'; } | tail -1 | grep -oE '[0-9]+'; }

# pid_of learner|actor-N|verifier-N: the live process of that name under this launch (empty if none).
pid_of() {
  local p pat=" --id $1 "
  [[ $1 == learner ]] && pat="nanoreasoner learner "
  for p in $(pgrep -P "$LAUNCH_PID" || true); do
    [[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" == *"$pat"* ]] && { echo "$p"; return 0; }
  done
  return 0
}

# rss_kb PID: resident set size in kB (empty if the process is gone).
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# cleanup: on exit, stop a launch still running (a stopped learner is continued first so it can
# write its checkpoint), plus any pid in $EXTRA_PIDS.
cleanup() {
  local p
  for p in ${EXTRA_PIDS:-}; do kill "$p" 2>/dev/null || true; done
  [[ -n ${LAUNCH_PID:-} ]] && kill -0 "$LAUNCH_PID" 2>/dev/null || return 0
  p=$(pid_of learner)
  [[ -n $p ]] && kill -CONT "$p" 2>/dev/null
  echo "stopping launch (pid $LAUNCH_PID)" >&2
  kill -TERM "$LAUNCH_PID" 2>/dev/null || true
  for _ in $(seq 180); do kill -0 "$LAUNCH_PID" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$LAUNCH_PID" 2>/dev/null || true
}
