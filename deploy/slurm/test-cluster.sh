#!/usr/bin/env bash
# Proves the Slurm examples on a real scheduler. Starts a one-node Slurm cluster on this machine
# (Debian's slurmctld, slurmd and munge, as root, state in a temporary directory), then:
#  1. submits deploy/slurm/submit.sh for a small dataset (3 shards plus the dependent merge) and
#     checks that the merged dataset equals the same dataset rendered in one local run;
#  2. submits a larger one, cancels shard 1 part way, submits again, and checks that the dataset
#     is complete, equal to one local run, with no duplicate or half-written clips.
# The cluster is stopped on exit, even when a step fails.
#
#   deploy/slurm/test-cluster.sh path/to/synthact
set -euo pipefail
synthact=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/synthact-slurm.XXXXXX)
export SLURM_CONF=$work/slurm.conf

# The daemons run in the foreground of background jobs, so their PIDs are known for the cleanup.
daemons=()
cleanup() {
    squeue -h -o %A 2>/dev/null | xargs -r scancel >/dev/null 2>&1 || true
    for pid in "${daemons[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# wait_for WHAT SECONDS COMMAND...: polls COMMAND five times a second.
wait_for() {
    local what=$1 seconds=$2
    shift 2
    for ((i = 0; i < seconds * 5; i++)); do
        if "$@"; then return 0; fi
        sleep 0.2
    done
    echo "timed out after ${seconds}s waiting for $what" >&2
    squeue >&2 || true
    tail -n 20 "$work"/log/*.log "$work"/*.log >&2 2>/dev/null || true
    return 1
}

mkdir -p "$work"/{state,spool,log,run,munge}
head -c 1024 /dev/urandom >"$work/munge/key"
chmod 400 "$work/munge/key"
munged --foreground --key-file="$work/munge/key" --socket="$work/munge/socket" \
    --pid-file="$work/run/munged.pid" --log-file="$work/log/munged.log" --seed-file="$work/munge/seed" --force &
daemons+=($!)
wait_for "munged" 30 test -S "$work/munge/socket"
host=$(hostname -s)
port=$((20000 + RANDOM % 20000))
cat >"$SLURM_CONF" <<EOF
ClusterName=synthact-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldPort=$port
SlurmdPort=$((port + 1))
# No cgroups in a container: track processes by parent, no task binding, no accounting.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -c &
daemons+=($!)
slurmd -D &
daemons+=($!)
wait_for "the node to be idle" 60 bash -c 'sinfo -h -o %t | grep -q idle'

# Tiny clips with the actions' real three seconds of 120 Hz physics.
dataset() { # dataset FILE CLIPS_PER_CLASS SIZE
    cat >"$1" <<EOF
DatasetConfigDef(seed: 7, clips_per_class: $2, actions: ["push_left_to_right", "falling_like_a_rock", "tip_over"],
    width: $3, height: $3, fps: 2, duration_s: 3.0)
EOF
}
export SYNTHACT=$synthact EXTRA_ARGS="--physics-steps-per-frame 60" SHARDS=3
cd "$work"

# 1. Three shards and the dependent merge equal one local run.
dataset "$work/small.ron" 2 32
CONFIG=$work/small.ron DATASET_DIR=$work/one "$repo/deploy/slurm/submit.sh"
wait_for "the array and merge jobs" 600 bash -c '[ -z "$(squeue -h)" ]'
"$synthact" generate --config "$work/small.ron" --out "$work/one-local" --quiet $EXTRA_ARGS
diff -r "$work/one-local" "$work/one/merged"
echo "merged dataset equals one local run: $(ls -d "$work"/one/merged/0* | wc -l) clips"

# 2. Cancel shard 1 part way, submit again, and the dataset completes without duplicates.
# Bigger shards (12 clips of 96 px each) so the cancel lands part way through one.
dataset "$work/large.ron" 12 96
submitted=$(CONFIG=$work/large.ron DATASET_DIR=$work/two "$repo/deploy/slurm/submit.sh")
array=$(echo "$submitted" | sed -n 's/^shards: job \([0-9]*\).*/\1/p')
wait_for "shard 1's first clip" 300 bash -c "ls -d '$work'/two/shards/0001/0* >/dev/null 2>&1"
scancel "${array}_1"
# The merge waits on a failed array forever: cancel it too, then wait for the rest.
wait_for "the other shards" 600 bash -c '[ -z "$(squeue -h -t RUNNING,CONFIGURING,COMPLETING)" ]'
squeue -h -o %A | xargs -r scancel
wait_for "an empty queue" 60 bash -c '[ -z "$(squeue -h)" ]'
partial=$(ls -d "$work"/two/shards/0001/0* 2>/dev/null | wc -l)
echo "shard 1 was cancelled with $partial of 12 clips"
[ "$partial" -lt 12 ] || { echo "shard 1 finished before it was cancelled" >&2; exit 1; }
CONFIG=$work/large.ron DATASET_DIR=$work/two "$repo/deploy/slurm/submit.sh"
wait_for "the resubmitted jobs" 600 bash -c '[ -z "$(squeue -h)" ]'
"$synthact" generate --config "$work/large.ron" --out "$work/two-local" --quiet $EXTRA_ARGS
diff -r "$work/two-local" "$work/two/merged"
if find "$work/two" -name '.tmp-*' | grep -q .; then
    echo "half-written clips were left behind" >&2
    exit 1
fi
echo "resubmitted dataset equals one local run: $(ls -d "$work"/two/merged/0* | wc -l) clips, no leftovers"
