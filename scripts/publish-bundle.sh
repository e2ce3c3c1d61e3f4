#!/usr/bin/env bash
# Publishes the `accel` CLI as a self-contained, trimmed bundle for a Linux x64 machine without .NET
# (a GPU server), and compresses it: dist/accel-linux-x64.tar.xz. On the target:
#   tar xJf accel-linux-x64.tar.xz && ./accel-linux-x64/accel selftest
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/accel-linux-x64
rm -rf "$out" dist/accel-linux-x64.tar.xz
dotnet publish src/Cli -c Release -r linux-x64 --self-contained true \
  -p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true -p:TreatWarningsAsErrors=false \
  -p:DebugType=none -p:InvariantGlobalization=true -o "$out"
tar -C dist -cJf dist/accel-linux-x64.tar.xz accel-linux-x64
echo "bundle: $(du -sh "$out" | cut -f1) unpacked, $(du -h dist/accel-linux-x64.tar.xz | cut -f1) compressed -> dist/accel-linux-x64.tar.xz"
