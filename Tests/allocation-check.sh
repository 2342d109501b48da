#!/bin/sh
# Checks that plan runs after the first allocate nothing: `glam bench` runs the model under an
# LD_PRELOAD malloc counter and prints the allocations of its timed runs, which must be 0.
# Usage: sh Tests/allocation-check.sh PATH_TO_GLAM COUNTER.so MODEL [bench options]
set -eu
glam=$1
counter=$2
model=$3
shift 3

# Without AVX-512 the kernels fall back to oneDNN's sgemm, which allocates inside every call.
if ! grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    echo "allocation check: skipped, this CPU has no AVX-512F and its GEMMs go to oneDNN's sgemm"
    exit 0
fi

perRun=$(LD_PRELOAD=$counter "$glam" bench "$model" "$@" --threads 2 --warmup 1 --repeat 10 |
    sed -n 's/^allocations_per_run //p')
if [ -z "$perRun" ]; then
    echo "allocation check: glam bench printed no allocations_per_run for $model; is $counter loaded?" >&2
    exit 1
fi
echo "allocation check: $(basename "$(dirname "$model")")/$(basename "$model"): $perRun allocations per run"
if [ "$perRun" != "0.0" ]; then
    echo "allocation check: runs after the first must not allocate, got $perRun per run" >&2
    exit 1
fi
