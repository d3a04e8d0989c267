#!/usr/bin/env bash
# The learner's ranks on two machines through an Open MPI hostfile over ssh, as across real
# machines: each machine a network namespace with its own address and its own sshd (a key
# made here, nothing of the host's ssh setup used), joined to the host by a bridge. `launch`
# starts the ranks with cluster.mpirun_args="--hostfile …", rank 0 (the learner, on the
# first machine) binds 0.0.0.0 with CURVE keys, and the actors and verifiers, on the host,
# reach it only over the bridge; the ranks talk over TCP between the namespaces (Open MPI's
# shared memory is switched off), and the actors relay the weights down a chain.
# Needs root, iproute2 and openssh-server; exits 77 (skip) with the reason otherwise.
#
#   scripts/mpi_hostfile_test.sh BINARY BASE_CHECKPOINT OUT_DIR [PORT]
set -euo pipefail
BIN=$1 BASE=$2 OUT=$3 PORT=${4:-5555}
[ "$(id -u)" = 0 ] || { echo "SKIP: the hostfile test needs root (network namespaces, sshd)"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: iproute2's ip is not installed (apt-get install iproute2)"; exit 77; }
[ -x /usr/sbin/sshd ] || { echo "SKIP: sshd is not installed (apt-get install openssh-server; make test-deps does)"; exit 77; }
command -v mpirun >/dev/null || { echo "SKIP: mpirun is not installed (make deps)"; exit 77; }
mkdir -p "$OUT"
T=$(( $$ % 10000 )) NET=10.214.$(( $$ % 250 ))
BR=nrmb$T
cleanup() {
  for i in 1 2; do
    ip netns pids nrm$T-$i 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del nrm$T-$i 2>/dev/null || true
    ip link del nrm$T-${i}h 2>/dev/null || true
  done
  ip link del $BR 2>/dev/null || true
}
trap cleanup EXIT
ip link add $BR type bridge 2>/dev/null || { echo "SKIP: cannot create a bridge in this environment"; exit 77; }
ip addr add $NET.1/24 dev $BR
ip link set $BR up

# One client key and one host key for both machines, in OUT only.
rm -f "$OUT/id" "$OUT/id.pub" "$OUT/hostkey" "$OUT/hostkey.pub"
ssh-keygen -q -t ed25519 -N "" -f "$OUT/id"
ssh-keygen -q -t ed25519 -N "" -f "$OUT/hostkey"
cp "$OUT/id.pub" "$OUT/authorized_keys"
mkdir -p /run/sshd
# mpirun's rsh agent: ssh with that key, trusting the machines' fresh host key.
cat > "$OUT/ssh.sh" <<EOF
#!/bin/sh
exec ssh -i "$OUT/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes "\$@"
EOF
chmod +x "$OUT/ssh.sh"
: > "$OUT/hostfile"
for i in 1 2; do
  ns=nrm$T-$i addr=$NET.$((i + 1))
  ip netns add $ns
  ip link add nrm$T-${i}h type veth peer name nrm$T-${i}c
  ip link set nrm$T-${i}c netns $ns
  ip link set nrm$T-${i}h master $BR up
  ip -n $ns addr add $addr/24 dev nrm$T-${i}c
  ip -n $ns link set nrm$T-${i}c up
  ip -n $ns link set lo up
  cat > "$OUT/sshd_$i.conf" <<EOF
ListenAddress $addr
HostKey $OUT/hostkey
AuthorizedKeysFile $OUT/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
UsePAM no
PidFile $OUT/sshd_$i.pid
EOF
  ip netns exec $ns /usr/sbin/sshd -f "$OUT/sshd_$i.conf" -E "$OUT/sshd_$i.log"
  echo "$addr slots=1" >> "$OUT/hostfile"
  echo "machine $i: namespace $ns at $addr, sshd up"
done
for i in 1 2; do
  for _ in $(seq 1 50); do "$OUT/ssh.sh" $NET.$((i + 1)) true 2>/dev/null && break; sleep 0.1; done
  "$OUT/ssh.sh" $NET.$((i + 1)) true || { echo "FAIL: cannot ssh to machine $i"; cat "$OUT/sshd_$i.log"; exit 1; }
done

# Beyond loopback the learner wants its keys made first (launch gives its local workers theirs).
"$BIN" keygen "$OUT/run/keys" --workers actor-1,actor-2,verifier-1 >/dev/null
MPI="--hostfile $OUT/hostfile --mca plm_rsh_agent $OUT/ssh.sh --mca btl tcp,self --mca btl_tcp_if_include $NET.0/24 --mca oob_tcp_if_include $NET.0/24"
timeout -k 10 300 "$BIN" launch configs/default.yaml \
  --set run.init_from="$BASE" --set run.out="$OUT/run" --set cluster.base_port=$PORT --set cluster.keys="$OUT/run/keys" \
  --set cluster.learner_ranks=2 --set cluster.mpirun_args="$MPI" \
  --set cluster.bind_host=0.0.0.0 --set cluster.learner_host=$NET.2 --set cluster.weight_fanout=1 \
  --set cluster.verifiers=1 --set algorithm.steps=4 --set algorithm.prompts_per_step=4 --set algorithm.group_size=4 \
  --set algorithm.max_new_tokens=24 --set algorithm.dynamic_sampling=false --set eval.final_problems=16 --set eval.samples=4 \
  --set eval.final_samples=4 --set cluster.actor_batch=2 --set cluster.max_in_flight=8 2>&1 | tee "$OUT/launch.log"
[ -f "$OUT/run/summary.json" ] || { echo "FAIL: no summary.json: the learner did not finish"; exit 1; }
grep -q "learner rank 1 of 2: 4 updates, done" "$OUT/launch.log" || { echo "FAIL: the second rank did not follow every update"; exit 1; }
grep -q "weights relayed: learner → actor-.; actor-. → actor-." "$OUT/launch.log" || { echo "FAIL: the actors did not relay the weights"; exit 1; }
echo "PASS: two learner ranks on $NET.2 and $NET.3 (mpirun --hostfile over ssh), actors on the host through the bridge"
