package server

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// TestSmdQuery forwards SMD_LIST_DEVS and SMD_LIST_POOLS to a ready
// engine (a dRPC stand-in), reports a stopped one, and keeps to the
// requested ranks.
func TestSmdQuery(t *testing.T) {
	var health []bool
	sock := fakeEngine(t, func(srv *drpc.Server) {
		srv.Register(drpc.ModuleMgmt, drpc.MethodSmdListDevs, func(_ context.Context, body []byte) ([]byte, error) {
			req := &enginepb.SmdDevReq{}
			if err := proto.Unmarshal(body, req); err != nil {
				return nil, err
			}
			health = append(health, req.IncludeHealth)
			d := &enginepb.SmdDevice{Uuid: "d0", State: "NORMAL", TgtIds: []int32{0, 1}}
			if req.IncludeHealth {
				d.Health = &enginepb.BioHealth{TotalBytes: 1 << 30}
			}
			return proto.Marshal(&enginepb.SmdDevResp{Devices: []*enginepb.SmdDevice{d}})
		})
		srv.Register(drpc.ModuleMgmt, drpc.MethodSmdListPools, func(context.Context, []byte) ([]byte, error) {
			return proto.Marshal(&enginepb.SmdPoolResp{Pools: []*enginepb.SmdPool{{Uuid: "p0", TgtIds: []int32{0, 1}}}})
		})
	})

	ready := &instance{idx: 0, state: StateReady, client: drpc.NewClient(sock, 0), rank: 4, hasRank: true}
	defer ready.client.Close()
	stopped := &instance{idx: 1, state: StateStopped, rank: 5, hasRank: true}
	s := &Server{opts: Options{CallTimeout: time.Second}, instances: []*instance{ready, stopped}}

	res := s.SmdQuery(context.Background(), SmdQuery{Devices: true, Pools: true, Health: true})
	require.Len(t, res, 2)
	require.Equal(t, uint32(4), res[0].Rank)
	require.Empty(t, res[0].Err)
	require.Len(t, res[0].Devices, 1)
	require.Equal(t, uint64(1<<30), res[0].Devices[0].Health.TotalBytes)
	require.Len(t, res[0].Pools, 1)
	require.Equal(t, 1, res[1].Index)
	require.Equal(t, int32(daos.ErrUnreach.DerCode()), res[1].Status)
	require.Contains(t, res[1].Err, "engine 1 (rank 5) is not running (state Stopped)")
	require.Equal(t, []bool{true}, health)

	res = s.SmdQuery(context.Background(), SmdQuery{Devices: true, Ranks: map[uint32]bool{5: true}})
	require.Len(t, res, 1)
	require.Equal(t, uint32(5), res[0].Rank)
	require.NotEmpty(t, res[0].Err)

	res = s.SmdQuery(context.Background(), SmdQuery{Pools: true, Ranks: map[uint32]bool{4: true}})
	require.Len(t, res, 1)
	require.Empty(t, res[0].Devices, "devices were not asked for")
	require.Len(t, res[0].Pools, 1)
	require.Equal(t, []bool{true}, health, "SMD_LIST_DEVS is not called for pools only")

	require.Empty(t, s.SmdQuery(context.Background(), SmdQuery{Devices: true, Ranks: map[uint32]bool{9: true}}))
}
