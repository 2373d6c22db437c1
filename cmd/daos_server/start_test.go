package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/storage"
	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/telemetry"
)

// syncBuffer collects a child's output for failure reports.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// buildBinaries builds daos_server and daos_engine into dir.
func buildBinaries(t *testing.T, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", dir+"/", "github.com/daos-go/daos/cmd/daos_server",
		"github.com/daos-go/daos/cmd/daos_engine").CombinedOutput()
	if err != nil {
		t.Fatalf("build binaries: %v\n%s", err, out)
	}
}

const localConfig = `name: daos_server
port: 10001
provider: ofi+tcp
socket_dir: %[1]s/run
engine_auto_restart_min_delay: 0
transport_config:
  allow_insecure: true
engines:
- targets: 1
  nr_xs_helpers: 0
  fabric_iface: lo
  fabric_iface_port: 31416
  storage:
  - class: ram
    scm_mount: %[1]s/scm
    scm_size: 4
  - class: file
    bdev_list: [%[1]s/bdev0]
    bdev_size: 1
`

// waitFor polls cond every 20 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, logs fmt.Stringer, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; server output:\n%s", d, what, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// engineSockets lists the daos_engine_<pid>.sock files in dir.
func engineSockets(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "daos_engine_*.sock"))
	return m
}

