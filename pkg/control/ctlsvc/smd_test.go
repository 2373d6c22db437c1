package ctlsvc

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// smdEngines has rank 0 running with two devices and a pool, and rank 1
// down; it keeps to the ranks asked for, as *server.Server does.
type smdEngines struct {
	noUsage
	got []server.SmdQuery
}

func (m *smdEngines) SmdQuery(_ context.Context, q server.SmdQuery) []server.EngineSmd {
	m.got = append(m.got, q)
	all := []server.EngineSmd{
		{Index: 0, Rank: 0, HasRank: true,
			Devices: []*enginepb.SmdDevice{
				{Uuid: "d0", State: "NORMAL", TgtIds: []int32{0, 1}, Health: &enginepb.BioHealth{TotalBytes: 10, Unavailable: []string{"temperature"}}},
				{Uuid: "d1", State: "NORMAL", TgtIds: []int32{}},
			},
			Pools: []*enginepb.SmdPool{{Uuid: "p0", TgtIds: []int32{0, 1}}, {Uuid: "p1", TgtIds: []int32{0, 1}}}},
		{Index: 1, Rank: 1, HasRank: true, Status: -1013, Err: "engine 1 (rank 1) is not running (state Stopped)"},
	}
	var out []server.EngineSmd
	for _, e := range all {
		if q.Ranks == nil || q.Ranks[e.Rank] {
			out = append(out, e)
		}
	}
	return out
}

func TestSmdQuery(t *testing.T) {
	eng := &smdEngines{}
	svc := &Service{Engines: eng, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()

	resp, err := svc.SmdQuery(ctx, &ctlpb.SmdQueryReq{OmitPools: true, IncludeBioHealth: true})
	require.NoError(t, err)
	require.Equal(t, server.SmdQuery{Devices: true, Health: true}, eng.got[0])
	require.Len(t, resp.Ranks, 2)
	require.Len(t, resp.Ranks[0].Devices, 2)
	require.Equal(t, uint64(10), resp.Ranks[0].Devices[0].Health.TotalBytes)
	require.Equal(t, []string{"temperature"}, resp.Ranks[0].Devices[0].Health.Unavailable)
	require.Equal(t, int32(-1013), resp.Ranks[1].Status)
	require.Contains(t, resp.Ranks[1].Error, "not running")

	resp, err = svc.SmdQuery(ctx, &ctlpb.SmdQueryReq{Uuid: "d1", Ranks: "0"})
	require.NoError(t, err)
	require.Equal(t, map[uint32]bool{0: true}, eng.got[1].Ranks)
	require.Len(t, resp.Ranks, 1)
	require.Len(t, resp.Ranks[0].Devices, 1)
	require.Equal(t, "d1", resp.Ranks[0].Devices[0].Uuid)
	require.Empty(t, resp.Ranks[0].Pools, "no pool has the device's UUID")

	resp, err = svc.SmdQuery(ctx, &ctlpb.SmdQueryReq{OmitDevices: true, Uuid: "p1", Ranks: "1"})
	require.NoError(t, err)
	require.Len(t, resp.Ranks, 1)
	require.Equal(t, uint32(1), resp.Ranks[0].Rank)
	require.NotEmpty(t, resp.Ranks[0].Error)

	resp, err = svc.SmdQuery(ctx, &ctlpb.SmdQueryReq{OmitDevices: true, Uuid: "p1"})
	require.NoError(t, err)
	require.Len(t, resp.Ranks[0].Pools, 1)
	require.Equal(t, "p1", resp.Ranks[0].Pools[0].Uuid)

	_, err = svc.SmdQuery(ctx, &ctlpb.SmdQueryReq{Ranks: "x"})
	require.Error(t, err)
	require.Len(t, eng.got, 4, "a bad rank list reaches no engine")

	_, err = (&Service{Engines: noUsage{}}).SmdQuery(ctx, &ctlpb.SmdQueryReq{})
	require.Equal(t, codes.Unimplemented, status.Code(err))
}
