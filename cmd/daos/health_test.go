package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

func TestHealthCheck(t *testing.T) {
	const hidden = "00000000-1111-4222-8333-444455556666"
	const broken = "99999999-1111-4222-8333-444455556666"
	a := &fakeAgent{info: &mgmtpb.GetAttachInfoResp{Sys: "daos_server", MsRanks: []uint32{0},
		ClientNetHint: &mgmtpb.ClientNetHint{Provider: "tcp"},
		RankUris:      []*mgmtpb.GetAttachInfoResp_RankUri{{Rank: 0, Uri: "tcp://127.0.0.2:1"}, {Rank: 1, Uri: "tcp://127.0.0.3:1"}}},
		pools: []*mgmtpb.ListPoolsResp_Pool{{Uuid: poolUUID, Label: "tank", State: "Ready"}, {Uuid: hidden, Label: "secret"}}}
	f := &fakePool{conts: []*poolsvc.ContInfo{{UUID: "0d6c7c1e-1111-4222-8333-444455556666", Label: "good"}}}
	connect := func(ctx context.Context, sys, pool string, flags uint64) (poolHandle, func(), error) {
		switch pool {
		case hidden:
			return nil, nil, daos.Errorf(daos.ErrNoPerm, "connect to pool %s", pool)
		case broken:
			return nil, nil, daos.Errorf(daos.ErrTimedout, "connect to pool %s", pool)
		}
		return f.connect(ctx, sys, pool, flags)
	}
	out, errOut, code := runAgent(t, a, connect, "health", "check")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "System Name     : daos_server")
	require.Contains(t, out, "Engine Ranks    : [0-1]")
	require.Contains(t, out, "tank: Ready, 12 targets (0 disabled), rebuild idle, 1 containers (1 healthy)")
	require.NotContains(t, out, "secret", "a pool this user cannot connect to is not shown")
	require.NotContains(t, out, "good", "healthy containers only with -v")
	require.Contains(t, out, "Health check passed")
	out, _, _ = runAgent(t, a, connect, "health", "check", "-v")
	require.Contains(t, out, "    good: HEALTHY")

	// An unclean container and an unreachable pool are problems, and the
	// command fails; -j reports them in its reply.
	f.conts = append(f.conts, &poolsvc.ContInfo{UUID: "1d6c7c1e-1111-4222-8333-444455556666", Label: "hurt", Status: "UNCLEAN"})
	a.pools = append(a.pools, &mgmtpb.ListPoolsResp_Pool{Uuid: broken, Label: "down"})
	out, errOut, code = runAgent(t, a, connect, "health", "check")
	require.NotZero(t, code)
	require.Contains(t, out, "    hurt: UNCLEAN")
	require.Contains(t, out, "down: unreachable")
	require.Contains(t, out, "Problems (2)")
	require.Contains(t, errOut, "2 problem(s)")
	out, _, code = runAgent(t, a, connect, "-j", "health", "check")
	require.Zero(t, code, "as JSON the problems are in the one reply")
	var env struct {
		Response healthReport `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Len(t, env.Response.Problems, 2)
	require.Len(t, env.Response.Pools, 2)
}
