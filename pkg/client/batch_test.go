package client_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

func entryStep(dkey, val string, flags daos.CondFlags) client.BatchStep {
	return client.BatchStep{Kind: client.BatchUpdate, Dkey: []byte(dkey), Flags: flags,
		IODs: []daos.IOD{{Name: []byte("e"), Type: daos.IODSingle, Size: uint64(len(val))}}, Data: [][]byte{[]byte(val)}}
}

func TestBatch(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	o, err := c.Object(oidOf(t, c, "S1", 1))
	require.NoError(t, err)
	_, err = o.Update(ctx, []byte("old"), []daos.IOD{{Name: []byte("e"), Type: daos.IODSingle, Size: 3}}, [][]byte{[]byte("abc")}, 0)
	require.NoError(t, err)

	// A rename: new name in, old name out, in one step.
	_, err = o.Batch(ctx, []client.BatchStep{
		entryStep("new", "abc", daos.CondDkeyInsert),
		{Kind: client.BatchPunchDkey, Dkey: []byte("old"), Flags: daos.CondPunch},
	})
	require.NoError(t, err)
	keys, err := o.ListDkeys(ctx, daos.EpochMax, &client.Anchor{}, 10)
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("new")}, keys)

	// A failed condition changes nothing.
	_, err = o.Batch(ctx, []client.BatchStep{
		entryStep("other", "x", daos.CondDkeyInsert),
		{Kind: client.BatchPunchDkey, Dkey: []byte("old"), Flags: daos.CondPunch},
	})
	assert.ErrorIs(t, err, daos.ErrNonexist)
	keys, err = o.ListDkeys(ctx, daos.EpochMax, &client.Anchor{}, 10)
	require.NoError(t, err)
	assert.Len(t, keys, 1)

	// Bad steps are refused before anything is sent.
	_, err = o.Batch(ctx, nil)
	assert.ErrorIs(t, err, daos.ErrInval)
	_, err = o.Batch(ctx, []client.BatchStep{{Kind: client.BatchUpdate, Dkey: []byte("a"), IODs: []daos.IOD{{Name: []byte("e"), Type: daos.IODSingle, Size: 1}}}})
	assert.ErrorIs(t, err, daos.ErrIoInval)
	_, err = o.Batch(ctx, []client.BatchStep{{Kind: 77, Dkey: []byte("a")}})
	assert.Error(t, err)

	// Dkeys of a many-group object mostly land in different groups.
	sx, err := c.Object(oidOf(t, c, "SX", 2))
	require.NoError(t, err)
	var steps []client.BatchStep
	for i := range 8 {
		steps = append(steps, entryStep(fmt.Sprint("k", i), "v", 0))
	}
	_, err = sx.Batch(ctx, steps)
	assert.ErrorIs(t, err, daos.ErrNotsupported)

	// Read-only objects refuse.
	ro, err := c.OpenObject(oidOf(t, c, "S1", 1), client.OORO)
	require.NoError(t, err)
	_, err = ro.Batch(ctx, []client.BatchStep{entryStep("z", "v", 0)})
	assert.ErrorIs(t, err, daos.ErrNoPerm)
}
