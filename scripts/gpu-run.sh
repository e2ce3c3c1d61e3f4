#!/usr/bin/env bash
# The GPU validation run of issue #6, as one command on a GPU machine without .NET (the `run` device tool):
#   bash scripts/publish-bundle.sh --with-bench     # here: dist/accel-linux-x64.tar.xz (about 54 MB)
#   bash scripts/gpu-run.sh                          # there, with dist carried; results under $OUT (default ./gpu-out)
# It records the device, runs `accel selftest`, every SQL logic test file under the forced gpu path, and
# `accel bench` with gpu among the paths (TPC-H SF ${SF:-1} and the ops suite up to ${OPS_MAX:-1e7} rows), each step's output
# in its own file. A dry run here on ILGPU's CPU accelerator: ACCEL_GPU=cpu SF=0.001 OPS_MAX=1e3 REPS=1 bash scripts/gpu-run.sh
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-gpu-out}"
mkdir -p "$out"
work="${TMPDIR:-/tmp}/accel-gpu-run"
rm -rf "$work" && mkdir -p "$work"
tar -C "$work" -xJf dist/accel-linux-x64.tar.xz
accel="$work/accel-linux-x64/accel"
{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv; lscpu | head -20; } > "$out/device.txt" 2>&1
"$accel" selftest > "$out/selftest.txt" 2>&1; echo "selftest exit $?" >> "$out/selftest.txt"
"$accel" sqllogictest tests/sql --path gpu > "$out/sqllogictest-gpu.txt" 2>&1; echo "sqllogictest exit $?" >> "$out/sqllogictest-gpu.txt"
"$accel" bench --suite tpch,ops --sf "${SF:-1}" --ops-max-rows "${OPS_MAX:-1e7}" --paths gpu,simd,duckdb --reps "${REPS:-3}" --out "$out/results.json" --report "$out/report.md" \
  --cache "$work/cache" > "$out/bench.txt" 2>&1; echo "bench exit $?" >> "$out/bench.txt"
ls -la "$out"
