#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for as long as one Snakemake run takes:
#   tools/slurm-one-node.sh WORKDIR [snakemake arguments...]
# starts munged (unless one already answers) and slurmctld/slurmd with a minimal slurm.conf generated in
# WORKDIR/.slurm (this node, its CPUs and memory, one partition, no accounting database), runs the workflow
# with --executor slurm (snakemake-executor-plugin-slurm) and its results in WORKDIR, then stops the daemons it
# started, by their pid files. Needs slurm-wlm and munge (Debian: apt-get install slurm-wlm munge) and root
# (slurmd starts the jobs as their user). Exit status: the workflow's; 3 when SLURM is missing or does not start.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 WORKDIR [snakemake arguments...]" >&2
    exit 2
fi
workdir=$(mkdir -p "$1" && cd "$1" && pwd)
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
for tool in slurmctld slurmd munged sbatch squeue scontrol sinfo; do
    command -v "$tool" > /dev/null || { echo "$tool not found: install slurm-wlm and munge" >&2; exit 3; }
done

state="$workdir/.slurm"
rm -rf "$state"
mkdir -p "$state/ctld" "$state/spool" "$state/munge"
node=$(hostname -s)
cpus=$(nproc)
# what slurmd itself finds (slurmd -C), less 10% for the daemons and the main Snakemake process
memory=$(( $(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p') * 9 / 10 ))
# ports of our own, so that another SLURM on this machine (or a previous run still closing) is not in the way
port=$(( 16817 + RANDOM % 1000 ))

started=()
linked=""
stop() {
    for pidfile in "${started[@]}"; do
        if [[ -s "$pidfile" ]]; then
            kill "$(cat "$pidfile")" 2> /dev/null || true
        fi
    done
    sleep 1
    if [[ -n "$linked" && -L "$linked" ]]; then
        rm -f "$linked"
    fi
}
trap stop EXIT

# munge: the daemon of the machine when one answers, else one of our own with a key of this run
munge_socket=/run/munge/munge.socket.2
if ! munge -n > /dev/null 2>&1; then
    munge_socket="$state/munge/munge.socket"
    dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$state/munge/munge.key"
    munged --force --key-file="$state/munge/munge.key" --socket="$munge_socket" \
        --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" --seed-file="$state/munge/seed"
    started+=("$state/munge/munged.pid")
fi

export SLURM_CONF="$state/slurm.conf"
cat > "$SLURM_CONF" << EOF
ClusterName=jianghua
SlurmctldHost=$node
SlurmctldPort=$port
SlurmdPort=$((port + 1000))
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
# finished jobs stay known to squeue for 10 minutes: without an accounting database, that is how the executor
# learns that a job ended (--slurm-status-command squeue)
MinJobAge=600
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$node CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

# srun inside a job (the executor runs each job as a step) finds the config only where slurm looks by default:
# the executor plugin drops SLURM_* variables from the job's environment. Linked there while the cluster runs,
# unless the machine has a config of its own.
default_conf=/etc/slurm/slurm.conf
if [[ ! -e "$default_conf" ]]; then
    mkdir -p "$(dirname "$default_conf")"
    ln -s "$SLURM_CONF" "$default_conf"
    linked="$default_conf"
else
    echo "warning: $default_conf exists; jobs' srun will read it, not $SLURM_CONF" >&2
fi

slurmctld -f "$SLURM_CONF"
started+=("$state/slurmctld.pid")
slurmd -f "$SLURM_CONF"
started+=("$state/slurmd.pid")
for _ in $(seq 60); do
    if sinfo -h -o %T 2> /dev/null | grep -q idle; then
        break
    fi
    sleep 1
done
if ! sinfo -h -o %T 2> /dev/null | grep -q idle; then
    echo "the one-node cluster did not come up; see $state/slurmctld.log and $state/slurmd.log" >&2
    sinfo >&2 || true
    exit 3
fi
echo "one-node SLURM up: $node, $cpus CPUs, $memory MB (SLURM_CONF=$SLURM_CONF)"

status=0
snakemake --snakefile "$repo/Snakefile" --directory "$workdir" --profile "$repo/profiles/slurm" \
    --slurm-status-command squeue --slurm-no-account --default-resources slurm_partition=main runtime=30 \
    "$@" || status=$?
exit $status
