package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/storage"
	"github.com/daos-go/daos/pkg/daos"
)

func TestRestartDelay(t *testing.T) {
	s := &Server{cfg: &config.Server{}, opts: Options{RestartBackoffMin: 100 * time.Millisecond, RestartBackoffMax: time.Second}}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 50: time.Second} {
		if got := s.restartDelay(n, time.Time{}); got != want {
			t.Errorf("restart %d: %v, want %v", n, got, want)
		}
	}
	s.cfg.EngineAutoRestartMinDelay = 300
	if got := s.restartDelay(1, time.Now()); got < 299*time.Second {
		t.Errorf("min delay not honoured: %v", got)
	}
}

func waitState(t *testing.T, s *Server, want State) InstanceInfo {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		info := s.Instances()[0]
		if info.State == want && (want != StateReady || info.PID != 0) {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine state %s, want %s", info.State, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEngineLifecycle drives the library calls dmg will use: format
// refusal, stop, start, forced reformat, ping.
func TestEngineLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts daos_engine processes")
	}
	dir, err := os.MkdirTemp("", "dsl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "daos_engine")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/daos-go/daos/cmd/daos_engine").CombinedOutput(); err != nil {
		t.Fatalf("build daos_engine: %v\n%s", err, out)
	}
	cfg := &config.Server{
		Name: "daos_server", SocketDir: dir, EngineAutoRestartMinDelay: 0, CoreDumpFilter: 0x13,
		Engines: []*config.Engine{{
			Targets: 2, Fabric: config.Fabric{Provider: "ofi+tcp", Interface: "lo", InterfacePort: 31416},
			Storage: []*config.Tier{
				{Class: config.ClassRAM, ScmMount: filepath.Join(dir, "scm"), ScmSize: 4},
				{Class: config.ClassFile, BdevList: []string{filepath.Join(dir, "bdev")}, BdevSize: 1},
			},
		}},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(Options{Config: cfg, EngineBinary: bin, EngineOutput: io.Discard, Logger: log,
		Formatter: &storage.Formatter{MountRAM: false, Logger: log}, AutoFormat: true, StopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("Run did not return")
		}
	})

	ready := waitState(t, s, StateReady)
	if ready.UUID == "" || !strings.HasSuffix(ready.URI, "://127.0.0.1:31416") {
		t.Fatalf("ready engine %+v", ready)
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/coredump_filter", ready.PID)); err != nil || strings.TrimSpace(string(b)) != "00000013" {
		t.Errorf("engine coredump_filter %q (%v), want core_dump_filter 0x13 (the default is 0x33)", b, err)
	}
	tctx, tcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer tcancel()
	if err := s.PingEngine(tctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FormatEngine(tctx, 0, false); daos.Code(err) != daos.ErrBusy {
		t.Fatalf("format of a running engine: %v", err)
	}
	if err := s.StopEngine(tctx, 0); err != nil {
		t.Fatal(err)
	}
	if info := s.Instances()[0]; info.State != StateStopped || info.PID != 0 {
		t.Fatalf("after stop: %+v", info)
	}
	if err := s.PingEngine(tctx, 0); daos.Code(err) != daos.ErrUnreach {
		t.Fatalf("ping of a stopped engine: %v", err)
	}
	if _, err := s.FormatEngine(tctx, 0, false); !errors.Is(err, storage.ErrAlreadyFormatted) {
		t.Fatalf("format of formatted storage: %v", err)
	}
	if err := s.StartEngine(tctx, 0); err != nil {
		t.Fatal(err)
	}
	again := waitState(t, s, StateReady)
	if again.UUID != ready.UUID || again.Incarnation == ready.Incarnation {
		t.Fatalf("restarted engine %+v, was %+v", again, ready)
	}
	sb, err := s.FormatEngine(tctx, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for info := s.Instances()[0]; info.State != StateReady || info.UUID != sb.UUID; info = s.Instances()[0] {
		if time.Now().After(deadline) {
			t.Fatalf("after forced format: %+v, want UUID %s", info, sb.UUID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sb.UUID == ready.UUID {
		t.Fatal("forced format kept the UUID")
	}
	if err := s.PingEngine(tctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.StopEngine(tctx, 7); daos.Code(err) != daos.ErrNonexist {
		t.Fatalf("stop of engine 7: %v", err)
	}
}
