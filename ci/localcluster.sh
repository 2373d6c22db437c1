#!/usr/bin/env bash
# Brings up an emulated one-node DAOS system from the built binaries, drives
# it with dmg, and takes it down again: the main job of ci/quickstart.sh.
#
# Storage is emulated as DAOS's `class: ram` and `class: file` do it: a RAM
# disk for SCM (tmpfs, mounted at format time when run as root; otherwise
# the directory is used as it is) and a file standing in for an NVMe SSD.
# Everything lives in a temporary directory that is removed at the end.
#
#   ci/localcluster.sh [BIN_DIR]     (default build/bin)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-build/bin}
for b in daos_server daos_engine dmg; do
	[ -x "$bin/$b" ] || { echo "localcluster: $bin/$b is missing (build first: scons)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/daos-local.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
tport=$(free_port)
server_pid=
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$server_pid" 2>/dev/null || true
	fi
	if mountpoint -q "$work/scm" 2>/dev/null; then umount "$work/scm" || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/scm" "$work/run"
cat >"$work/daos_server.yml" <<EOF
name: daos_server
mgmt_svc_replicas: ['localhost']
port: $port
telemetry_port: $tport
provider: ofi+tcp
socket_dir: $work/run
transport_config:
  allow_insecure: true
control_log_file: $work/daos_server.log
engines:
  - targets: 1
    nr_xs_helpers: 0
    fabric_iface: lo
    fabric_iface_port: 31416
    log_file: $work/daos_engine.0.log
    storage:
      - class: ram
        scm_mount: $work/scm
        scm_size: 4
      - class: file
        bdev_list: [$work/bdev0]
        bdev_size: 2
EOF

dmg() { "$bin/dmg" -i -l "127.0.0.1:$port" "$@"; }

echo "== daos_server start (config in $work/daos_server.yml, control port $port)"
"$bin/daos_server" start -o "$work/daos_server.yml" >"$work/server.out" 2>&1 &
server_pid=$!

# The control service answers once the server has started; bounded wait.
up=
for _ in $(seq 1 100); do
	if dmg storage scan >/dev/null 2>&1; then up=1; break; fi
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$up" ]; then
	echo "localcluster: daos_server did not come up; its output:" >&2
	cat "$work/server.out" >&2
	exit 1
fi

# wait_state STATE: bounded wait until the one rank is in STATE.
wait_state() {
	for _ in $(seq 1 150); do
		if dmg -j system query 2>/dev/null | grep -q "\"state\": *\"$1\""; then return 0; fi
		sleep 0.1
	done
	echo "localcluster: the rank did not become $1; server output:" >&2
	cat "$work/server.out" >&2
	return 1
}

echo
echo "== dmg storage format"
dmg storage format
# The engine starts after the format and joins the system (the management
# service's database lives on the freshly formatted SCM).
wait_state joined
echo
echo "== dmg system query -v"
dmg system query -v
echo
echo "== dmg system leader-query"
dmg system leader-query
echo
echo "== dmg pool create -s 256MiB -n 1GiB tank"
# The engine learns the group map within a second of joining; a create
# before that is refused cleanly, so retry briefly.
created=
for _ in $(seq 1 20); do
	if dmg pool create -s 256MiB -n 1GiB tank; then created=1; break; fi
	sleep 0.5
done
[ -n "$created" ] || { echo "localcluster: pool create failed; server output:" >&2; cat "$work/server.out" >&2; exit 1; }
echo
echo "== dmg pool query tank"
dmg pool query tank
echo
echo "== dmg pool list"
dmg pool list
echo
echo "== dmg pool destroy tank"
dmg pool destroy tank
echo
echo "== dmg system stop"
dmg system stop
wait_state stopped
echo
echo "== dmg system start"
dmg system start
wait_state joined
echo
echo "== dmg system query"
dmg system query
echo
echo "== dmg storage scan"
dmg storage scan
echo
echo "== dmg network scan -p ofi+tcp"
dmg network scan -p ofi+tcp
echo
echo "== dmg telemetry metrics query -m daos_server_engine_restarts_total,daos_server_engine_state"
"$bin/dmg" telemetry metrics query -l 127.0.0.1 -p "$tport" -m daos_server_engine_restarts_total,daos_server_engine_state
echo
echo "== stopping daos_server (SIGTERM)"
kill -TERM "$server_pid"
wait "$server_pid" || { echo "localcluster: daos_server exited with an error" >&2; cat "$work/server.out" >&2; exit 1; }
server_pid=
echo "localcluster: the system came up, was formatted, its rank joined, a pool was created, queried and destroyed, the rank stopped and started again, and the system shut down cleanly"
