#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the
# main job (ci/localcluster.sh): an emulated three-server DAOS system on
# 127.0.0.2-4 (RAM-disk SCM, file-backed NVMe, ofi+tcp), formatted, with a
# daos_agent, a pool and a container, checked with daos pool autotest, and
# LEFT RUNNING; the last lines say how to use it and how to stop it
# (ci/localcluster.sh stop). Run again, it reuses a healthy system or
# replaces a broken or outdated one, and says which.
set -euo pipefail
cd "$(dirname "$0")/.."

ci/install-deps.sh
scons -Q -j2
echo
echo "== build/bin/daos_server version"
build/bin/daos_server version
echo
ci/localcluster.sh start build/bin
