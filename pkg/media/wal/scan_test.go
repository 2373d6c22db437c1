package wal

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNextMagicMatchesNaiveScan: the chunked search finds the same aligned
// magic as checking every aligned offset, including magics across chunk
// boundaries, unaligned decoys and candidates at the very limit.
func TestNextMagicMatchesNaiveScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	naive := func(b []byte, from, limit int64) int64 {
		for off := from; off < limit; off += recordAlignBytes {
			if le.Uint32(b[off+recMagicOff:]) == recordMagic {
				return off
			}
		}
		return limit
	}
	for round := 0; round < 200; round++ {
		size := int64(3*scanChunkBytes/2 + rng.IntN(4096)*8)
		b := make([]byte, size)
		for i := 0; i < rng.IntN(6); i++ {
			// Aligned and unaligned magics, some near chunk edges.
			p := rng.Int64N(size - recordHeaderBytes)
			if i%2 == 0 {
				p = scanChunkBytes - 8 + rng.Int64N(16)
			}
			le.PutUint32(b[p:], recordMagic)
		}
		limit := size - recordHeaderBytes + 1
		from := rng.Int64N(limit/8) * 8
		for from < limit {
			got, err := nextMagic(memReader(b), from, limit)
			require.NoError(t, err)
			want := naive(b, from, limit)
			require.Equal(t, want, got, "round %d from %d", round, from)
			if got >= limit {
				break
			}
			from = got + recordAlignBytes
		}
	}
}
