#!/usr/bin/env bash
# The main job of ci/quickstart.sh: an emulated three-server DAOS system on
# this machine, brought up from the built binaries and LEFT RUNNING.
#
#   ci/localcluster.sh [start] [BIN_DIR]   bring it up (or reuse it), check it, use it
#   ci/localcluster.sh status              show what runs and how to use it
#   ci/localcluster.sh stop                stop every process of it and remove its files
#
# Three daos_server processes on 127.0.0.2, .3 and .4, all three management
# service replicas, each with one engine of 4 targets; SCM is DAOS's class
# `ram` kept as a directory on the RAM disk /dev/shm (a plain directory when
# there is none), NVMe is class `file` (sparse files); provider ofi+tcp.
# Then: dmg storage format, the three ranks join, daos_agent, a pool (dmg
# pool create), a container (daos container create), daos pool autotest,
# and a short throughput run with daos_perf (4 KiB and 1 MiB I/O, 16 in
# flight, everything read back and checked). A fresh system also goes through the checks of CI:
# leader query, storage scan, network scan, telemetry, and a system
# stop/start round trip.
#
# State lives in $DAOS_GO_CLUSTER_DIR (default /tmp/daos-go-cluster). When a
# system from an earlier run is found there, it is reused if it is healthy
# and runs the same binaries; otherwise it is stopped and cleaned first. On
# any failure the logs are shown, every process is stopped, and the logs
# are kept in $DAOS_GO_CLUSTER_DIR.failed/.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${DAOS_GO_CLUSTER_DIR:-/tmp/daos-go-cluster}
dir=${dir%/}
case "$dir" in /*) ;; *) dir=$PWD/$dir ;; esac
pool=tank
cont=bench
nsrv=3

say() { printf '%s\n' "$*"; }
step() { printf '\n== [%ss] %s\n' "$(elapsed)" "$*"; }
now() { date +%s.%N; }
t_begin=$(now)
elapsed() { awk -v a="$t_begin" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- stopping

# ours: the pids of daos_server, daos_engine and daos_agent processes whose
# command line names the state directory (nothing else is ever touched).
ours() {
	local p comm
	for p in /proc/[0-9]*; do
		comm=$(cat "$p/comm" 2>/dev/null) || continue
		case "$comm" in daos_server | daos_engine | daos_agent) ;; *) continue ;; esac
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$dir/"; then
			echo "${p#/proc/}"
		fi
	done
}

# stop_all: SIGTERM to the agent and the servers (which stop their engines),
# a bounded wait, then SIGKILL to what is left; then the files go.
stop_all() {
	local pids left
	pids=$(ours)
	# The ranks first, through the management service: an orderly stop is
	# quick, while engines told to stop by their dying servers can take
	# the servers' full grace period (10 s) when a pool service runs.
	if [ -n "$pids" ] && [ -f "$dir/daos_control.yml" ] && [ -f "$dir/cluster.env" ]; then
		local b
		b=$(sed -n 's/^BIN=//p' "$dir/cluster.env")
		[ -x "$b/dmg" ] && timeout 15 "$b/dmg" -o "$dir/daos_control.yml" system stop >/dev/null 2>&1 || true
	fi
	if [ -n "$pids" ]; then
		say "stopping pids $(echo $pids) (SIGTERM)"
		kill -TERM $pids 2>/dev/null || true
		for _ in $(seq 1 150); do
			left=$(for p in $pids; do if kill -0 "$p" 2>/dev/null; then echo "$p"; fi; done)
			[ -z "$left" ] && break
			sleep 0.1
		done
		if [ -n "$left" ]; then
			say "still running after 15 s, SIGKILL: $(echo $left)"
			kill -KILL $left 2>/dev/null || true
			sleep 0.2
		fi
	fi
	left=$(ours)
	[ -z "$left" ] || { say "localcluster: could not stop $(echo $left)" >&2; return 1; }
	local shm=
	[ -f "$dir/cluster.env" ] && shm=$(sed -n 's/^SCM_ROOT=//p' "$dir/cluster.env")
	case "$shm" in /dev/shm/daos-go-cluster.*) rm -rf "$shm" ;; esac
	rm -rf "$dir"
}

# show_logs: the end of every log, for failure reports.
show_logs() {
	local f
	for f in "$dir"/s*/server.log "$dir"/agent/agent.log; do
		[ -f "$f" ] || continue
		printf '\n---- %s (last 40 lines) ----\n' "$f" >&2
		tail -n 40 "$f" >&2
	done
}

