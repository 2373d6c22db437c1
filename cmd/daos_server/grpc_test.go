package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlpb"
)

// freePort returns a loopback TCP port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// dmgRun runs dmg with a bounded wait and returns its stdout.
func dmgRun(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("dmg %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

type queryEnvelope struct {
	Response struct {
		Members []struct {
			Addr      string `json:"addr"`
			State     string `json:"state"`
			UUID      string `json:"uuid"`
			FabricURI string `json:"fabric_uri"`
			Rank      uint32 `json:"rank"`
		} `json:"members"`
	} `json:"response"`
	Error  *string `json:"error"`
	Status int     `json:"status"`
}

// TestDmgAgainstServer runs daos_server start on unformatted storage
// (ram SCM as a plain directory, a file bdev, insecure, a free loopback
// port), formats it with dmg storage format, sees the engine ready with
// dmg system query -j, scans storage, and stops the server with SIGTERM.
func TestDmgAgainstServer(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	dir, err := os.MkdirTemp("", "dgrpc") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	binDir := filepath.Join(dir, "bin")
	buildBinaries(t, binDir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", binDir+"/", "github.com/daos-go/daos/cmd/dmg").CombinedOutput(); err != nil {
		t.Fatalf("build dmg: %v\n%s", err, out)
	}
	dmg := filepath.Join(binDir, "dmg")
	runDir := filepath.Join(dir, "run")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cfgPath := filepath.Join(dir, "daos_server.yml")
	cfgText := strings.Replace(fmt.Sprintf(localConfig, dir), "port: 10001\n",
		fmt.Sprintf("port: %d\nmgmt_svc_replicas: ['%s']\n", port, addr), 1)
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}

	logs := &syncBuffer{}
	srv := exec.Command(filepath.Join(binDir, "daos_server"), "start", "-o", cfgPath, "--ram-scm-as-dir")
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	var enginePID int
	t.Cleanup(func() {
		srv.Process.Kill()
		if enginePID != 0 {
			syscall.Kill(enginePID, syscall.SIGKILL)
		}
	})

	query := func() queryEnvelope {
		out, err := dmgRun(t, dmg, "-l", addr, "-i", "system", "query", "-j")
		var env queryEnvelope
		if jErr := json.Unmarshal([]byte(out), &env); jErr != nil || err != nil {
			return queryEnvelope{}
		}
		return env
	}
	// The control service comes up with the engine waiting for a format;
	// the management service's database lives on that storage, so there
	// is no system to query yet.
	waitFor(t, 20*time.Second, "the gRPC service to answer", logs, func() bool {
		_, err := dmgRun(t, dmg, "-l", addr, "-i", "storage", "scan")
		return err == nil
	})
	if out, err := dmgRun(t, dmg, "-l", addr, "-i", "system", "query", "-j"); err == nil {
		t.Fatalf("system query answered before any format:\n%s", out)
	}

	out, err := dmgRun(t, dmg, "-l", addr, "-i", "storage", "format")
	if err != nil {
		t.Fatalf("%v\nserver output:\n%s", err, logs)
	}
	if !strings.Contains(out, "Format Summary") || !strings.Contains(out, addr) {
		t.Fatalf("format output:\n%s", out)
	}
	waitFor(t, 30*time.Second, "the engine to join as rank 0", logs, func() bool {
		m := query().Response.Members
		return len(m) == 1 && m[0].State == "joined" && m[0].Rank == 0
	})
	env := query()
	m := env.Response.Members[0]
	if env.Status != 0 || env.Error != nil || m.Addr != addr || m.UUID == "" ||
		!strings.HasSuffix(m.FabricURI, "://127.0.0.1:31416") {
		t.Fatalf("system query: %+v", env)
	}
	// The server marks its engine joined when the join's answer comes
	// back, a moment after the management service has recorded it.
	var hosts []ctlclient.HostResult[*ctlpb.HostSystemQueryResp]
	waitFor(t, 10*time.Second, "the server to see its engine joined", logs, func() bool {
		hosts = ctlclient.NewWith([]string{addr}, insecure.NewCredentials()).HostSystemQuery(context.Background())
		return hosts[0].Err == nil && len(hosts[0].Resp.Engines) == 1 && hosts[0].Resp.Engines[0].Joined
	})
	enginePID = int(hosts[0].Resp.Engines[0].Pid)

	// A second format without --force is refused, per engine.
	if out, err := dmgRun(t, dmg, "-l", addr, "-i", "storage", "format"); err == nil {
		t.Fatalf("second format was not refused:\n%s", out)
	}

	out, err = dmgRun(t, dmg, "-l", addr, "-i", "storage", "scan")
	if err != nil || !strings.Contains(out, "NVMe Total") || !strings.Contains(out, addr) {
		t.Fatalf("storage scan: %v\n%s", err, out)
	}
	out, err = dmgRun(t, dmg, "-l", addr, "-i", "network", "scan", "-p", "ofi+tcp")
	if err != nil || !strings.Contains(out, "lo") {
		t.Fatalf("network scan: %v\n%s", err, out)
	}

	stopServer(t, srv, exited, logs)
	waitFor(t, 5*time.Second, "the engine process to be gone", logs, func() bool { return !alive(enginePID) })
	// Nothing listens on the port any more.
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after the server stopped", addr)
	}
}
