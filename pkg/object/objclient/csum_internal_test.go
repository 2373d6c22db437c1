package objclient

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/object/objproto"
)

// A read whose bytes changed on the way (or in the engine after it
// summed them) is DER_CSUM; a reply without sums for a summed container
// too.
func TestVerifyFetch(t *testing.T) {
	h := &objproto.Header{Csum: csum.Spec{Type: csum.CRC64, ChunkBytes: 8}}
	iods := []daos.IOD{
		{Name: []byte("v"), Type: daos.IODSingle, Size: 16},
		{Name: []byte("x"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 3, Nr: 10}}},
	}
	bufs := [][]byte{[]byte("value, 11 b\x00\x00\x00\x00\x00"), []byte("0123456789")}
	sizes := []uint64{11, 1}
	sums, err := updateSums(h, iods[1:], bufs[1:])
	require.NoError(t, err)
	vsum, err := h.Csum.Compute(nil, &iods[0], [][]byte{bufs[0][:11]}, 11)
	require.NoError(t, err)
	all := [][]byte{vsum, sums[0]}
	require.NoError(t, verifyFetch(h, iods, bufs, sizes, all))

	bufs[1][4] = 'X'
	err = verifyFetch(h, iods, bufs, sizes, all)
	assert.ErrorIs(t, err, daos.ErrCsum)
	assert.ErrorContains(t, err, `akey "x"`)
	bufs[1][4] = '4'
	assert.ErrorIs(t, verifyFetch(h, iods, bufs, sizes, nil), daos.ErrCsum)
	assert.ErrorIs(t, verifyFetch(h, iods, bufs, []uint64{12, 1}, all), daos.ErrCsum, "one more byte of the value")
	assert.NoError(t, verifyFetch(&objproto.Header{}, iods, bufs, sizes, nil), "a container without checksums")
	assert.NoError(t, verifyFetch(h, iods, bufs, []uint64{0, 1}, [][]byte{nil, sums[0]}), "no value: nothing to check")
	sizeOnly := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle}, {Name: []byte("x"), Type: daos.IODArray, Recxs: []daos.Recx{{Idx: 3, Nr: 10}}}}
	assert.NoError(t, verifyFetch(h, sizeOnly, [][]byte{nil, nil}, []uint64{11, 1}, nil), "sizes only: no bytes, no sums")
	assert.ErrorIs(t, verifyFetch(h, iods, bufs, sizes, [][]byte{vsum}), daos.ErrCsum, "one list for two IODs")
}
