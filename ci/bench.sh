#!/usr/bin/env bash
# Runs a named benchmark, measuring each figure against its baseline in the
# same run on this machine, prints a table and ends with one
# `ratio METRIC VALUE` line per headline figure.
#
#   ci/bench.sh cgo     the cgo backends against their pure-Go twins
#   ci/bench.sh vos     one VOS target against Pebble and raw file writes
#   ci/bench.sh bdev    the io_uring engine of bdev.File against its pread/pwrite threads
#   ci/bench.sh fabric  RPC round trips and bulk bandwidth (tcp provider) against raw Go TCP
#   ci/bench.sh control three-server system bring-up and dmg system query times (`time` lines)
#   ci/bench.sh e2e     client I/O on a three-server cluster against raw loopback TCP
#                       (then again over libfabric when it is here)
#   ci/bench.sh capi    the libdaos C API (a C program with events) against pkg/client
#   ci/bench.sh dfs     DFS and dfuse metadata against tmpfs, DFS 1 MiB bandwidth against raw loopback TCP
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:-}
count=${BENCH_COUNT:-5}
benchtime=${BENCH_TIME:-300ms}

# storage_tags prints the Go build tags of the storage and checksum backends
# scons would choose here (a library pkg-config finds), so that the system
# benchmarks measure the binaries `scons install` makes. The fabric stays
# the pure-Go tcp provider (libfabric's figures are ci/bench.sh fabric's,
# and e2e's second run). DAOS_GO_BUILD_TAGS, when set, wins (empty: pure
# Go).
storage_tags() {
	local tags=() pc
	for pc in libpmem:pmdk libisal:isal; do
		if pkg-config --exists "${pc%%:*}" 2>/dev/null; then tags+=("${pc#*:}"); fi
	done
	echo "${tags[*]-}"
}
case "$name" in
e2e|capi|dfs)
	export DAOS_GO_BUILD_TAGS="${DAOS_GO_BUILD_TAGS-$(storage_tags)}"
	# go build takes tags separated by commas or spaces, not both: spaces.
	DAOS_GO_BUILD_TAGS=${DAOS_GO_BUILD_TAGS//,/ }
	echo "== servers built with -tags \"$DAOS_GO_BUILD_TAGS\" (the storage backends scons chooses here; DAOS_GO_BUILD_TAGS overrides)"
	;;
esac

case "$name" in
cgo)
	out=$(mktemp)
	trap 'rm -f "$out"' EXIT
	echo "== cgo backends vs pure-Go twins (median of $count runs of $benchtime each)"
	# -p 1: one package at a time, so the benchmarks do not share the cores.
	if ! go test -p 1 -tags "ofi pmdk isal" -run '^$' -bench . -benchtime "$benchtime" -count "$count" \
		./cgo/isal ./cgo/pmem ./cgo/ofi >"$out" 2>&1; then
		cat "$out"
		echo "bench: the benchmarks failed" >&2
		exit 1
	fi
	go run ./ci/benchratio \
		-pair crc32c_4k=BenchmarkCRC32C/size=4KiB:isal:go \
		-pair crc32c_1m=BenchmarkCRC32C/size=1MiB:isal:go \
		-pair crc64_4k=BenchmarkCRC64/size=4KiB:isal:go \
		-pair crc64_1m=BenchmarkCRC64/size=1MiB:isal:go \
		-pair rs_4p2_encode_128k=BenchmarkRSEncode4p2/cell=128KiB:isal:go \
		-pair rs_4p2_encode_1m=BenchmarkRSEncode4p2/cell=1MiB:isal:go \
		-pair pmem_copy_persist_4k=BenchmarkCopyPersist/size=4KiB:pmdk:go \
		-pair pmem_copy_persist_1m=BenchmarkCopyPersist/size=1MiB:pmdk:go \
		-pair rma_write_1m=BenchmarkRMAWrite/size=1MiB:ofi:gotcp \
		-pair tagged_rtt_64b=BenchmarkTaggedPingPong/size=64B:ofi:gotcp \
		<"$out"
	;;
