package objsrv_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
)

// TestCollective: one request queries, then punches, an object's shards on
// both targets of an engine; each target's outcome is its own result.
func TestCollective(t *testing.T) {
	uri, _ := engine(t)
	c := client(t)
	ctx := context.Background()
	arr := func(idx uint64) []daos.IOD {
		return []daos.IOD{{Name: []byte("arr"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: idx, Nr: 2}}}}
	}
	// Target 0 holds dkeys d1 and d3, target 1 nothing of the object.
	for _, d := range []string{"d1", "d3"} {
		_, err := c.Update(ctx, objclient.Shard{URI: uri, Target: 0}, hdr(7), []byte(d), arr(5), [][]byte{[]byte("xy")})
		require.NoError(t, err)
	}
	query := objproto.CollReq{Header: hdr(7), Kind: objproto.CollQueryKey, Targets: []uint32{1, 0},
		Query: daos.GetMax | daos.GetDkey | daos.GetRecx, Akey: []byte("arr")}
	res, err := c.Collective(ctx, uri, query)
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.ErrorIs(t, res[0].Err(), daos.ErrNonexist, "target 1 holds nothing")
	require.NoError(t, res[1].Err())
	assert.Equal(t, "d3", string(res[1].Query.Dkey))
	assert.Equal(t, daos.Recx{Idx: 5, Nr: 2}, res[1].Query.Recx)
	assert.NotZero(t, res[1].Query.MaxEpoch)

	// A target the engine does not have fails alone.
	q := query
	q.Targets = []uint32{0, 9}
	res, err = c.Collective(ctx, uri, q)
	require.NoError(t, err)
	require.NoError(t, res[0].Err())
	assert.Error(t, res[1].Err())

	// Naming a target twice is refused as a whole.
	q.Targets = []uint32{0, 0}
	_, err = c.Collective(ctx, uri, q)
	assert.ErrorIs(t, err, daos.ErrInval)

	// The handle checks apply to every target: a read-only handle
	// cannot punch.
	rdonly := hdr(7)
	rdonly.ContHandle = ro
	res, err = c.Collective(ctx, uri, objproto.CollReq{Header: rdonly, Kind: objproto.CollPunch, Targets: []uint32{0, 1}})
	require.NoError(t, err)
	for _, r := range res {
		assert.ErrorIs(t, r.Err(), daos.ErrNoPerm)
	}

	punch := objproto.CollReq{Header: hdr(7), Kind: objproto.CollPunch, Targets: []uint32{0, 1}}
	punch.Epoch = c.Clock.Now()
	res, err = c.Collective(ctx, uri, punch)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err())
	}
	res, err = c.Collective(ctx, uri, query)
	require.NoError(t, err)
	for _, r := range res {
		assert.ErrorIs(t, r.Err(), daos.ErrNonexist, "punched")
	}
}
