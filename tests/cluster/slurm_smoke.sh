#!/usr/bin/env bash
# Prove the SLURM profile for real: start a one-node SLURM cluster on this machine, run the
# power simulation stage through `snakemake --profile profiles/slurm`, run the same stage
# locally, and check that every table is byte-identical.
#
#   bash tests/cluster/slurm_smoke.sh          # as root (installs Debian's slurm-wlm and munge)
#
# Needs the project installed with the cluster extra (pip install -e ".[cluster]") in the
# Python environment on PATH. Not part of the default test run; takes about two minutes.
# Settings (environment): WORK (scratch folder, default a new one under /tmp),
# KEEP_CLUSTER=1 leaves the daemons running afterwards, PUBLICATION=1 runs the whole
# pipeline at examples/publication-grade.yaml instead of the power stage at small sizes
# (the benchmark of docs/benchmarks.md; about 10 minutes on 2 cores) and prints both runs' times.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/slurm-smoke.XXXXXX)}
STATE="$WORK/slurm"
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
START=$(date +%s)
say() { printf '[slurm-smoke %3ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }

# --- 1. software ---------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
python -c "import snakemake_executor_plugin_slurm" 2>/dev/null || {
    echo "snakemake-executor-plugin-slurm is not installed: pip install -e \".[cluster]\"" >&2
    exit 1
}

# --- 2. a one-node cluster -----------------------------------------------------------
mkdir -p "$STATE/ctld" "$STATE/d"
cat >"$STATE/slurm.conf" <<CONF
ClusterName=smoke
SlurmctldHost=$HOST
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
ReturnToService=2
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=smoke Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$STATE/slurm.conf"
# Job steps (srun inside a batch job) read the default /etc/slurm/slurm.conf; link ours
# there for the duration of the test, never over a real cluster's file.
LINKED=0
if [[ -L /etc/slurm/slurm.conf || ! -e /etc/slurm/slurm.conf ]]; then
    mkdir -p /etc/slurm && ln -sfn "$SLURM_CONF" /etc/slurm/slurm.conf && LINKED=1
else
    echo "/etc/slurm/slurm.conf exists and is not ours: run this on a machine without a SLURM installation" >&2
    exit 1
fi

stop_cluster() {
    if [[ "${KEEP_CLUSTER:-0}" != 1 ]]; then
        [[ -f "$STATE/slurmd.pid" ]] && kill "$(cat "$STATE/slurmd.pid")" 2>/dev/null || true
        [[ -f "$STATE/slurmctld.pid" ]] && kill "$(cat "$STATE/slurmctld.pid")" 2>/dev/null || true
        [[ "$LINKED" == 1 ]] && rm -f /etc/slurm/slurm.conf
    fi
    return 0
}
trap stop_cluster EXIT

if ! pgrep -x munged >/dev/null; then
    [[ -s /etc/munge/munge.key ]] || { mungekey --create 2>/dev/null || create-munge-key -f; }
    chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge 2>/dev/null || true
    mkdir -p /run/munge && chown munge:munge /run/munge
    runuser -u munge -- /usr/sbin/munged
fi
say "starting slurmctld and slurmd on $HOST ($CPUS CPUs, $MEM MB)"
slurmctld -c -f "$SLURM_CONF"
slurmd -c -f "$SLURM_CONF"
for _ in $(seq 1 60); do
    state=$(sinfo -h -n "$HOST" -o %t 2>/dev/null || true)
    [[ "$state" == idle* || "$state" == mix* ]] && break
    sleep 1
done
[[ "$state" == idle* || "$state" == mix* ]] || { echo "node $HOST did not become idle (state: ${state:-none}); see $STATE/*.log" >&2; exit 1; }
say "cluster up: $(sinfo -h -o '%P %D %t %c')"
srun -N1 -n1 true   # a trivial job proves submission, munge and the node

# --- 3. the same stage, locally and through the profile ------------------------------
SMOKE_CONFIG="$WORK/smoke.yaml"
cat >"$SMOKE_CONFIG" <<'YAML'
robustness:
  power:
    sample_sizes: [30, 59]
    shifts: [0.5]
    reference_n: 59
    replicates: 12
    jobs_per_design: 2
    parallel_analysis_iterations: 50
    target_power: 0.8
YAML
TARGET=results/robustness/power.csv
if [[ "${PUBLICATION:-0}" == 1 ]]; then
    SMOKE_CONFIG="$ROOT/examples/publication-grade.yaml"
    TARGET=all
fi
copy() {
    mkdir -p "$1"
    cp "$ROOT/Snakefile" "$ROOT/config.yaml" "$1/"
    cp -r "$ROOT/workflow" "$ROOT/profiles" "$ROOT/notebooks" "$1/"
    mkdir -p "$1/data" && cp -r "$ROOT/data/instruments" "$1/data/"
}
copy "$WORK/local"
copy "$WORK/cluster"

say "local run: snakemake --cores 2 $TARGET"
began=$(date +%s)
(cd "$WORK/local" && snakemake "$TARGET" --cores 2 --configfile "$SMOKE_CONFIG" >"$WORK/local.log" 2>&1) || {
    tail -n 40 "$WORK/local.log" >&2
    exit 1
}
say "local run took $(( $(date +%s) - began )) s"

say "cluster run: snakemake --profile profiles/slurm $TARGET"
began=$(date +%s)
(cd "$WORK/cluster" && snakemake "$TARGET" --profile profiles/slurm --configfile "$SMOKE_CONFIG" \
    --slurm-status-command squeue --slurm-no-account --slurm-init-seconds-before-status-checks 1 \
    --seconds-between-status-checks 2 --latency-wait 5 --jobs 8 >"$WORK/cluster.log" 2>&1) || {
    tail -n 40 "$WORK/cluster.log" >&2
    exit 1
}
say "cluster run took $(( $(date +%s) - began )) s"
submitted=$(grep -c "Job .* has been submitted with SLURM jobid" "$WORK/cluster.log" || true)
say "cluster run submitted $submitted jobs to SLURM"
[[ "$submitted" -gt 0 ]] || { echo "no job went through SLURM; see $WORK/cluster.log" >&2; exit 1; }

# --- 4. identical results ------------------------------------------------------------
n=0
while IFS= read -r -d '' table; do
    rel=${table#"$WORK/local/"}
    cmp -s "$table" "$WORK/cluster/$rel" || { echo "differs between the local and the SLURM run: $rel" >&2; exit 1; }
    n=$((n + 1))
done < <(find "$WORK/local/results" -name '*.csv' -print0)
say "PASS: $n tables byte-identical between the local run and the SLURM run ($WORK)"
