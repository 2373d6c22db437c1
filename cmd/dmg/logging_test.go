package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlsvc"
)

// serveCtl runs a control service on loopback and returns its address.
func serveCtl(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	svc := &ctlsvc.Service{System: "daos_server", Engines: &engines{}, Storage: scans{}, Network: scans{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ctlsvc.Serve(ctx, ctlsvc.NewGRPCServer(svc, insecure.NewCredentials()), lis, time.Second)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

func TestDebugLogging(t *testing.T) {
	addr := serveCtl(t)
	out, errOut, rc := runSplit(t, "-l", addr, "-i", "network", "scan")
	require.Equal(t, 0, rc, out+errOut)
	require.Empty(t, errOut, "no log lines without -d")

	out, errOut, rc = runSplit(t, "-d", "-l", addr, "-i", "network", "scan")
	require.Equal(t, 0, rc, out+errOut)
	for _, want := range []string{"level=DEBUG", `msg="control config"`, "hosts=[" + addr + "]",
		`msg="gRPC call"`, "host=" + addr, "method=/ctl.CtlSvc/NetworkScan", "duration_ms=", `msg="dmg command done"`} {
		require.Contains(t, errOut, want)
	}
	require.NotContains(t, out, "gRPC call", "log lines stay off stdout")
}

func TestJSONLoggingKeepsJSONReply(t *testing.T) {
	addr := serveCtl(t)
	out, errOut, rc := runSplit(t, "-J", "-d", "-j", "-l", addr, "-i", "network", "scan")
	require.Equal(t, 0, rc, out+errOut)
	var env struct {
		Status int `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), "stdout is the JSON reply alone: %s", out)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	require.GreaterOrEqual(t, len(lines), 2)
	for _, l := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
	}
	require.Contains(t, errOut, `"method":"/ctl.CtlSvc/NetworkScan"`)
}

func TestLogFile(t *testing.T) {
	addr := serveCtl(t)
	path := filepath.Join(t.TempDir(), "dmg.log")
	out, errOut, rc := runSplit(t, "--log-file", path, "-d", "-l", addr, "-i", "network", "scan")
	require.Equal(t, 0, rc, out+errOut)
	require.Empty(t, errOut)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(data), "method=/ctl.CtlSvc/NetworkScan")

	_, errOut, rc = runSplit(t, "--log-file", filepath.Join(path, "x", "y.log"), "-l", addr, "-i", "network", "scan")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "open log file")
}

// TestAllowProxy checks the flag reaches the client; ctlclient's
// TestProxyEnvironment shows what the client then does with a proxy.
func TestAllowProxy(t *testing.T) {
	for args, want := range map[string]bool{"": false, "--allow-proxy": true} {
		root, g := newRootGlobals()
		argv := append(strings.Fields(args), "-l", "127.0.0.1:1", "-i", "version")
		require.Equal(t, 0, cmdutil.Execute(root, argv, &bytes.Buffer{}, &bytes.Buffer{}))
		c, err := g.client()
		require.NoError(t, err)
		require.Equal(t, want, c.(*ctlclient.Client).AllowProxy, args)
	}
}

// TestSetLogMasksDashD: -d is --streams on server set-logmasks, as in
// DAOS, and --debug still works there.
func TestSetLogMasksDashD(t *testing.T) {
	_, g := newRootGlobals()
	cmd := setLogMasksCommand(g)
	require.NoError(t, cmd.ParseFlags([]string{"-d", "mgmt", "--debug"}))
	require.Equal(t, "mgmt", cmd.Flags().Lookup("streams").Value.String())
	require.True(t, g.debug)
}

// TestNoFlagClashes: a subcommand flag whose shorthand is taken by a
// global flag (-d, -J) makes cobra panic when the command runs.
func TestNoFlagClashes(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		require.NotPanics(t, func() { c.InheritedFlags(); c.Flags() }, c.CommandPath())
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot())
}
