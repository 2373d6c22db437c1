package client_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// TestOIT builds a table of the objects at an epoch, lists it in small
// pages, marks and filters ids, and drops it.
func TestOIT(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	iod := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 1}}
	var want []daos.ObjectID
	var at daos.Epoch
	for i := range 7 {
		oid := oidOf(t, c, []string{"S1", "S2", "SX"}[i%3], uint64(3000+i))
		o, err := c.Object(oid)
		require.NoError(t, err)
		e, err := o.Update(ctx, []byte("d"), iod, [][]byte{{byte(i)}}, 0)
		require.NoError(t, err)
		at = max(at, e)
		want = append(want, oid)
	}
	slices.SortFunc(want, daos.ObjectID.Compare)
	later, err := c.Object(oidOf(t, c, "S1", 3100))
	require.NoError(t, err)
	_, err = later.Update(ctx, []byte("d"), iod, [][]byte{{9}}, 0)
	require.NoError(t, err)

	_, err = c.OpenOITAt(ctx, at)
	assert.ErrorIs(t, err, daos.ErrNonexist, "no table yet")
	require.NoError(t, c.WriteOIT(ctx, at))
	tab, err := c.OpenOITAt(ctx, at)
	require.NoError(t, err)

	list := func(filter func(daos.ObjectID, []byte) (bool, error)) ([]daos.ObjectID, error) {
		var got []daos.ObjectID
		a := &client.Anchor{}
		for pages := 0; !a.EOF; pages++ {
			require.Less(t, pages, 50, "the listing does not end")
			ids, err := tab.List(ctx, a, 3, filter)
			if err != nil {
				return got, err
			}
			require.LessOrEqual(t, len(ids), 3)
			got = append(got, ids...)
		}
		slices.SortFunc(got, daos.ObjectID.Compare)
		return got, nil
	}
	got, err := list(nil)
	require.NoError(t, err)
	assert.Equal(t, want, got, "the objects at the epoch, not the later one")

	// The table is the container's own: object listings leave it out.
	all, err := c.ListObjects(ctx, 0)
	require.NoError(t, err)
	assert.Len(t, all, 8)
	for _, id := range all {
		assert.False(t, client.IsOIT(id), id)
	}

	// Markers: set, seen by a filter, cleared; bad ones refused.
	require.NoError(t, tab.Mark(ctx, want[0], []byte("done")))
	require.NoError(t, tab.Mark(ctx, want[1], []byte("also")))
	assert.ErrorIs(t, tab.Mark(ctx, daos.ObjectID{Hi: 1, Lo: 2}, []byte("x")), daos.ErrNonexist)
	assert.ErrorIs(t, tab.Mark(ctx, want[2], make([]byte, client.OITMarkerMax+1)), daos.ErrInval)
	assert.ErrorIs(t, tab.Mark(ctx, want[2], []byte{}), daos.ErrInval)
	marks := map[daos.ObjectID]string{}
	unmarked, err := list(func(id daos.ObjectID, m []byte) (bool, error) {
		if m != nil {
			marks[id] = string(m)
		}
		return m == nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, want[2:], unmarked)
	assert.Equal(t, map[daos.ObjectID]string{want[0]: "done", want[1]: "also"}, marks)
	require.NoError(t, tab.Mark(ctx, want[0], nil))
	unmarked, err = list(func(_ daos.ObjectID, m []byte) (bool, error) { return m == nil, nil })
	require.NoError(t, err)
	assert.Len(t, unmarked, 6)
	stop := errors.New("enough")
	_, err = list(func(daos.ObjectID, []byte) (bool, error) { return false, stop })
	assert.ErrorIs(t, err, stop, "a filter's error ends the listing")

	// Destroyed (daos_cont_snap_oit_destroy; DestroySnap does the same
	// before it destroys the snapshot).
	require.NoError(t, tab.Destroy(ctx))
	_, err = c.OpenOITAt(ctx, at)
	assert.ErrorIs(t, err, daos.ErrNonexist, fmt.Sprint("dropped at ", at))
}
