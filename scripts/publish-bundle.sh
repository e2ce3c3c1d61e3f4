#!/usr/bin/env bash
# Publishes the `accel` CLI as a self-contained bundle for a Linux x64 machine without .NET (a GPU server), and
# compresses it: dist/accel-linux-x64.tar.xz. On the target:
#   tar xJf accel-linux-x64.tar.xz && ./accel-linux-x64/accel selftest
# With --with-bench the benchmark harness (DuckDB, ML.NET, ScottPlot) is published into the same folder, untrimmed
# so that both programs share one runtime, and `accel bench` runs it there; without it the CLI is trimmed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/accel-linux-x64
rm -rf "$out" dist/accel-linux-x64.tar.xz
common=(-c Release -r linux-x64 --self-contained true -p:DebugType=none -p:InvariantGlobalization=true -o "$out")
if [[ "${1:-}" == "--with-bench" ]]; then
  dotnet publish src/Cli "${common[@]}"
  dotnet publish bench/Accel.Bench "${common[@]}"
else
  dotnet publish src/Cli "${common[@]}" \
    -p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true -p:TreatWarningsAsErrors=false
fi
tar -C dist -cJf dist/accel-linux-x64.tar.xz accel-linux-x64
echo "bundle: $(du -sh "$out" | cut -f1) unpacked, $(du -h dist/accel-linux-x64.tar.xz | cut -f1) compressed -> dist/accel-linux-x64.tar.xz"
