package engine

import (
	"context"
	"errors"
	"testing"
	"time"

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

func TestServiceRankChoice(t *testing.T) {
	// Two domains (ids 1 and 2) of ranks 0,1 and 2,3.
	tree := []uint32{2, 0, 2, 1, 1, 2, 1, 2, 2, 0, 1, 2, 3}
	fd := rankDomains(tree, []uint32{0, 1, 2, 3})
	assert.Equal(t, map[uint32]string{0: "/fd1", 1: "/fd1", 2: "/fd2", 3: "/fd2"}, fd)
	assert.Equal(t, []uint32{0, 2, 1}, pickServiceRanks([]uint32{0, 1, 2, 3}, fd, 3))
	assert.Equal(t, []uint32{0, 2, 1, 3}, pickServiceRanks([]uint32{0, 1, 2, 3}, fd, 9), "clamped to the ranks")
	assert.Equal(t, []uint32{0}, pickServiceRanks([]uint32{0, 1, 2, 3}, fd, 0))
	// A tree that cannot be read: each rank its own domain.
	assert.Equal(t, "/rank5", rankDomains([]uint32{2, 0, 9}, []uint32{5})[5])
}

// An engine that has just joined may be asked for ranks its group map
// does not name yet: urisFor waits for the update that names them, and
// gives up after its bound (or the caller's ctx) with what it has.
func TestURIsForWaitsForGroupUpdate(t *testing.T) {
	m := &membership{}
	got := make(chan []string, 1)
	go func() { got <- m.replicaURIs(context.Background(), []uint32{1, 0}) }()
	select {
	case r := <-got:
		t.Fatalf("answered %v before rank 1 was known", r)
	case <-time.After(50 * time.Millisecond):
	}
	assert.Zero(t, call(t, m.groupUpdate, &enginepb.GroupUpdateReq{MapVersion: 2, Engines: []*enginepb.GroupUpdateReq_Engine{
		{Rank: 0, Uri: "tcp://a"}, {Rank: 1, Uri: "tcp://b"}}}))
	select {
	case r := <-got:
		assert.Equal(t, []string{"tcp://b", "tcp://a"}, r, "in the ranks' order")
	case <-time.After(5 * time.Second):
		t.Fatal("the update did not wake the waiter")
	}

	// Once a map is there, a rank it lacks is not waited for.
	start := time.Now()
	assert.Equal(t, []string{"tcp://a"}, m.replicaURIs(context.Background(), []uint32{0, 9}))
	assert.Less(t, time.Since(start), time.Second)

	// Before any map, the wait ends with the caller's ctx.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.Empty(t, (&membership{}).replicaURIs(ctx, []uint32{0}))
}

// A pool plan names ranks the management service has joined: urisNaming
// waits for a map that names them even when the engine already has one
// (it lags the system's by up to a membership interval), and pool create
// refuses what is still missing with DER_GRPVER, which dmg retries.
func TestURIsNamingWaitsForLaggingMap(t *testing.T) {
	m := &membership{}
	assert.Zero(t, call(t, m.groupUpdate, &enginepb.GroupUpdateReq{MapVersion: 1, Engines: []*enginepb.GroupUpdateReq_Engine{
		{Rank: 0, Uri: "tcp://a"}}}))
	got := make(chan map[uint32]string, 1)
	go func() { got <- m.urisNaming(context.Background(), []uint32{0, 1}) }()
	select {
	case r := <-got:
		t.Fatalf("answered %v before rank 1 was known", r)
	case <-time.After(50 * time.Millisecond):
	}
	assert.Zero(t, call(t, m.groupUpdate, &enginepb.GroupUpdateReq{MapVersion: 2, Engines: []*enginepb.GroupUpdateReq_Engine{
		{Rank: 0, Uri: "tcp://a"}, {Rank: 1, Uri: "tcp://b"}}}))
	select {
	case r := <-got:
		assert.Equal(t, map[uint32]string{0: "tcp://a", 1: "tcp://b"}, r)
		assert.NoError(t, lagging(r, []uint32{0, 1}, "pool create"))
	case <-time.After(5 * time.Second):
		t.Fatal("the update did not wake the waiter")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	uris := m.urisNaming(ctx, []uint32{0, 7})
	err := lagging(uris, []uint32{0, 7}, "pool create")
	assert.True(t, errors.Is(err, daos.ErrGrpver), "%v", err)
	assert.Contains(t, err.Error(), "rank 7")
}
