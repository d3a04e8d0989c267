#!/usr/bin/env bash
# Start (or --stop) rollout actors and verifiers on the machines of a hostfile over ssh.
#   cluster/ssh_workers.sh HOSTFILE LEARNER_HOST [PORT]
#   cluster/ssh_workers.sh --stop HOSTFILE
# Hostfile lines: HOST ACTORS VERIFIERS ('#' starts a comment).
# KEYS=DIR (the learner's cluster.keys): every worker gets its own CURVE key pair (made with
# `nanoreasoner keygen` if missing; the learner reads the allow-list again when a new key
# knocks) and only its own folder is copied to its machine. Without KEYS the workers talk
# plain text, which a learner with cluster.security: curve refuses.
set -euo pipefail
NR=${NANOREASONER:-nanoreasoner}
if [ "${1:-}" = "--stop" ]; then
  grep -v '^\s*#' "$2" | while read -r host _ _; do
    [ -n "$host" ] && ssh -n "$host" "pkill -f '$NR (actor|verifier) ' || true" && echo "$host: stopped"
  done
  exit 0
fi
[ $# -ge 2 ] || { echo "usage: [KEYS=DIR] $0 HOSTFILE LEARNER_HOST [PORT] | --stop HOSTFILE" >&2; exit 2; }
HOSTFILE=$1 LEARNER=$2 PORT=${3:-5555} KEYS=${KEYS:-}
REMOTE=nanoreasoner-workers
grep -v '^\s*#' "$HOSTFILE" | while read -r host actors verifiers; do
  [ -n "$host" ] || continue
  names=()
  for i in $(seq 1 "${actors:-0}"); do names+=("$host-actor-$i"); done
  for i in $(seq 1 "${verifiers:-0}"); do names+=("$host-verifier-$i"); done
  [ ${#names[@]} -gt 0 ] || continue
  ssh -n "$host" "mkdir -p ~/$REMOTE/keys && chmod 700 ~/$REMOTE/keys"
  if [ -n "$KEYS" ]; then
    "$NR" keygen "$KEYS" --workers "$(IFS=,; echo "${names[*]}")" >/dev/null
    # scp keeps the 0600 of each secret key file.
    for n in "${names[@]}"; do scp -q -p -r "$KEYS/workers/$n" "$host:$REMOTE/keys/"; done
  fi
  cmd="cd ~/$REMOTE"
  for n in "${names[@]}"; do
    role=actor; [[ $n == *-verifier-* ]] && role=verifier
    keyarg=""; [ -n "$KEYS" ] && keyarg="--keys keys/$n"
    cmd+=" && (nohup $NR $role --learner $LEARNER --port $PORT --id $n $keyarg > $n.log 2>&1 &)"
  done
  ssh -n "$host" "$cmd" && echo "$host: started ${actors:-0} actors, ${verifiers:-0} verifiers (logs in ~/$REMOTE)"
done
