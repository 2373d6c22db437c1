package client_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

// TestRecxListingAndIOMaps: extents of an array akey listed downwards
// page by page against the engines, and the I/O map of a fetch range.
func TestRecxListingAndIOMaps(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	o, err := c.Object(oidOf(t, c, "SX", 7))
	require.NoError(t, err)
	dk, ak := []byte("d"), []byte("a")
	var written []daos.Recx
	for i := uint64(0); i < 9; i++ {
		r := daos.Recx{Idx: i * 100, Nr: 10 + i}
		written = append(written, r)
		_, err := o.Update(ctx, dk, []daos.IOD{{Name: ak, Type: daos.IODArray, Size: 2, Recxs: []daos.Recx{r}}}, [][]byte{make([]byte, 2*r.Nr)}, 0)
		require.NoError(t, err)
	}
	var got []daos.Recx
	var anchor []byte
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		pg, err := o.ListRecxDecreasing(ctx, daos.EpochMax, dk, ak, anchor, 4)
		require.NoError(t, err)
		assert.Equal(t, uint64(2), pg.RecordSize)
		for _, x := range pg.Extents {
			got = append(got, x.Recx)
		}
		if pg.EOF {
			break
		}
		anchor = pg.Anchor
	}
	require.Len(t, got, len(written))
	for i := range got {
		assert.Equal(t, written[len(written)-1-i], got[i])
	}
	_, err = o.ListRecxDecreasing(ctx, daos.EpochMax, dk, ak, []byte{1}, 4)
	assert.ErrorIs(t, err, daos.ErrInval)

	m, err := o.DataExtents(ctx, daos.EpochMax, dk, ak, []daos.Recx{{Idx: 5, Nr: 300}}, 2)
	require.NoError(t, err)
	assert.Equal(t, 4, m.Count)
	assert.Equal(t, []daos.Recx{{Idx: 5, Nr: 5}, {Idx: 100, Nr: 11}}, m.Extents)
	assert.Equal(t, daos.Recx{Idx: 5, Nr: 5}, m.Lo)
	assert.Equal(t, daos.Recx{Idx: 300, Nr: 5}, m.Hi)
	m, err = o.DataExtents(ctx, daos.EpochMax, dk, ak, []daos.Recx{{Idx: 20, Nr: 50}}, -1)
	require.NoError(t, err)
	assert.Zero(t, m.Count)
	assert.Empty(t, m.Extents)
}
