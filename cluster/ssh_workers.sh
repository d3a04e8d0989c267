#!/usr/bin/env bash
# Start (or --stop) rollout actors and verifiers on the machines of a hostfile over ssh.
#   cluster/ssh_workers.sh HOSTFILE LEARNER_HOST [PORT]
#   cluster/ssh_workers.sh --stop HOSTFILE
# Hostfile lines: HOST ACTORS VERIFIERS ('#' starts a comment).
set -euo pipefail
NR=${NANOREASONER:-nanoreasoner}
if [ "${1:-}" = "--stop" ]; then
  grep -v '^\s*#' "$2" | while read -r host _ _; do
    [ -n "$host" ] && ssh -n "$host" "pkill -f '$NR (actor|verifier) ' || true" && echo "$host: stopped"
  done
  exit 0
fi
[ $# -ge 2 ] || { echo "usage: $0 HOSTFILE LEARNER_HOST [PORT] | --stop HOSTFILE" >&2; exit 2; }
HOSTFILE=$1 LEARNER=$2 PORT=${3:-5555}
grep -v '^\s*#' "$HOSTFILE" | while read -r host actors verifiers; do
  [ -n "$host" ] || continue
  cmd="mkdir -p ~/nanoreasoner-workers && cd ~/nanoreasoner-workers"
  for i in $(seq 1 "${actors:-0}"); do
    cmd+=" && nohup $NR actor --learner $LEARNER --port $PORT --id $host-actor-$i > $host-actor-$i.log 2>&1 &"
  done
  for i in $(seq 1 "${verifiers:-0}"); do
    cmd+=" && nohup $NR verifier --learner $LEARNER --port $PORT --id $host-verifier-$i > $host-verifier-$i.log 2>&1 &"
  done
  ssh -n "$host" "$cmd" && echo "$host: started $actors actors, $verifiers verifiers (logs in ~/nanoreasoner-workers)"
done
