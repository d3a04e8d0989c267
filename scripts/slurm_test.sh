#!/usr/bin/env bash
# cluster/slurm_cluster.sbatch against a real single-node Slurm: munged, slurmctld and
# slurmd started here on a private config (ports, spool and state under OUT), the batch
# script submitted with `sbatch --wait`, the daemons stopped after. Needs root (slurmd
# runs jobs as their user); exits 77 (skip) with the reason otherwise.
#
#   scripts/slurm_test.sh BINARY BASE_CHECKPOINT OUT_DIR PORT SLURM_PORT [RANKS]
# PORT…PORT+3: the cluster's; SLURM_PORT, SLURM_PORT+1: slurmctld's and slurmd's.
set -euo pipefail
BIN=$1 BASE=$2 OUT=$3 PORT=$4 SLURM_PORT=$5 RANKS=${6:-2}
[ "$(id -u)" = 0 ] || { echo "SKIP: the Slurm test needs root (slurmd starts jobs as their user)"; exit 77; }
for c in munged slurmctld slurmd sbatch sinfo mpirun; do
  command -v $c >/dev/null || { echo "FAIL: $c is missing: make test-deps installs slurm-wlm, munge and openmpi-bin"; exit 1; }
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=$OUT/slurm; mkdir -p "$S/state" "$S/spool" "$S/munge"
chmod 700 "$S/munge"
NODE=$(hostname -s)
pids=()
# SIGKILL: a parent may hand its children SIGTERM blocked (a Swift test process does), and
# the daemons' state is thrown away anyway.
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# munge: a key of our own, a socket of our own (no system daemon needed).
dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$S/munge/munge.key"
munged --force --foreground --key-file="$S/munge/munge.key" --socket="$S/munge/socket" \
  --pid-file="$S/munge/munged.pid" --seed-file="$S/munge/seed" --log-file="$S/munge/munged.log" &
pids+=($!)

cat > "$S/slurm.conf" <<CONF
ClusterName=nanoreasoner-test
SlurmctldHost=$NODE
SlurmctldPort=$SLURM_PORT
SlurmdPort=$((SLURM_PORT + 1))
AuthType=auth/munge
AuthInfo=socket=$S/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$NODE CPUs=8 State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$S/slurm.conf
for i in $(seq 1 50); do [ -S "$S/munge/socket" ] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" > "$S/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$S/slurmd.out" 2>&1 &
pids+=($!)
# Until the node reports in (sinfo answers once slurmctld is up; idle once slurmd registered).
for i in $(seq 1 300); do
  [ "$(sinfo -h -N -o %t 2>/dev/null | head -1)" = idle ] && break
  sleep 0.1
done
state=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
[ "$state" = idle ] || { echo "FAIL: the Slurm node is '$state', not idle"; tail -5 "$S"/slurmctld.log "$S"/slurmd.log 2>/dev/null; exit 1; }
echo "slurm: $(sinfo -h -o '%P %D %t' | head -1)"

# The batch script as a user submits it: 2 learner ranks and 2 actors in 4 tasks.
OVERRIDES="run.init_from=$BASE algorithm.steps=4 algorithm.prompts_per_step=4 algorithm.group_size=4 algorithm.max_new_tokens=24 \
algorithm.dynamic_sampling=false eval.final_problems=16 eval.samples=4 eval.final_samples=4 cluster.actor_batch=2 \
cluster.max_in_flight=8 cluster.worker_timeout=2 cluster.heartbeat_interval=0.25 run.checkpoint_every=2"
cd "$ROOT"
set +e
timeout 240 sbatch --wait --time=10 --ntasks=$((RANKS + 2)) --output="$OUT/job.log" \
  --export=ALL,NANOREASONER="$BIN",RANKS="$RANKS",VERIFIERS=1,OUT="$OUT/run",PORT="$PORT",OVERRIDES="$OVERRIDES" \
  cluster/slurm_cluster.sbatch
status=$?
set -e
[ "$status" = 124 ] && { echo "FAIL: the job did not finish in 240 s: $(squeue -h -o '%i %T %r' 2>&1)"; }
cat "$OUT/job.log" 2>/dev/null || echo "(no job log: the job never started)"
[ "$status" = 0 ] || { echo "FAIL: the batch job exited with status $status"; tail -20 "$S"/slurmctld.log "$S"/slurmd.log; exit 1; }
[ -f "$OUT/run/summary.json" ] || { echo "FAIL: no summary.json: the learner did not finish"; exit 1; }
echo "slurm: job finished, summary at $OUT/run/summary.json"
