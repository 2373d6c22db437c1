package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/msdb"
	"github.com/daos-go/daos/pkg/control/system"
)

// msConfig writes a daos_server.yml whose replica database lives under
// dir; replica says whether this host's address is in mgmt_svc_replicas.
func msConfig(t *testing.T, dir string, port int, replica bool) string {
	t.Helper()
	rep := fmt.Sprintf("127.0.0.1:%d", port)
	if !replica {
		rep = fmt.Sprintf("127.0.0.1:%d", port+1)
	}
	path := filepath.Join(dir, "daos_server.yml")
	text := fmt.Sprintf("port: %d\ncontrol_iface: 127.0.0.1\nmgmt_svc_replicas: ['%s']\ncontrol_metadata: {path: %s}\ntransport_config: {allow_insecure: true}\n",
		port, rep, filepath.Join(dir, "md"))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func runMS(args ...string) (stdout, stderr string, code int) {
	return runMSWithInput(nil, args...)
}

func runMSWithInput(in io.Reader, args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	root := newRoot()
	if in != nil {
		root.SetIn(in)
	}
	code := cmdutil.Execute(root, args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// msReplica runs a real one-replica management service on addr with its
// database in dir, as daos_server does, and applies n joins.
type msReplica struct {
	gs  *grpc.Server
	tr  *msdb.Transport
	rep *msdb.Replica
	db  *system.Database
}

func startReplica(t *testing.T, addr, dir string) *msReplica {
	t.Helper()
	lis, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	r := &msReplica{gs: grpc.NewServer(), db: system.NewDatabase()}
	r.tr = msdb.NewTransport(r.gs, addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	go r.gs.Serve(lis)
	r.rep, err = msdb.Open(msdb.Config{Dir: dir, Replicas: []string{addr}, Transport: r.tr, DB: r.db,
		Logger: slog.New(slog.DiscardHandler),
		Timing: msdb.Timing{Heartbeat: 300 * time.Millisecond, Election: 300 * time.Millisecond, LeaderLease: 250 * time.Millisecond}})
	require.NoError(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for !r.rep.IsLeader() {
		require.True(t, time.Now().Before(deadline), "no leader")
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

func (r *msReplica) stop() {
	r.rep.Close()
	r.gs.Stop()
	r.tr.Close()
}

func TestMSStatusNotAReplica(t *testing.T) {
	dir := t.TempDir()
	cfg := msConfig(t, dir, freePort(t), false)
	out, errOut, code := runMS("-o", cfg, "ms", "status")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "is not a management service replica")
	out, _, code = runMS("-o", cfg, "-j", "ms", "status")
	require.Equal(t, 0, code)
	require.Contains(t, out, `"replica": false`)

	_, errOut, code = runMS("-o", cfg, "ms", "recover", "-f")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "not a management service replica")

	_, errOut, code = runMS("--ignore-config", "ms", "status")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no server config")
}

func TestMSStatusMissingDB(t *testing.T) {
	dir := t.TempDir()
	cfg := msConfig(t, dir, freePort(t), true)
	out, errOut, code := runMS("-o", cfg, "ms", "status")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, filepath.Join(dir, "md", "daos_control", "control_raft", msdb.DBFile))
	require.Contains(t, out, "does not exist yet")
	_, errOut, code = runMS("-o", cfg, "ms", "recover", "-f")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "nothing to recover")
	_, err := os.Stat(filepath.Join(dir, "md"))
	require.True(t, os.IsNotExist(err), "status and recover created nothing")
}

func TestMSRecover(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cfg := msConfig(t, dir, port, true)
	raft := filepath.Join(dir, "md", "daos_control", "control_raft")

	r := startReplica(t, addr, raft)
	for i := 0; i < 12; i++ {
		_, err := r.rep.Apply(context.Background(), &system.Command{Op: system.OpJoin,
			Join: &system.JoinRequest{UUID: fmt.Sprintf("u%d", i), Addr: fmt.Sprintf("h%d:10001", i), Rank: system.NilRank}})
		require.NoError(t, err)
	}
	// While the server runs, both commands refuse and change nothing.
	_, errOut, code := runMS("-o", cfg, "ms", "status")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "appears to be running")
	_, errOut, code = runMS("-o", cfg, "ms", "recover", "-f")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "appears to be running")
	r.stop()

	// Stopped: its database (held by nobody) is described.
	out, errOut, code := runMS("-o", cfg, "-j", "ms", "status")
	require.Equal(t, 0, code, errOut)
	var env struct{ Response msStatus }
	require.NoError(t, json.Unmarshal([]byte(out), &env))
	st := env.Response
	require.True(t, st.Replica && st.Exists)
	require.Equal(t, []string{addr}, st.Voters)
	require.NotZero(t, st.LastIndex)
	out, _, _ = runMS("-o", cfg, "ms", "status")
	require.Contains(t, out, "Replica set:  "+addr)

	// No -f: refused off a terminal; asked on one.
	_, errOut, code = runMS("-o", cfg, "ms", "recover")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "-f/--force")
	orig := isTerminal
	t.Cleanup(func() { isTerminal = orig })
	isTerminal = func(io.Reader) bool { return true }
	_, errOut, code = runMSWithInput(strings.NewReader("n\n"), "-o", cfg, "ms", "recover")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "not confirmed")
	entries, err := os.ReadDir(raft)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), "backup-"), "a refused recover wrote %s", e.Name())
	}

	out, errOut, code = runMSWithInput(strings.NewReader("y\n"), "-o", cfg, "ms", "recover")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, addr+" is now the only management service replica")
	out, errOut, code = runMS("-o", cfg, "-j", "ms", "recover", "-f")
	require.Equal(t, 0, code, errOut)
	var rec struct{ Response msRecoverResult }
	require.NoError(t, json.Unmarshal([]byte(out), &rec))
	_, err = os.Stat(filepath.Join(rec.Response.Backup, msdb.DBFile))
	require.NoError(t, err, "backup kept")

	// The recovered database opens and serves with every record.
	r = startReplica(t, addr, raft)
	defer r.stop()
	require.NoError(t, r.rep.Barrier(context.Background()))
	require.Len(t, r.db.Members(), 12)
}