e2e)
	echo "== end to end: pkg/client on three daos_server processes (127.0.0.2-4, one engine of 4 targets each)"
	echo "   against raw loopback TCP measured in the same run; ${E2E_BENCH_MIB:-1024} MiB of 1 MiB I/O, ${E2E_BENCH_OPS:-20000} 4 KiB ops, 16 in flight"
	# Phases of about a second each: at 256 MiB and 4000 ops (the defaults
	# until 2026-11-26) a phase lasted 0.1 s, shorter than the noise of
	# this shared machine and than the cluster's first-writes warm-up.
	# The cluster's SCM is RAM, as DAOS's class ram is: its directories go
	# to /dev/shm when there is one.
	if [ -d /dev/shm ] && [ -z "${TMPDIR:-}" ]; then export TMPDIR=/dev/shm; fi
	e2e_args=(-mib "${E2E_BENCH_MIB:-1024}" -ops "${E2E_BENCH_OPS:-20000}" -lat "${E2E_BENCH_LAT:-1000}")
	# The client speaks the servers' fabric: it is built with their tags.
	go run -tags "$DAOS_GO_BUILD_TAGS" ./ci/e2ebench "${e2e_args[@]}"
	# The same over libfabric (ofi+tcp;ofi_rxm), as `scons install` builds
	# where libfabric is: for the record, its ratios named *_ofi_vs_tcp.
	# E2E_BENCH_OFI=0 skips it.
	if [ "${E2E_BENCH_OFI:-1}" != 0 ] && [[ " $DAOS_GO_BUILD_TAGS " != *" ofi "* ]] && pkg-config --exists libfabric 2>/dev/null; then
		echo
		echo "== the same with libfabric: servers and client built with -tags \"ofi $DAOS_GO_BUILD_TAGS\" (ofi+tcp;ofi_rxm)"
		DAOS_GO_BUILD_TAGS="ofi $DAOS_GO_BUILD_TAGS" go run -tags "ofi $DAOS_GO_BUILD_TAGS" ./ci/e2ebench -metric ofi "${e2e_args[@]}"
	fi
	;;
capi)
	# CAPI_BENCH_GO_EVENTS=1 adds a third side: pkg/client driven through
	# its own event queue as the C program drives libdaos's, which tells
	# the event machinery's cost apart from the C ABI's.
	goev=()
	if [ -n "${CAPI_BENCH_GO_EVENTS:-}" ]; then goev=(-go-events); fi
	echo "== C API: a C program linked with -ldaos (one event queue, 16 events in flight) against pkg/client (16 goroutines)"
	echo "   on three daos_server processes (127.0.0.2-4, one engine of 4 targets each): same objects, keys and sizes;"
	echo "   ${CAPI_BENCH_OPS:-6000} 4 KiB ops and ${CAPI_BENCH_MIB:-256} MiB of 1 MiB I/O per side and round, each side a fresh process;"
	echo "   median of ${CAPI_BENCH_ROUNDS:-7} rounds, the side that goes first rotating"
	# RAM-backed cluster directories, as for e2e.
	if [ -d /dev/shm ] && [ -z "${TMPDIR:-}" ]; then export TMPDIR=/dev/shm; fi
	go run ./ci/capibench -ops "${CAPI_BENCH_OPS:-6000}" -mib "${CAPI_BENCH_MIB:-256}" -rounds "${CAPI_BENCH_ROUNDS:-7}" ${goev[@]+"${goev[@]}"}
	;;
dfs)
	echo "== DFS (pkg/dfs in this process) and dfuse on three daos_server processes (127.0.0.2-4, one engine of 4 targets each)"
	echo "   metadata (mdtest-like): 16 workers, ${DFS_BENCH_FILES:-100} files each per variant, against the same system calls on ${DFS_BENCH_LOCAL:-/dev/shm};"
	echo "   and on an in-memory go-fuse filesystem (the FUSE floor: it keeps everything in memory and does no I/O, so it bounds what dfuse can reach; not a goal);"
	echo "   bandwidth (IOR-like): ${DFS_BENCH_MIB:-256} MiB of 1 MiB transfers per test, against raw loopback TCP; all in the same run"
	# RAM-backed cluster directories, as for e2e.
	if [ -d /dev/shm ] && [ -z "${TMPDIR:-}" ]; then export TMPDIR=/dev/shm; fi
	go run ./ci/dfsbench -files "${DFS_BENCH_FILES:-100}" -mib "${DFS_BENCH_MIB:-256}" -local "${DFS_BENCH_LOCAL:-/dev/shm}"
	;;