# ---------------------------------------------------------------- status

usage_text() {
	# shellcheck disable=SC1091
	. "$dir/cluster.env"
	local stopcmd="$PWD/ci/localcluster.sh stop"
	[ "$dir" = /tmp/daos-go-cluster ] || stopcmd="DAOS_GO_CLUSTER_DIR=$dir $stopcmd"
	cat <<EOF
The system is running (state in $dir):
  servers  $HOSTS  (control port $PORT, telemetry $TPORT)
  agent    socket $dir/agent/daos_agent.sock
  pool     $pool, container $cont
Use it:
  $BIN/dmg -o $dir/daos_control.yml system query -v
  $BIN/dmg -i -l $HOSTS pool list
  export DAOS_AGENT_DRPC_DIR=$dir/agent      # where the daos tool finds daos_agent
  $BIN/daos pool query $pool
  $BIN/daos container list $pool
  $BIN/daos pool autotest $pool
  $BIN/daos_perf -P $pool -C 16 -d 64 -r 1 -s 1M -A -R "U;p F;p"
Stop it and remove its files:
  $stopcmd
EOF
}

if [ "${1:-}" = stop ]; then
	exec 9>"$dir.lock"
	flock -w 60 9 || { say "localcluster: $dir is locked by another run" >&2; exit 1; }
	if [ ! -e "$dir" ] && [ -z "$(ours)" ]; then
		say "localcluster: no system in $dir"
		exit 0
	fi
	stop_all
	rm -f "$dir.lock"
	say "localcluster: stopped; $dir removed"
	exit 0
fi

if [ "${1:-}" = status ]; then
	if [ ! -f "$dir/cluster.env" ]; then say "localcluster: no system in $dir"; exit 1; fi
	. "$dir/cluster.env"
	say "processes: $(echo $(ours))"
	timeout 20 "$BIN/dmg" -o "$dir/daos_control.yml" system query || true
	timeout 20 "$BIN/dmg" -o "$dir/daos_control.yml" pool list || true
	echo
	usage_text
	exit 0
fi

[ "${1:-}" = start ] && shift
bin=${1:-build/bin}
bin=$(cd "$bin" && pwd)
for b in daos_server daos_engine dmg daos_agent daos daos_perf; do
	[ -x "$bin/$b" ] || { say "localcluster: $bin/$b is missing (build first: scons)" >&2; exit 1; }
done

exec 9>"$dir.lock"
flock -w 60 9 || { say "localcluster: $dir is locked by another run" >&2; exit 1; }

# Failure: show the logs, stop every process, keep the logs.
ok=
on_exit() {
	local rc=$?
	[ -n "$ok" ] && return
	[ "$rc" = 0 ] && rc=1
	case $rc in
	130 | 143) say "localcluster: interrupted after $(elapsed) s" >&2 ;;
	*) say "localcluster: FAILED after $(elapsed) s (exit $rc)" >&2 ;;
	esac
	if [ -d "$dir" ]; then
		case $rc in 130 | 143) ;; *) show_logs ;; esac
		rm -rf "$dir.failed"
		mkdir -p "$dir.failed"
		for f in "$dir"/s*/server.log "$dir"/s*/daos_server.yml "$dir"/agent/agent.log "$dir"/agent/daos_agent.yml; do
			[ -f "$f" ] && cp "$f" "$dir.failed/$(basename "$(dirname "$f")")-$(basename "$f")"
		done
		say "localcluster: logs kept in $dir.failed/; stopping the system" >&2
	fi
	stop_all >&2 || true
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	say "localcluster: $*" >&2
	exit 1
}

dmg() { timeout 60 "$bin/dmg" -o "$dir/daos_control.yml" "$@"; }
daos() { DAOS_AGENT_DRPC_DIR=$dir/agent timeout 120 "$bin/daos" "$@"; }

