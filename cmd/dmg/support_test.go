package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlsvc"
	"github.com/daos-go/daos/pkg/support"
)

// serveSupport starts a control service whose host has a control log and
// one engine log; transfer, when set, is its file_transfer_exec.
func serveSupport(t *testing.T, transfer string, maxBytes int64) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"control.log", "engine0.log"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f),
			[]byte("time=2025-01-01T10:00:00Z msg=old\ntime=2025-01-02T10:00:00Z msg="+f+"\n"), 0o644))
	}
	cfg := &config.Server{ControlLogFile: filepath.Join(dir, "control.log"),
		Engines: []*config.Engine{{LogFile: filepath.Join(dir, "engine0.log")}}}
	if transfer != "" {
		cfg.SupportConfig = &config.SupportConfig{FileTransferExec: transfer}
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	svc := &ctlsvc.Service{System: "daos_server", Engines: &engines{}, Storage: scans{}, Network: scans{},
		Support: &ctlsvc.SupportSource{Config: cfg, Host: support.Host{Name: "h", Tool: "daos_server"}, MaxBytes: maxBytes}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ctlsvc.Serve(ctx, ctlsvc.NewGRPCServer(svc, insecure.NewCredentials()), lis, time.Second)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

func TestSupportCollectLog(t *testing.T) {
	a := serveSupport(t, "", 0)
	script := filepath.Join(t.TempDir(), "xfer.sh")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\n# args: -x <src> <target>\n[ \"$1\" = -x ] || exit 3\nmkdir -p \"$3\" && cp -r \"$2\"/. \"$3\"/\n"), 0o755))
	b := serveSupport(t, script, 0)
	target := filepath.Join(t.TempDir(), "coll")

	out, rc := run(t, "-j", "-i", "-l", a+","+b, "support", "collect-log", "-t", target, "-z", "-T", "-x",
		"-e", "control,server", "-D", "01-02-2025")
	require.Equal(t, 0, rc, out)
	var env struct {
		Response collectLogOutput `json:"response"`
		Status   int              `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Equal(t, target+".tar.gz", env.Response.Archive)
	require.Nil(t, env.Response.Admin, "admin part collected without -e admin")
	require.Len(t, env.Response.Servers, 2)
	for _, h := range []string{a, b} {
		log, err := os.ReadFile(filepath.Join(target, support.HostDir(h), "logs/engine0/engine0.log"))
		require.NoError(t, err, h)
		require.Equal(t, "time=2025-01-02T10:00:00Z msg=engine0.log\n", string(log), "window not applied on %s", h)
		require.FileExists(t, filepath.Join(target, support.HostDir(h), "logs/control/control.log"))
	}
	var copied string
	for _, s := range env.Response.Servers {
		copied += s.TransferredBy
	}
	require.Equal(t, script, copied)

	// A server whose cap is below its collection refuses it; dmg reports
	// the host, text output, with the admin part.
	small := serveSupport(t, "", 10)
	target2 := filepath.Join(t.TempDir(), "coll2")
	out, rc = run(t, "-i", "-l", small, "support", "collect-log", "-t", target2)
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, "over the size cap")
	require.Contains(t, out, "admin: ")
	require.FileExists(t, filepath.Join(target2, adminDir, "system-query.txt"))

	// Bad flags are refused before anything is written.
	out, rc = run(t, "-i", "-l", small, "support", "collect-log", "-t", filepath.Join(t.TempDir(), "x"), "-S", "9am")
	require.Equal(t, 1, rc)
	require.True(t, strings.Contains(out, "-S/--log-start-time"), out)
}
