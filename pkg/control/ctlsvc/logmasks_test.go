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

// maskEngines has one running engine and one that is down.
type maskEngines struct {
	noUsage
	got []*enginepb.SetLogMasksReq
}

func (m *maskEngines) SetEngineLogMasks(_ context.Context, req *enginepb.SetLogMasksReq) []server.EngineLogMasks {
	m.got = append(m.got, req)
	return []server.EngineLogMasks{
		{Index: 0, Masks: req.Masks, Streams: req.Streams, Subsystems: req.Subsystems},
		{Index: 1, Status: -1013, Err: "engine 1 is not running (state Stopped): its log masks were not set"},
	}
}

func TestSetEngineLogMasks(t *testing.T) {
	eng := &maskEngines{}
	svc := &Service{Engines: eng, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

	resp, err := svc.SetEngineLogMasks(context.Background(), &ctlpb.SetLogMasksReq{Masks: "ERR,mgmt=DEBUG", Streams: "io", Subsystems: "pool"})
	require.NoError(t, err)
	require.Len(t, resp.Engines, 2)
	require.Equal(t, "ERR,mgmt=DEBUG", resp.Engines[0].Masks)
	require.Equal(t, "io", resp.Engines[0].Streams)
	require.Equal(t, "pool", resp.Engines[0].Subsystems)
	require.Equal(t, uint32(1), resp.Engines[1].Index)
	require.Equal(t, int32(-1013), resp.Engines[1].Status)
	require.Contains(t, resp.Engines[1].Error, "not running")
	require.Equal(t, &enginepb.SetLogMasksReq{Masks: "ERR,mgmt=DEBUG", Streams: "io", Subsystems: "pool"}, eng.got[0])

	_, err = svc.SetEngineLogMasks(context.Background(), &ctlpb.SetLogMasksReq{Masks: "ERR,mgmt=LOUD"})
	require.Equal(t, codes.InvalidArgument, status.Code(err))
	require.Contains(t, err.Error(), `"mgmt=LOUD"`)
	require.Len(t, eng.got, 1, "a bad mask reaches no engine")

	_, err = (&Service{Engines: noUsage{}}).SetEngineLogMasks(context.Background(), &ctlpb.SetLogMasksReq{})
	require.Equal(t, codes.Unimplemented, status.Code(err))
}
