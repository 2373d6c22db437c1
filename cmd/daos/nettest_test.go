package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rpc/selftest"
)

// TestNetTest runs net-test against two in-process "engines" serving the
// self-test with an engine's limits.
func TestNetTest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var uris []*mgmtpb.GetAttachInfoResp_RankUri
	for r := range 2 {
		reg := rpc.NewRegistry()
		release, err := selftest.RegisterLimited(reg, selftest.EngineLimits)
		require.NoError(t, err)
		defer release()
		srv, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp"}, Registry: reg})
		require.NoError(t, err)
		defer srv.Close()
		uris = append(uris, &mgmtpb.GetAttachInfoResp_RankUri{Rank: uint32(r), Uri: srv.URI().String()})
	}
	cl, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp"}})
	require.NoError(t, err)
	defer cl.Close()
	a := &fakeAgent{ep: cl, info: &mgmtpb.GetAttachInfoResp{Sys: "daos_server", RankUris: uris}}

	out, errOut, code := runAgent(t, a, nil, "health", "net-test", "-c", "50", "-s", "64,2m", "-m", "4", "-y")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "MB/s")
	require.Contains(t, out, "rpc ping")
	require.Contains(t, out, "bulk pull")
	// The slowest rank of each test, or with -v every rank.
	require.Equal(t, 2, strings.Count(out, "rpc ping")+strings.Count(out, "bulk pull"), out)
	out, errOut, code = runAgent(t, a, nil, "health", "net-test", "-c", "20", "-s", "64,2m", "-v")
	require.Zero(t, code, errOut)
	require.Equal(t, 4, strings.Count(out, "rpc ping")+strings.Count(out, "bulk pull"), out)
	out, errOut, code = runAgent(t, a, nil, "-j", "health", "net-test", "-r", "1", "-c", "20", "-s", "4k")
	require.Zero(t, code, errOut)
	var env struct {
		Response []netTestRow `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Len(t, env.Response, 1)
	require.Equal(t, uint32(1), env.Response[0].Rank)
	require.Equal(t, int64(4096), env.Response[0].Size)
	require.Equal(t, 20, env.Response[0].Calls)

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"-r", "7"}, "rank 7 is not in the system"},
		{[]string{"-t", "3"}, "tag 0"},
		{[]string{"-s", "128m"}, "engines take at most 64 MiB"},
		{[]string{"-s", "32m", "-m", "16"}, "in flight"},
		{[]string{"-s", "1x"}, "--size"},
		{[]string{"-m", "0"}, "--max-inflight"},
		{[]string{"-c", "0"}, "--rep-count"},
		{[]string{"-r", "x"}, "--ranks"},
	} {
		_, errOut, code := runAgent(t, a, nil, append([]string{"health", "net-test"}, bad.args...)...)
		require.NotZero(t, code, bad.args)
		require.Contains(t, errOut, bad.want, bad.args)
	}
}
