package agent

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/drpc"
)

// ListPools answers with two pools, the second labelled after the system
// asked for, so a test sees what the agent forwarded.
func (m *fakeMgmt) ListPools(_ context.Context, req *mgmtpb.ListPoolsReq) (*mgmtpb.ListPoolsResp, error) {
	return &mgmtpb.ListPoolsResp{DataVersion: 7, Pools: []*mgmtpb.ListPoolsResp_Pool{
		{Uuid: "11111111-2222-3333-4444-555555555555", Label: "tank", SvcReps: []uint32{0, 1, 2}, State: "Ready"},
		{Uuid: "11111111-2222-3333-4444-666666666666", Label: "for_" + req.Sys, State: "Ready"},
	}}, nil
}

func (h *harness) listPools(t *testing.T, sys string) *mgmtpb.ListPoolsResp {
	t.Helper()
	body, err := proto.Marshal(&mgmtpb.ListPoolsReq{Sys: sys})
	require.NoError(t, err)
	out, err := h.client.Call(context.Background(), drpc.ModuleMgmt, MethodListPools, body)
	require.NoError(t, err)
	resp := &mgmtpb.ListPoolsResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	return resp
}

func TestListPoolsForwardsToTheManagementService(t *testing.T) {
	h := start(t, "name: daos_server", nil)
	resp := h.listPools(t, "")
	require.Zero(t, resp.Status)
	require.Len(t, resp.Pools, 2)
	require.Equal(t, "tank", resp.Pools[0].Label)
	require.Equal(t, []uint32{0, 1, 2}, resp.Pools[0].SvcReps)
	// The agent asks for its own system.
	require.Equal(t, "for_daos_server", resp.Pools[1].Label)
	require.EqualValues(t, 7, resp.DataVersion)

	// Another system's name is refused without asking the service.
	resp = h.listPools(t, "other")
	require.EqualValues(t, derInval, resp.Status)
	require.Empty(t, resp.Pools)
}

func TestListPoolsUnreachableService(t *testing.T) {
	m := &fakeMgmt{addr: "127.0.0.1:1"}
	h := start(t, "name: daos_server", m)
	body, err := proto.Marshal(&mgmtpb.ListPoolsReq{})
	require.NoError(t, err)
	out, err := h.client.Call(context.Background(), drpc.ModuleMgmt, MethodListPools, body)
	if err == nil {
		resp := &mgmtpb.ListPoolsResp{}
		require.NoError(t, proto.Unmarshal(out, resp))
		require.NotZero(t, resp.Status, "an unreachable service is not an empty pool list")
	}
}
