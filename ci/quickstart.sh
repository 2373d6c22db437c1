#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the
# main job: an emulated one-node system (RAM-disk SCM, file-backed NVMe)
# brought up from the built binaries, formatted and queried with dmg, and
# shut down (ci/localcluster.sh). The engine holds no pools yet; that comes
# with the engine issue.
set -euo pipefail
cd "$(dirname "$0")/.."

ci/install-deps.sh
scons -Q -j2
echo
echo "== build/bin/daos_server version"
build/bin/daos_server version
echo
ci/localcluster.sh build/bin