control)
	echo "== control plane: three daos_server processes (one engine each, all MS replicas) on 127.0.0.2-4"
	echo "   ${CONTROL_BENCH_ROUNDS:-3} fresh bring-ups with --auto-format; ${CONTROL_BENCH_QUERIES:-30} dmg system query runs (a new process each) per round"
	go run ./ci/controlbench -rounds "${CONTROL_BENCH_ROUNDS:-3}" -queries "${CONTROL_BENCH_QUERIES:-30}"
	;;
vos)
	echo "== VOS (one target; journal on /dev/shm, NVMe file in ${TMPDIR:-/tmp}) vs Pebble and raw file writes"
	echo "   median of ${VOS_BENCH_REPEATS:-5} runs, VOS and baseline alternating; Pebble syncs every write, as VOS acknowledges only durable updates"
	go run -tags "vosbench ${VOS_BENCH_TAGS:-pmdk isal}" ./ci/vosbench -repeats "${VOS_BENCH_REPEATS:-5}" \
		-ops "${VOS_BENCH_OPS:-20000}" -restart-values "${VOS_BENCH_RESTART_VALUES:-1000000}"
	;;
bdev)
	out=$(mktemp)
	bin=$(mktemp)
	trap 'rm -f "$out" "$bin"' EXIT
	echo "== bdev.File: io_uring engine vs pread/pwrite threads, O_DIRECT files in ${TMPDIR:-/tmp}"
	echo "   median of $count runs of $benchtime each; the engines run one after the other within each run, so drift hits both"
	go test -c -o "$bin" ./pkg/media/bdev
	for _ in $(seq "$count"); do
		if ! "$bin" -test.run '^$' -test.bench 'File4KRandom|FileSeqWrite1M' -test.benchtime "$benchtime" >>"$out" 2>&1; then
			cat "$out"
			echo "bench: the benchmarks failed" >&2
			exit 1
		fi
	done
	go run ./ci/benchratio \
		-pair bdev_uring_4k_randwrite_qd1_vs_threads=BenchmarkFile4KRandom/op=write/qd=1:uring:threads \
		-pair bdev_uring_4k_randread_qd1_vs_threads=BenchmarkFile4KRandom/op=read/qd=1:uring:threads \
		-pair bdev_uring_1m_seqwrite_vs_threads=BenchmarkFileSeqWrite1M/chunk=2048KiB:uring:threads \
		-pair bdev_uring_1m_seqwrite_256k_chunks_vs_threads=BenchmarkFileSeqWrite1M/chunk=256KiB:uring:threads \
		-pair bdev_uring_4k_randwrite_vs_threads=BenchmarkFile4KRandom/op=write/qd=16:uring:threads \
		-pair bdev_uring_4k_randread_vs_threads=BenchmarkFile4KRandom/op=read/qd=16:uring:threads \
		<"$out"
	;;
fabric)
	bin=$(mktemp)
	trap 'rm -f "$bin"' EXIT
	rounds=${FABRIC_BENCH_ROUNDS:-5}
	echo "== RPC (tcp provider) vs raw Go TCP on 127.0.0.1, echo server in a second process"
	echo "   median of $rounds rounds, ours and raw TCP alternating; raw TCP: a 64-byte request/response loop and a stream copy of 1 MiB writes"
	go build -o "$bin" ./cmd/self_test
	args=(--compare-tcp --rounds "$rounds" --message-sizes 64 --bulk-sizes 1m --max-inflight-rpcs 1,16
		--repetitions "${FABRIC_BENCH_PINGS:-5000}" --bulk-mib "${FABRIC_BENCH_BULK_MIB:-256}")
	"$bin" --provider tcp "${args[@]}"
	# The libfabric provider, when libfabric is installed; its ratio lines
	# are named *_ofi_vs_tcp and are printed only when measured.
	if pkg-config --exists libfabric 2>/dev/null; then
		echo
		echo "== RPC (ofi+tcp;ofi_rxm provider, -tags ofi) vs raw Go TCP, same method"
		go build -tags ofi -o "$bin" ./cmd/self_test
		"$bin" --provider "ofi+tcp;ofi_rxm" "${args[@]}"
	else
		echo "libfabric not installed (pkg-config libfabric): ofi provider not measured"
	fi
	;;
*)
	echo "usage: ci/bench.sh NAME   (NAME: cgo, vos, bdev, fabric, control, e2e, capi, dfs)" >&2
	exit 2
	;;
esac
