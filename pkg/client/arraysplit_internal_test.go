package client

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

// TestSplitChecksLengthsFirst checks that ranges the buffers cannot hold
// are refused before any piece is made: a range of 2^50 cells in 1 MiB
// chunks would otherwise make 2^30 pieces. Overflowing ranges and sums
// are refused too, and a matching request is cut at chunk boundaries.
func TestSplitChecksLengthsFirst(t *testing.T) {
	a := &Array{cellSize: 1, chunkSize: 1 << 20}
	for name, rs := range map[string][]Range{
		"huge range":        {{Idx: 0, Len: 1 << 50}},
		"range overflows":   {{Idx: math.MaxUint64 - 10, Len: 20}},
		"sum overflows":     {{Idx: 0, Len: math.MaxUint64 / 2}, {Idx: 0, Len: math.MaxUint64 / 2}, {Idx: 0, Len: 4096}},
		"bytes overflow":    {{Idx: 0, Len: math.MaxUint64 / 2}},
		"short of buffers":  {{Idx: 0, Len: 4095}},
		"more than buffers": {{Idx: 0, Len: 4097}},
	} {
		t.Run(name, func(t *testing.T) {
			b := a
			if name == "bytes overflow" {
				b = &Array{cellSize: 4, chunkSize: 1 << 20}
			}
			ps, err := b.split(rs, 4096)
			require.ErrorIs(t, err, daos.ErrInval)
			require.Nil(t, ps)
		})
	}
	ps, err := a.split([]Range{{Idx: (1 << 20) - 100, Len: 300}, {Idx: 5, Len: 3796}}, 4096)
	require.NoError(t, err)
	require.Equal(t, []piece{
		{chunk: 0, recx: daos.Recx{Idx: (1 << 20) - 100, Nr: 100}, off: 0},
		{chunk: 1, recx: daos.Recx{Idx: 0, Nr: 200}, off: 100},
		{chunk: 0, recx: daos.Recx{Idx: 5, Nr: 3796}, off: 300},
	}, ps)
}
