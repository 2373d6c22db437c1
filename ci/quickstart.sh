#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the
# main job. Today the main job is a hardware/network scan and the cgo
# backend benchmarks; it becomes an emulated local cluster as the engine
# lands.
set -euo pipefail
cd "$(dirname "$0")/.."

ci/install-deps.sh
scons -Q -j2
echo
echo "== build/bin/daos_server version"
build/bin/daos_server version
echo
echo "== build/bin/daos_server network scan"
build/bin/daos_server network scan
echo
ci/bench.sh cgo
