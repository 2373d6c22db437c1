package engine

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

func call(t *testing.T, h func(context.Context, []byte) ([]byte, error), req proto.Message) int32 {
	t.Helper()
	var body []byte
	if req != nil {
		var err error
		body, err = proto.Marshal(req)
		require.NoError(t, err)
	}
	out, err := h(context.Background(), body)
	require.NoError(t, err)
	resp := &enginepb.DaosResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	return resp.Status
}

func TestMembershipHandlers(t *testing.T) {
	m := &membership{}
	assert.Equal(t, int32(daos.ErrUninit.DerCode()), call(t, m.setUp, nil), "set up without a rank")
	assert.Zero(t, call(t, m.setRank, &enginepb.SetRankReq{Rank: 3, MapVersion: 5}))
	assert.Zero(t, call(t, m.setRank, &enginepb.SetRankReq{Rank: 3, MapVersion: 6}))
	assert.Equal(t, int32(daos.ErrInval.DerCode()), call(t, m.setRank, &enginepb.SetRankReq{Rank: 4}))
	assert.Zero(t, call(t, m.setUp, nil))

	assert.Zero(t, call(t, m.groupUpdate, &enginepb.GroupUpdateReq{MapVersion: 7, Engines: []*enginepb.GroupUpdateReq_Engine{
		{Rank: 3, Uri: "tcp://a"}, {Rank: 4, Uri: "tcp://b"}}}))
	assert.Zero(t, call(t, m.groupUpdate, &enginepb.GroupUpdateReq{MapVersion: 6}), "an old map is ignored, not refused")
	s := m.snapshot()
	assert.Equal(t, Membership{Rank: 3, HasRank: true, Up: true, MapVersion: 7,
		Group: map[uint32]string{3: "tcp://a", 4: "tcp://b"}}, s)

	assert.Zero(t, call(t, m.prepShutdown, &enginepb.PrepShutdownReq{Rank: 3}))
	assert.True(t, m.snapshot().Stopping)
	_, err := m.setRank(context.Background(), []byte{0xff, 0xff})
	assert.Error(t, err)
}
