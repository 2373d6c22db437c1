package client

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/objproto"
)

// pager lists exts upwards n at a time, as the engine does (its anchor:
// the end of the last extent given).
func pager(exts []daos.Recx, n int, calls *int) func(a []byte) (RecxPage, error) {
	return func(a []byte) (RecxPage, error) {
		*calls++
		from := uint64(0)
		if a != nil {
			from = binary.BigEndian.Uint64(a)
		}
		var pg RecxPage
		pg.EOF = true
		for _, x := range exts {
			if x.End() <= from {
				continue
			}
			if len(pg.Extents) == n {
				pg.EOF = false
				break
			}
			pg.Extents = append(pg.Extents, objproto.Extent{Recx: x})
			pg.RecordSize = 1
			pg.Anchor = binary.BigEndian.AppendUint64(nil, x.End())
		}
		return pg, nil
	}
}

func TestLastBelowPagesDownwards(t *testing.T) {
	var exts []daos.Recx
	for i := uint64(0); i < 23; i++ {
		exts = append(exts, daos.Recx{Idx: i * 10, Nr: 5})
	}
	for _, max := range []int{1, 4, 7, 23, 50} {
		var got []daos.Recx
		var anchor []byte
		calls := 0
		for pages := 0; ; pages++ {
			require.Less(t, pages, 30)
			pg, err := lastBelow(anchor, max, pager(exts, max, &calls))
			require.NoError(t, err)
			require.LessOrEqual(t, len(pg.Extents), max)
			for _, x := range pg.Extents {
				got = append(got, x.Recx)
			}
			if pg.EOF {
				break
			}
			anchor = pg.Anchor
		}
		require.Len(t, got, len(exts), "max %d", max)
		for i := range got {
			assert.Equal(t, exts[len(exts)-1-i], got[i], "max %d", max)
		}
	}

	// Nothing there: an empty last page.
	calls := 0
	pg, err := lastBelow(nil, 4, pager(nil, 4, &calls))
	require.NoError(t, err)
	assert.True(t, pg.EOF)
	assert.Empty(t, pg.Extents)

	// An extent written across the anchor since is cut at it.
	anchor := binary.BigEndian.AppendUint64(nil, 12)
	pg, err = lastBelow(anchor, 4, pager([]daos.Recx{{Idx: 0, Nr: 3}, {Idx: 8, Nr: 10}}, 4, &calls))
	require.NoError(t, err)
	assert.True(t, pg.EOF)
	require.Len(t, pg.Extents, 2)
	assert.Equal(t, daos.Recx{Idx: 8, Nr: 4}, pg.Extents[0].Recx)
	assert.Equal(t, daos.Recx{Idx: 0, Nr: 3}, pg.Extents[1].Recx)
}

func TestIOMapAdd(t *testing.T) {
	asked := []daos.Recx{{Idx: 0, Nr: 4}, {Idx: 10, Nr: 10}}
	var m IOMap
	for _, f := range []daos.Recx{{Idx: 2, Nr: 10}, {Idx: 15, Nr: 2}, {Idx: 18, Nr: 5}} {
		m.add(f, asked, 2)
	}
	assert.Equal(t, 4, m.Count)
	assert.Equal(t, []daos.Recx{{Idx: 2, Nr: 2}, {Idx: 10, Nr: 2}}, m.Extents)
	assert.Equal(t, daos.Recx{Idx: 2, Nr: 2}, m.Lo)
	assert.Equal(t, daos.Recx{Idx: 18, Nr: 2}, m.Hi)
}
