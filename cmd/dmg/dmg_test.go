package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ctlsvc"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/hardware"
)

type engines struct{ formatted bool }

func (e *engines) Instances() []server.InstanceInfo {
	if e.formatted {
		return []server.InstanceInfo{{Index: 0, State: server.StateReady, UUID: "u0", PID: 7, URI: "ofi+tcp://127.0.0.1:31416"}}
	}
	return []server.InstanceInfo{{Index: 0, State: server.StateAwaitFormat}}
}

func (e *engines) FormatEngine(context.Context, int, bool) (*superblock.Superblock, error) {
	e.formatted = true
	return &superblock.Superblock{UUID: "u0"}, nil
}

type scans struct{}

func (scans) ScanSCM(context.Context) (*hardware.SCMScan, error) { return &hardware.SCMScan{}, nil }
func (scans) ScanNVMe(context.Context) (*hardware.NVMeScan, error) {
	return &hardware.NVMeScan{}, nil
}
func (scans) Scan(context.Context, string) (*hardware.NetworkScan, error) {
	return &hardware.NetworkScan{Interfaces: []hardware.NetInterface{{Name: "lo", Up: true}}}, nil
}

func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	rc := cmdutil.Execute(newRoot(), args, &out, &errOut)
	return out.String() + errOut.String(), rc
}

func TestCommands(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	svc := &ctlsvc.Service{System: "daos_server", Engines: &engines{}, Storage: scans{}, Network: scans{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ctlsvc.Serve(ctx, ctlsvc.NewGRPCServer(svc, insecure.NewCredentials()), lis, time.Second)
	}()
	defer func() { cancel(); <-done }()
	addr := lis.Addr().String()
	l := []string{"-l", addr, "-i"}

	out, rc := run(t, append(l, "storage", "format")...)
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "Format Summary")

	out, rc = run(t, append(l, "storage", "scan")...)
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "SCM Total")
	out, rc = run(t, append(l, "storage", "scan", "-v")...)
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "No NVMe SSDs found")
	out, rc = run(t, append(l, "network", "scan")...)
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "lo")

	// A second, dead host: its error is reported and the command fails,
	// while the live host's storage is still shown.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.Addr().String()
	dead.Close()
	out, rc = run(t, "-l", addr+","+deadAddr, "-i", "storage", "scan")
	require.Equal(t, 1, rc)
	require.Contains(t, out, "Errors:")
	require.Contains(t, out, deadAddr)
	require.True(t, strings.Contains(out, "SCM Total"), out)
}