func pidOfSocket(path string) int {
	var pid int
	fmt.Sscanf(filepath.Base(path), "daos_engine_%d.sock", &pid)
	return pid
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// stopServer sends SIGTERM to the server and waits (bounded) for a clean
// exit.
func stopServer(t *testing.T, srv *exec.Cmd, exited <-chan error, logs fmt.Stringer) {
	t.Helper()
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("daos_server exited with %v; output:\n%s", err, logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("daos_server did not exit after SIGTERM; output:\n%s", logs)
	}
}

func ping(t *testing.T, sock string) {
	t.Helper()
	c := drpc.NewClient(sock, 0)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body, _ := proto.Marshal(&enginepb.PingRankReq{})
	out, err := c.Call(ctx, drpc.ModuleMgmt, drpc.MethodPingRank, body)
	if err != nil {
		t.Fatalf("ping %s: %v", sock, err)
	}
	resp := &enginepb.DaosResp{}
	if err := proto.Unmarshal(out, resp); err != nil || resp.Status != 0 {
		t.Fatalf("ping reply %v %v", resp, err)
	}
}

// TestStartSupervisesEngines runs daos_server start with a local config:
// the engine comes up on formatted storage and answers pings, a SIGKILLed
// engine is restarted with the same UUID, and SIGTERM stops everything.
func TestStartSupervisesEngines(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	dir, err := os.MkdirTemp("", "dsrv") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	buildBinaries(t, filepath.Join(dir, "bin"))
	runDir := filepath.Join(dir, "run")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "daos_server.yml")
	telPort := freePort(t)
	// A fabric port of its own, not localConfig's 31416: another run of
	// this test (or a cluster) on the machine would collide with it.
	fabricPort := freePort(t)
	cfgText := strings.Replace(fmt.Sprintf(localConfig, dir), "fabric_iface_port: 31416", fmt.Sprintf("fabric_iface_port: %d", fabricPort), 1) +
		fmt.Sprintf("\ntelemetry_port: %d\n", telPort)
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}

	// Format as `dmg storage format` will, with ram SCM as a plain
	// directory (no tmpfs mount, even as root).
	src, err := config.ReadSource(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadServer(src)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.EngineAutoRestartMinDelay != 0 {
		t.Fatalf("engine_auto_restart_min_delay: 0 read as %d", cfg.EngineAutoRestartMinDelay)
	}
	f := &storage.Formatter{MountRAM: false}
	sb, err := f.Format(context.Background(), storage.FormatRequest{
		Engine: storage.Engine{Index: 0, Config: cfg.Engines[0]}, System: cfg.Name,
	})
	if err != nil {
		t.Fatal(err)
	}
	sbPath := filepath.Join(dir, "scm", superblock.FileName)

	logs := &syncBuffer{}
	srv := exec.Command(filepath.Join(dir, "bin", "daos_server"), "start", "-o", cfgPath, "-p", fmt.Sprint(freePort(t)))
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	var enginePIDs []int
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		srv.Process.Kill()
		for _, pid := range enginePIDs {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	// The engine reports ready: the server records it in the superblock
	// and the engine's socket answers pings.
	readSB := func() *superblock.Superblock {
		s, err := superblock.Read(sbPath)
		if err != nil {
			return &superblock.Superblock{}
		}
		return s
	}
	waitFor(t, 20*time.Second, "the engine to report ready", logs, func() bool {
		return readSB().Incarnation != 0 && len(engineSockets(runDir)) == 1
	})
	first := readSB()
	if first.UUID != sb.UUID || !strings.HasSuffix(first.URI, fmt.Sprintf("://127.0.0.1:%d", fabricPort)) {
		t.Fatalf("superblock after ready: %+v (formatted UUID %s)", first, sb.UUID)
	}
	sock := engineSockets(runDir)[0]
	pid := pidOfSocket(sock)
	enginePIDs = append(enginePIDs, pid)
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("engine socket %s: %v %v", sock, fi, err)
	}
	ping(t, sock)

	// SIGKILL the engine: the server restarts it and it rejoins with the
	// same UUID and a new incarnation.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "the engine to be restarted", logs, func() bool {
		socks := engineSockets(runDir)
		return len(socks) == 1 && pidOfSocket(socks[0]) != pid && readSB().Incarnation != first.Incarnation
	})
	second := readSB()
	if second.UUID != first.UUID {
		t.Fatalf("engine rejoined with UUID %s, was %s", second.UUID, first.UUID)
	}
	sock2 := engineSockets(runDir)[0]
	pid2 := pidOfSocket(sock2)
	enginePIDs = append(enginePIDs, pid2)
	ping(t, sock2)
	if !strings.Contains(logs.String(), "signal: killed") {
		t.Errorf("server did not report the engine's exit status; output:\n%s", logs)
	}

	// The telemetry endpoint reports the restart, the exit and the
	// engines' NotifyReady calls.
	url := fmt.Sprintf("http://127.0.0.1:%d%s", telPort, telemetry.MetricsPath)
	var sets map[string]*telemetry.MetricSet
	waitFor(t, 10*time.Second, "telemetry to show the ready, restarted engine", logs, func() bool {
		got, err := telemetry.Scrape(context.Background(), nil, url)
		if err != nil {
			return false
		}
		sets = map[string]*telemetry.MetricSet{}
		for _, s := range got {
			sets[s.Name] = s
		}
		return metricValue(sets, "daos_server_engine_state", "state", "Ready") == 1
	})
	if v := metricValue(sets, "daos_server_engine_restarts_total", "engine", "0"); v != 1 {
		t.Errorf("restarts_total %v, want 1", v)
	}
	if v := metricValue(sets, "daos_server_engine_last_exit_code", "engine", "0"); v != -1 {
		t.Errorf("last_exit_code %v, want -1 (killed)", v)
	}
	if v := metricValue(sets, "daos_server_drpc_requests_total", "status", "SUCCESS"); v < 2 {
		t.Errorf("dRPC calls counted %v, want at least 2 (GetEngineConfig/NotifyReady)", v)
	}
	if _, ok := sets["process_resident_memory_bytes"]; !ok {
		t.Error("no process metrics")
	}

	// SIGTERM the server: engines stop, sockets go, nothing is left.
	stopServer(t, srv, exited, logs)
	waitFor(t, 5*time.Second, "the engine process to be gone", logs, func() bool { return !alive(pid2) })
	if socks := engineSockets(runDir); len(socks) != 0 {
		t.Fatalf("engine sockets left behind: %v", socks)
	}
	if _, err := os.Stat(filepath.Join(runDir, "daos_server.sock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("daos_server.sock left behind: %v", err)
	}
}

// metricValue is the sum of a metric's samples whose label key is val, or
// -1000 when there are none.
func metricValue(sets map[string]*telemetry.MetricSet, name, key, val string) float64 {
	s, ok := sets[name]
	if !ok {
		return -1000
	}
	sum, found := 0.0, false
	for _, m := range s.Metrics {
		if m.Labels[key] == val {
			sum, found = sum+m.Value, true
		}
	}
	if !found {
		return -1000
	}
	return sum
}
