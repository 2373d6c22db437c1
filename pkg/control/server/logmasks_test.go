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

// TestSetEngineLogMasks forwards to a ready engine (a dRPC stand-in that
// echoes the request) and reports a stopped one.
func TestSetEngineLogMasks(t *testing.T) {
	var got []*enginepb.SetLogMasksReq
	sock := fakeEngine(t, func(srv *drpc.Server) {
		srv.Register(drpc.ModuleMgmt, drpc.MethodSetLogMasks, func(_ context.Context, body []byte) ([]byte, error) {
			req := &enginepb.SetLogMasksReq{}
			if err := proto.Unmarshal(body, req); err != nil {
				return nil, err
			}
			got = append(got, req)
			if req.Masks == "BAD" {
				return proto.Marshal(&enginepb.SetLogMasksResp{Status: int32(daos.ErrInval.DerCode()), Error: "bad mask"})
			}
			masks := req.Masks
			if masks == "" {
				masks = "ERR" // the engine's configured mask
			}
			return proto.Marshal(&enginepb.SetLogMasksResp{Masks: masks, Streams: req.Streams, Subsystems: req.Subsystems})
		})
	})

	ready := &instance{idx: 0, state: StateReady, client: drpc.NewClient(sock, 0)}
	defer ready.client.Close()
	stopped := &instance{idx: 1, state: StateStopped}
	s := &Server{opts: Options{CallTimeout: time.Second}, instances: []*instance{ready, stopped}}

	res := s.SetEngineLogMasks(context.Background(), &enginepb.SetLogMasksReq{Masks: "ERR,mgmt=DEBUG", Streams: "io"})
	require.Len(t, res, 2)
	require.Equal(t, EngineLogMasks{Index: 0, Masks: "ERR,mgmt=DEBUG", Streams: "io"}, res[0])
	require.Equal(t, 1, res[1].Index)
	require.Equal(t, int32(daos.ErrUnreach.DerCode()), res[1].Status)
	require.Contains(t, res[1].Err, "engine 1 is not running (state Stopped)")
	require.Len(t, got, 1, "only the running engine is called")

	res = s.SetEngineLogMasks(context.Background(), &enginepb.SetLogMasksReq{})
	require.Equal(t, "ERR", res[0].Masks, "an empty request resets")

	res = s.SetEngineLogMasks(context.Background(), &enginepb.SetLogMasksReq{Masks: "BAD"})
	require.Equal(t, int32(daos.ErrInval.DerCode()), res[0].Status)
	require.Equal(t, "engine 0: bad mask", res[0].Err)
	require.Contains(t, res[1].Err, "not running", "each engine gets its own outcome")
}
