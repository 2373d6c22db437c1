package csum

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

func TestAlgorithmsCheckValues(t *testing.T) {
	// The catalogue's check values for "123456789".
	for typ, want := range map[Type]string{
		CRC16:   "d0db",             // CRC-16/T10-DIF
		CRC32:   "e3069283",         // CRC-32C
		CRC64:   "995dc9bbdf1939fa", // CRC-64/XZ (ECMA, reflected)
		Adler32: "091e01de",
		SHA1:    "f7c3bc1d808e04732adf679965ccc34ca7ae3441",
	} {
		h, err := typ.New()
		require.NoError(t, err, typ)
		h.Write([]byte("123456789"))
		assert.Equal(t, want, hex.EncodeToString(h.Sum(nil)), typ)
		assert.Equal(t, typ.Size(), h.Size(), typ)
	}
	for _, typ := range []Type{SHA256, SHA512} {
		h, err := typ.New()
		require.NoError(t, err)
		assert.Equal(t, typ.Size(), h.Size())
	}
	_, err := Off.New()
	assert.ErrorIs(t, err, daos.ErrInval)
	_, err = Type(99).New()
	assert.ErrorIs(t, err, daos.ErrInval)
	for i := Off; i < nTypes; i++ {
		got, err := ParseType(i.String())
		require.NoError(t, err)
		assert.Equal(t, i, got)
	}
	_, err = ParseType("md5")
	assert.ErrorIs(t, err, daos.ErrInval)
}

// Arrays are summed in chunks aligned in record-index space, whatever
// the segments the data arrives in.
func TestChunksAlignedToRecordIndexes(t *testing.T) {
	s := Spec{Type: CRC32, ChunkBytes: 8}
	// Records of 2 bytes: 4 records a chunk. Extent [2, 11) covers chunks
	// 0 (records 2-3), 1 (4-7) and 2 (8-10); extent [20, 21) chunk 5.
	iod := daos.IOD{Name: []byte("a"), Type: daos.IODArray, Size: 2, Recxs: []daos.Recx{{Idx: 2, Nr: 9}, {Idx: 20, Nr: 1}}}
	data := []byte("aabbccddeeffgghhiijj")
	require.Len(t, data, 20)
	assert.Equal(t, 4, s.Count(&iod, 20))
	want := []byte{}
	for _, piece := range []string{"aabb", "ccddeeff", "gghhii", "jj"} {
		h, _ := CRC32.New()
		h.Write([]byte(piece))
		want = h.Sum(want)
	}
	for _, segs := range [][][]byte{{data}, {data[:3], data[3:4], nil, data[4:19], data[19:]}} {
		got, err := s.Compute(nil, &iod, segs, 20)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		require.NoError(t, s.Verify(&iod, segs, 20, want))
	}
	parts := s.Split(&iod, 20, want)
	assert.Equal(t, [][]byte{want[:12], want[12:]}, parts)
	assert.Nil(t, s.Split(&iod, 20, want[:8]))
	assert.NoError(t, s.Fits(&iod, 20, 16))
	assert.ErrorIs(t, s.Fits(&iod, 20, 15), daos.ErrInval)
	punch := daos.IOD{Name: []byte("a"), Type: daos.IODArray, Size: 0, Recxs: []daos.Recx{{Idx: 2, Nr: 9}}}
	assert.Nil(t, s.Split(&punch, 0, nil), "a punch's extents hold nothing to sum")
	assert.NoError(t, s.Verify(&punch, nil, 0, nil))

	// One flipped byte names its chunk; wrong lengths are refused.
	bad := bytes.Clone(data)
	bad[9] ^= 1
	err := s.Verify(&iod, [][]byte{bad}, 20, want)
	assert.ErrorIs(t, err, daos.ErrCsum)
	assert.ErrorContains(t, err, "checksum 1 of 4")
	assert.ErrorIs(t, s.Verify(&iod, [][]byte{data}, 20, want[:12]), daos.ErrCsum)
	_, err = s.Compute(nil, &iod, [][]byte{data[:10]}, 20)
	assert.ErrorIs(t, err, daos.ErrInval)
	_, err = s.Compute(nil, &iod, [][]byte{append(bytes.Clone(data), 'x')}, 21)
	assert.ErrorIs(t, err, daos.ErrInval)
}

func TestSingleValuesAndOff(t *testing.T) {
	s := Spec{Type: CRC64, ChunkBytes: 4}
	iod := daos.IOD{Name: []byte("v"), Type: daos.IODSingle, Size: 10}
	got, err := s.Compute(nil, &iod, [][]byte{[]byte("hello"), []byte("world")}, 10)
	require.NoError(t, err)
	assert.Len(t, got, 8, "one checksum, whatever the chunk size")
	assert.Equal(t, 1, s.Count(&iod, 10))
	assert.Zero(t, s.Count(&iod, 0))
	require.NoError(t, s.Verify(&iod, [][]byte{[]byte("helloworld")}, 10, got))
	assert.ErrorIs(t, s.Verify(&iod, [][]byte{[]byte("helloWorld")}, 10, got), daos.ErrCsum)
	assert.Equal(t, [][]byte{got}, s.Split(&iod, 10, got))

	off := Spec{}
	got, err = off.Compute(nil, &iod, [][]byte{[]byte("helloworld")}, 10)
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.NoError(t, off.Verify(&iod, nil, 10, []byte("anything")))
	assert.NoError(t, off.Check())
	assert.ErrorIs(t, Spec{Type: CRC32}.Check(), daos.ErrInval)
	assert.ErrorIs(t, Spec{Type: 42, ChunkBytes: 1}.Check(), daos.ErrInval)
}

func FuzzVerifyNeverPanics(f *testing.F) {
	f.Add(uint8(2), uint32(8), uint64(2), uint64(3), uint64(5), []byte("0123456789"), []byte("sums"))
	f.Fuzz(func(t *testing.T, typ uint8, chunk uint32, size, idx, nr uint64, data, sums []byte) {
		s := Spec{Type: Type(typ % uint8(nTypes)), ChunkBytes: chunk%4096 + 1}
		iod := daos.IOD{Name: []byte("a"), Type: daos.IODArray, Size: size%16 + 1, Recxs: []daos.Recx{{Idx: idx % 1000, Nr: nr % 64}}}
		_ = s.Verify(&iod, [][]byte{data}, uint64(len(data)), sums)
		_ = s.Split(&iod, uint64(len(data)), sums)
	})
}
