#!/usr/bin/env bash
# The test command: what CI runs (.ci/run) and what developers run before a
# push. Stops at the first failure with a non-zero exit.
#
#   ci/test.sh          everything below
#   SKIP_DEPS=1 ...     skip the dependency check (offline machines)
set -euo pipefail
cd "$(dirname "$0")/.."

tags="ofi pmdk isal"
stage() { printf '\n== %s\n' "$*"; }

# gotest runs `go test -v`, keeps the verbose log, shows package results and
# failures, and leaves the per-test counts for the closing line.
log=$(mktemp)
prefix=""
cluster=""
# A failing step must not leave the smoke stage's cluster running (its
# directory would be removed from under it): stop it first.
cleanup() {
	if [ -n "$cluster" ] && [ -d "$cluster" ]; then
		DAOS_GO_CLUSTER_DIR="$cluster" ci/localcluster.sh stop >/dev/null 2>&1 || true
	fi
	rm -rf "$log" "$log.cur" ${prefix:+"$prefix"}
}
trap cleanup EXIT
gotest() {
	local rc=0
	go test -v "$@" >>"$log.cur" 2>&1 || rc=$?
	grep -E '^(ok|FAIL|--- FAIL|panic:|\s+\S+_test\.go:[0-9]+:)' "$log.cur" || true
	if [[ $rc -ne 0 ]]; then
		# The failures in full: everything but the per-test progress lines.
		echo "-- output of the failed run (progress lines left out):"
		grep -vE '^(=== (RUN|PAUSE|CONT|NAME)|\s*--- (PASS|SKIP))' "$log.cur" | tail -300 || true
	fi
	cat "$log.cur" >>"$log"
	rm -f "$log.cur"
	return $rc
}

if [[ -z "${SKIP_DEPS:-}" ]]; then
	stage "dependencies"
	ci/install-deps.sh
fi

stage "format and vet"
unformatted=$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)
if [[ -n "$unformatted" ]]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go vet -tags "$tags" ./...
go vet -tags vosbench ./ci/vosbench
go vet -tags systest ./ci/systest

stage "unit tests, pure Go (no C libraries)"
CGO_ENABLED=0 go build ./...
CGO_ENABLED=0 gotest -count=1 ./cgo/...
gotest -count=1 -timeout 10m ./...

# The core's goroutines (transport, RPC, client, VOS, services) and the
# tools under the race detector: about three minutes on two cores.
stage "race detector on pkg/ and cmd/ (pure Go)"
gotest -count=1 -timeout 10m -race ./pkg/... ./cmd/...

stage "unit tests with libfabric, PMDK and ISA-L (tags: $tags)"
gotest -count=1 -timeout 10m -tags "$tags" ./...
gotest -count=1 -timeout 5m -race -tags "$tags" ./cgo/...
# And the pkg/ packages that call the C libraries, with pkg/rpc, whose
# provider suite runs over libfabric in this build: about a minute.
cpkgs=$(go list -tags "$tags" -f '{{.ImportPath}}{{range .Imports}} {{.}}{{end}}' ./pkg/... |
	awk '/ github.com\/daos-go\/daos\/cgo\//{print $1}')
gotest -count=1 -timeout 10m -race -tags "$tags" $cpkgs ./pkg/rpc

stage "multi-process system tests (three daos_server processes on 127.0.0.2-4)"
gotest -count=1 -timeout 10m -tags systest ./ci/systest

stage "SCons build and install"
prefix=$(mktemp -d)
scons -Q -j2 install PREFIX="$prefix"

stage "IOR's configure probes against the installed prefix"
ci/iorprobe.sh "$prefix"

stage "smoke: installed binaries"
for b in daos_server daos_engine daos_agent dmg daos daos_perf dfuse ddb; do
	"$prefix/bin/$b" version | grep -q "^$b version " || { echo "$b version failed"; exit 1; }
	"$prefix/bin/$b" --help >/dev/null || { echo "$b --help failed"; exit 1; }
done
for d in bin lib64 include etc; do
	[[ -d "$prefix/$d" ]] || { echo "install lacks $d/"; exit 1; }
done
scan=$("$prefix/bin/daos_server" network scan -p ofi+tcp)
echo "$scan"
grep -Eq 'ofi\+tcp;ofi_rxm +.*\blo\b' <<<"$scan" || { echo "network scan did not find tcp;ofi_rxm on lo"; exit 1; }

stage "smoke: local emulated system from the installed binaries (the quickstart's main job)"
cluster="$prefix/cluster"
DAOS_GO_CLUSTER_DIR="$cluster" ci/localcluster.sh start "$prefix/bin"

stage "C API test (built by SCons, installed) against the local system"
DAOS_AGENT_DRPC_DIR="$prefix/cluster/agent" "$prefix/bin/daos" container create tank forked
DAOS_AGENT_DRPC_DIR="$prefix/cluster/agent" DAOS_POOL=tank DAOS_POOL_TARGETS=12 "$prefix/bin/daos_api_test"
DAOS_AGENT_DRPC_DIR="$prefix/cluster/agent" DAOS_POOL=tank "$prefix/bin/daos_share_test" 4
DAOS_GO_CLUSTER_DIR="$cluster" ci/localcluster.sh stop
cluster=""

passed=$(grep -cE '^\s*--- PASS' "$log" || true)
failed=$(grep -cE '^\s*--- FAIL' "$log" || true)
skipped=$(grep -cE '^\s*--- SKIP' "$log" || true)
echo
echo "ci/test.sh: all stages passed"
echo "tests: $passed passed, $failed failed, $skipped skipped"