# joined_count: how many ranks the system query shows joined.
joined_count() {
	timeout 10 "$bin/dmg" -o "$dir/daos_control.yml" -j system query 2>/dev/null |
		grep -cE '"state": *"joined"' || true
}

# wait_joined N SECONDS
wait_joined() {
	local n
	for _ in $(seq 1 $(($2 * 5))); do
		n=$(joined_count)
		[ "$n" = "$1" ] && return 0
		for f in "$dir"/s*/daos_server.pid; do
			kill -0 "$(cat "$f")" 2>/dev/null || die "$(dirname "$f")'s daos_server exited"
		done
		sleep 0.2
	done
	die "$1 ranks did not join within $2 s (joined: ${n:-0})"
}

# wait_state STATE SECONDS: every rank in STATE.
wait_state() {
	for _ in $(seq 1 $(($2 * 5))); do
		if [ "$(timeout 10 "$bin/dmg" -o "$dir/daos_control.yml" -j system query 2>/dev/null |
			grep -cE "\"state\": *\"$1\"")" = "$nsrv" ]; then
			return 0
		fi
		sleep 0.2
	done
	die "the ranks did not all become $1 within $2 s"
}

# ---------------------------------------------------------------- reuse?

binsum() { cat "$bin/daos_server" "$bin/daos_engine" "$bin/daos_agent" | cksum | cut -d' ' -f1; }

reuse=
if [ -e "$dir" ] || [ -n "$(ours)" ]; then
	why=
	if [ ! -f "$dir/ready" ]; then
		why="its bring-up never finished"
	else
		. "$dir/cluster.env"
		if [ "$BIN_SUM" != "$(binsum)" ]; then
			why="the binaries in $bin changed since it started"
		elif [ "$(ours | wc -l)" -ne $((2 * nsrv + 1)) ]; then
			why="$(ours | wc -l) of its $((2 * nsrv + 1)) processes run"
		elif [ "$(joined_count)" != "$nsrv" ]; then
			why="not all $nsrv ranks are joined"
		elif [ ! -S "$dir/agent/daos_agent.sock" ]; then
			why="its agent socket is gone"
		fi
	fi
	if [ -z "$why" ]; then
		reuse=1
		step "reusing the running system in $dir (healthy: $nsrv ranks joined, agent up, same binaries)"
	else
		step "found an earlier system in $dir; $why: stopping it and cleaning up"
		stop_all
	fi
fi

# ---------------------------------------------------------------- bring-up

if [ -z "$reuse" ]; then
	mkdir -p "$dir"
	# Free ports on 127.0.0.2-4 for control and telemetry (the same port on
	# each address), and one fabric port per engine on lo (127.0.0.1).
	read -r port tport fport < <(python3 - <<'EOF'
import socket
def free_on(addrs, port):
    socks = []
    try:
        for a in addrs:
            s = socket.socket(); socks.append(s); s.bind((a, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks: s.close()
srv = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
got = []
for base in range(20001, 29000, 7):
    if free_on(["0.0.0.0"], base) and free_on(srv, base):
        got.append(base)
        if len(got) == 2: break
for base in range(41000, 49000, 100):
    if all(free_on(["0.0.0.0"], base + d) for d in range(30)):
        got.append(base); break
print(*got)
EOF
	)
	[ -n "${fport:-}" ] || die "no free ports on 127.0.0.2-4 / 127.0.0.1"
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		scm_root=$(mktemp -d /dev/shm/daos-go-cluster.XXXXXX)
		scm_what="directories on the RAM disk $scm_root"
	else
		scm_root=$dir/scm
		scm_what="plain directories under $scm_root (no /dev/shm)"
	fi
	hosts=127.0.0.2:$port,127.0.0.3:$port,127.0.0.4:$port
	cat >"$dir/cluster.env" <<EOF
BIN=$bin
BIN_SUM=$(binsum)
PORT=$port
TPORT=$tport
FABRIC_PORT=$fport
HOSTS=$hosts
SCM_ROOT=$scm_root
EOF
	cat >"$dir/daos_control.yml" <<EOF
name: daos_server
port: $port
hostlist: ['127.0.0.2:$port', '127.0.0.3:$port', '127.0.0.4:$port']
transport_config:
  allow_insecure: true
EOF
	step "starting $nsrv daos_server processes (127.0.0.2-4, control port $port, one engine of 4 targets each)"
	say "SCM: class ram, 4 GiB each, in $scm_what; NVMe: class file, 8 GiB sparse file each; provider ofi+tcp on lo"
	# The emulated hosts share this machine: each engine runs on its share
	# of the CPUs, as engines on real hosts have cores of their own.
	eprocs=$(($(nproc) / nsrv))
	if [ "$eprocs" -lt 1 ]; then eprocs=1; fi
	for i in $(seq 0 $((nsrv - 1))); do
		s=$dir/s$i
		mkdir -p "$s/run" "$scm_root/s$i"
		cat >"$s/daos_server.yml" <<EOF
name: daos_server
port: $port
control_iface: 127.0.0.$((i + 2))
mgmt_svc_replicas: ['127.0.0.2:$port', '127.0.0.3:$port', '127.0.0.4:$port']
provider: ofi+tcp
socket_dir: $s/run
telemetry_port: $tport
fault_path: /rack0/127.0.0.$((i + 2))
transport_config:
  allow_insecure: true
engines:
- targets: 4
  nr_xs_helpers: 0
  env_vars: [GOMAXPROCS=$eprocs]
  fabric_iface: lo
  fabric_iface_port: $((fport + 10 * i))
  storage:
  - class: ram
    scm_mount: $scm_root/s$i/scm
    scm_size: 4
  - class: file
    bdev_list: [$s/bdev0]
    bdev_size: 8
EOF
		# setsid: the servers outlive this script (and its terminal).
		# --ram-scm-as-dir: the SCM directory is not mounted as a tmpfs of
		# its own (it already is RAM when under /dev/shm).
		setsid "$bin/daos_server" start -o "$s/daos_server.yml" --ram-scm-as-dir 9>&- \
			</dev/null >"$s/server.log" 2>&1 &
		echo $! >"$s/daos_server.pid"
	done
	t0=$(now)
	up=
	for _ in $(seq 1 150); do
		if timeout 5 "$bin/dmg" -o "$dir/daos_control.yml" storage scan >/dev/null 2>&1; then up=1; break; fi
		for f in "$dir"/s*/daos_server.pid; do
			kill -0 "$(cat "$f")" 2>/dev/null || die "$(dirname "$f")'s daos_server exited at start"
		done
		sleep 0.2
	done
	[ -n "$up" ] || die "the servers' control services did not answer within 30 s"
	say "control services up in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"

	step "dmg storage format"
	dmg storage format
	t0=$(now)
	wait_joined "$nsrv" 60
	say "$nsrv ranks joined $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s after the format"
fi
. "$dir/cluster.env"

step "dmg system query -v"
dmg system query -v

# Which data path the engines serve: the engine's "ready" line names its
# URI: ofi+tcp://... through libfabric, or tcp://... when libfabric is not
# built in and the engine fell back to daos-go's pure-Go tcp provider (it
# then also logs "provider not built in").
uri=$({ grep -ho 'DAOS I/O Engine ready.*fabric=[^ ]*' "$dir"/s*/server.log || true; } | tail -n 1 | sed 's/.*fabric=//')
case "$uri" in
ofi+tcp://*) fabric_in_use="ofi+tcp through libfabric ($("$bin/daos_engine" version | grep -o 'libfabric [0-9.]*' || echo libfabric))" ;;
tcp://*) fabric_in_use="daos-go's pure-Go tcp provider (ofi+tcp asked for; libfabric is not built into these binaries)" ;;
*) fabric_in_use="unknown (no engine reported its fabric URI)" ;;
esac
say "data path: $fabric_in_use"

if [ -z "$reuse" ]; then
	step "dmg system leader-query"
	dmg system leader-query
	step "dmg storage scan"
	dmg storage scan
	step "dmg network scan -p ofi+tcp"
	dmg network scan -p ofi+tcp
	step "dmg telemetry metrics query (127.0.0.2:$TPORT)"
	dmg telemetry metrics query -l 127.0.0.2 -p "$TPORT" -m daos_server_engine_restarts_total,daos_server_engine_state
	step "dmg system stop / start round trip"
	dmg system stop
	wait_state stopped 30
	dmg system start
	wait_joined "$nsrv" 60
	say "all $nsrv ranks stopped and joined again"

	step "daos_agent (config $dir/agent/daos_agent.yml)"
	mkdir -p "$dir/agent"
	chmod 700 "$dir/agent"
	cat >"$dir/agent/daos_agent.yml" <<EOF
name: daos_server
access_points: ['127.0.0.2:$PORT', '127.0.0.3:$PORT', '127.0.0.4:$PORT']
port: $PORT
runtime_dir: $dir/agent
log_file: $dir/agent/agent.log
transport_config:
  allow_insecure: true
EOF
	setsid "$bin/daos_agent" -o "$dir/agent/daos_agent.yml" start </dev/null >>"$dir/agent/agent.log" 2>&1 9>&- &
	echo $! >"$dir/agent/daos_agent.pid"
	for _ in $(seq 1 100); do
		[ -S "$dir/agent/daos_agent.sock" ] && break
		kill -0 "$(cat "$dir/agent/daos_agent.pid")" 2>/dev/null || die "daos_agent exited"
		sleep 0.1
	done
	[ -S "$dir/agent/daos_agent.sock" ] || die "daos_agent's socket did not appear within 10 s"
	say "daos_agent serving $dir/agent/daos_agent.sock"

	step "dmg pool create -z 6GiB $pool"
	# The engines learn the group map shortly after joining; a create before
	# that is refused cleanly, so retry briefly.
	created=
	for _ in $(seq 1 20); do
		if dmg pool create -z 6GiB "$pool"; then created=1; break; fi
		sleep 0.5
	done
	[ -n "$created" ] || die "dmg pool create failed"
	step "daos container create $pool $cont"
	daos container create "$pool" "$cont"
	touch "$dir/ready"
fi

step "dmg pool query $pool"
dmg pool query "$pool"
step "daos pool query $pool; daos container list $pool"
daos pool query "$pool"
daos container list "$pool"

step "daos pool autotest $pool (each step timed; rates from the timed I/O steps)"
res=$(mktemp)
if ! daos -j pool autotest "$pool" >"$res"; then
	cat "$res" >&2
	rm -f "$res"
	die "daos pool autotest failed"
fi
python3 - "$res" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d = d.get("response", d)
amount = {
    "Doing 10K small writes": (10000, "ops/s, 8 B each, one at a time"),
    "Doing 10K small reads": (10000, "ops/s, 8 B each, one at a time"),
    "Doing 1 large write (16 MiB)": (16, "MiB/s"),
    "Doing 1 large read (16 MiB)": (16, "MiB/s"),
}
print(f"{'Step':<6}{'Operation':<32}{'Status':<8}{'Time(sec)':<10}{'Rate':>8}  Comment")
for s in d["steps"]:
    rate, note = "", s.get("comment", "")
    if s["operation"] in amount and s["time_s"] > 0:
        n, unit = amount[s["operation"]]
        rate, note = f"{n / s['time_s']:.0f}", unit
    print(f"{s['step']:>4}  {s['operation']:<32}{s['status']:<8}{s['time_s']:<10.3f}{rate:>8}  {note}")
print("All steps passed.")
EOF
rm -f "$res"

# The short throughput run: daos_perf in a container of its own, 16
# operations in flight from this client, every value read back checked.
step "daos_perf -P $pool: 4 KiB single values (1024) and 1 MiB array records (64), 16 in flight"
DAOS_AGENT_DRPC_DIR=$dir/agent timeout 120 "$bin/daos_perf" -P "$pool" -C 16 -d 256 -r 4 -s 4K -R "U;p F;p V" ||
	die "daos_perf (4 KiB) failed"
DAOS_AGENT_DRPC_DIR=$dir/agent timeout 120 "$bin/daos_perf" -P "$pool" -C 16 -d 64 -r 1 -s 1M -A -R "U;p F;p V" ||
	die "daos_perf (1 MiB) failed"

ok=1
step "done in $(elapsed) s: $([ -n "$reuse" ] && echo "reused the running system" || echo "brought up a new system"); data path: $fabric_in_use"
usage_text
