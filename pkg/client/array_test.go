package client_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7) + 1
	}
	return b
}

func TestArrayCreateOpen(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	oid := typedOID(t, c, "SX", placement.OTArray, 1)

	_, err := c.OpenArray(ctx, oid)
	assert.ErrorIs(t, err, daos.ErrNonexist, "never created")
	_, err = c.CreateArray(ctx, oidOf(t, c, "SX", 1), 1, 16)
	assert.ErrorIs(t, err, daos.ErrInval, "not an array type")
	_, err = c.CreateArray(ctx, oid, 0, 16)
	assert.ErrorIs(t, err, daos.ErrInval)

	a, err := c.CreateArray(ctx, oid, 4, 10)
	require.NoError(t, err)
	_, err = c.CreateArray(ctx, oid, 4, 10)
	assert.ErrorIs(t, err, daos.ErrExist)

	b, err := c.OpenArray(ctx, oid)
	require.NoError(t, err)
	assert.Equal(t, uint64(4), b.CellSize())
	assert.Equal(t, uint64(10), b.ChunkSize())

	// The metadata is DAOS's: dkey 0, akey "0", three uint64.
	md := make([]byte, 24)
	_, err = a.Object().Fetch(ctx, daos.EpochMax, make([]byte, 8), []daos.IOD{{Name: []byte("0"), Type: daos.IODSingle, Size: 24}}, [][]byte{md}, 0)
	require.NoError(t, err)
	assert.Equal(t, uint64(0xdaca55a9daca55a9), binary.LittleEndian.Uint64(md))
	assert.Equal(t, uint64(4), binary.LittleEndian.Uint64(md[8:]))
	assert.Equal(t, uint64(10), binary.LittleEndian.Uint64(md[16:]))

	// Data written through one handle is read through the other.
	require.NoError(t, a.WriteAt(ctx, 3, pattern(4*25, 1)))
	got := make([]byte, 4*25)
	res, err := b.ReadAt(ctx, 3, got)
	require.NoError(t, err)
	assert.Equal(t, pattern(4*25, 1), got)
	assert.Equal(t, client.ReadResult{Read: 25}, res)

	// Open with attributes needs an ARRAY_ATTR or ARRAY_BYTE oid, and
	// open with metadata an ARRAY one.
	_, err = c.OpenArrayWithAttr(oid, 4, 10)
	assert.ErrorIs(t, err, daos.ErrInval)
	_, err = c.OpenArray(ctx, typedOID(t, c, "SX", placement.OTArrayByte, 1))
	assert.ErrorIs(t, err, daos.ErrInval)

	// Destroy removes data and metadata; the oid can be created again.
	require.NoError(t, a.Destroy(ctx))
	_, err = c.OpenArray(ctx, oid)
	assert.ErrorIs(t, err, daos.ErrNonexist)
	a, err = c.CreateArray(ctx, oid, 1, 8)
	require.NoError(t, err)
	size, err := a.GetSize(ctx)
	require.NoError(t, err)
	assert.Zero(t, size)

	// Metadata that is not an array's.
	other := typedOID(t, c, "S1", placement.OTArray, 9)
	o, err := c.Object(other)
	require.NoError(t, err)
	_, err = o.Update(ctx, make([]byte, 8), []daos.IOD{{Name: []byte("0"), Type: daos.IODSingle, Size: 24}}, [][]byte{make([]byte, 24)}, 0)
	require.NoError(t, err)
	_, err = c.OpenArray(ctx, other)
	assert.ErrorIs(t, err, daos.ErrNoPerm)
}

func TestArrayIO(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	a, err := c.OpenArrayWithAttr(typedOID(t, c, "SX", placement.OTArrayByte, 2), 3, 7)
	require.NoError(t, err)

	size, err := a.GetSize(ctx)
	require.NoError(t, err)
	assert.Zero(t, size)

	// An odd offset spanning several chunks, from a split sg list.
	data := pattern(3*30, 5)
	require.NoError(t, a.Write(ctx, []client.Range{{Idx: 5, Len: 30}}, [][]byte{data[:10], nil, data[10:11], data[11:]}))
	size, err = a.GetSize(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(35), size)

	// Read it back with a hole in front and a short read behind.
	got := make([]byte, 3*40)
	for i := range got {
		got[i] = 0xee
	}
	res, err := a.ReadAt(ctx, 0, got)
	require.NoError(t, err)
	assert.Equal(t, client.ReadResult{Read: 35, ShortRead: 5}, res)
	assert.Equal(t, make([]byte, 15), got[:15], "hole reads as zeros")
	assert.Equal(t, data, got[15:15+90])

	// Several ranges into several buffers.
	b1, b2 := make([]byte, 4), make([]byte, 11)
	res, err = a.Read(ctx, []client.Range{{Idx: 6, Len: 2}, {Idx: 33, Len: 3}}, [][]byte{b1, b2})
	require.NoError(t, err)
	assert.Equal(t, client.ReadResult{Read: 4, ShortRead: 1}, res)
	all := append(b1, b2...)
	assert.Equal(t, data[3:9], all[:6])
	assert.Equal(t, data[3*28:3*30], all[6:12])

	// Entirely past the end.
	res, err = a.ReadAt(ctx, 100, make([]byte, 9))
	require.NoError(t, err)
	assert.Equal(t, client.ReadResult{ShortRead: 3}, res)

	// A hole in the middle of the array.
	require.NoError(t, a.WriteAt(ctx, 60, pattern(3, 9)))
	got = make([]byte, 3*30)
	res, err = a.ReadAt(ctx, 35, got[:3*26])
	require.NoError(t, err)
	assert.Equal(t, client.ReadResult{Read: 26}, res)
	assert.Equal(t, make([]byte, 3*25), got[:3*25])
	assert.Equal(t, pattern(3, 9), got[3*25:3*26])

	// Buffers and ranges must agree.
	assert.ErrorIs(t, a.Write(ctx, []client.Range{{Idx: 0, Len: 2}}, [][]byte{make([]byte, 5)}), daos.ErrInval)
	_, err = a.Read(ctx, []client.Range{{Idx: 0, Len: 2}}, [][]byte{make([]byte, 7)})
	assert.ErrorIs(t, err, daos.ErrInval)
	assert.ErrorIs(t, a.Write(ctx, []client.Range{{Idx: ^uint64(0), Len: 2}}, [][]byte{make([]byte, 6)}), daos.ErrInval)

	// Chunk k is dkey k+1 with records indexed within the chunk.
	rec := make([]byte, 3)
	dk := binary.LittleEndian.AppendUint64(nil, 5/7+1)
	_, err = a.Object().Fetch(ctx, daos.EpochMax, dk, []daos.IOD{{Name: []byte("0"), Type: daos.IODArray, Size: 3, Recxs: []daos.Recx{{Idx: 5, Nr: 1}}}}, [][]byte{rec}, 0)
	require.NoError(t, err)
	assert.Equal(t, data[:3], rec)
}

func TestArraySizeAndPunch(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	a, err := c.CreateArray(ctx, typedOID(t, c, "SX", placement.OTArray, 3), 1, 8)
	require.NoError(t, err)
	getSize := func() uint64 {
		s, err := a.GetSize(ctx)
		require.NoError(t, err)
		st, err := a.Stat(ctx)
		require.NoError(t, err)
		require.Equal(t, s, st.Size)
		return s
	}
	require.NoError(t, a.WriteAt(ctx, 0, pattern(50, 1)))
	assert.Equal(t, uint64(50), getSize())

	// Truncate inside a chunk, then at a chunk boundary.
	require.NoError(t, a.SetSize(ctx, 21))
	assert.Equal(t, uint64(21), getSize())
	got := make([]byte, 50)
	res, err := a.ReadAt(ctx, 0, got)
	require.NoError(t, err)
	assert.Equal(t, client.ReadResult{Read: 21, ShortRead: 29}, res)
	assert.Equal(t, pattern(50, 1)[:21], got[:21])
	require.NoError(t, a.SetSize(ctx, 16))
	assert.Equal(t, uint64(16), getSize())

	// Extend: a hole up to the new size.
	require.NoError(t, a.SetSize(ctx, 1000))
	assert.Equal(t, uint64(1000), getSize())
	got = make([]byte, 1000)
	res, err = a.ReadAt(ctx, 0, got)
	require.NoError(t, err)
	assert.Equal(t, client.ReadResult{Read: 1000}, res)
	assert.Equal(t, pattern(50, 1)[:16], got[:16])
	assert.Equal(t, make([]byte, 984), got[16:])

	// Truncate back over the extension; write past it again.
	require.NoError(t, a.SetSize(ctx, 10))
	assert.Equal(t, uint64(10), getSize())
	require.NoError(t, a.WriteAt(ctx, 12, []byte{7}))
	assert.Equal(t, uint64(13), getSize())
	// A size query of one cell sees that cell only (the read probe and
	// SetSize rely on it).
	assert.True(t, written(t, ctx, a, 9))
	assert.False(t, written(t, ctx, a, 11))
	assert.True(t, written(t, ctx, a, 12))

	// Punching the tail shrinks the size to the highest cell left, even
	// when whole chunks and the top of a chunk go.
	require.NoError(t, a.Punch(ctx, 9, 4))
	assert.Equal(t, uint64(9), getSize())
	got = make([]byte, 9)
	_, err = a.ReadAt(ctx, 0, got)
	require.NoError(t, err)
	assert.Equal(t, pattern(50, 1)[:9], got)
	require.NoError(t, a.Punch(ctx, 2, 3))
	_, err = a.ReadAt(ctx, 0, got)
	require.NoError(t, err)
	want := append([]byte{}, pattern(50, 1)[:9]...)
	copy(want[2:5], []byte{0, 0, 0})
	assert.Equal(t, want, got)
	require.NoError(t, a.Punch(ctx, 0, 9))
	assert.Zero(t, getSize())

	// Set size 0 empties the array but keeps it an array.
	require.NoError(t, a.WriteAt(ctx, 30, []byte{1, 2}))
	require.NoError(t, a.SetSize(ctx, 0))
	assert.Zero(t, getSize())
	_, err = c.OpenArray(ctx, a.Object().OID())
	require.NoError(t, err)
}

func TestQueryKey(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	iod := []daos.IOD{{Name: []byte("a"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 3, Nr: 2}}}}

	// Integer dkeys over every group: the extremes are numeric.
	o, err := c.Object(typedOID(t, c, "SX", placement.OTDkeyUint64, 1))
	require.NoError(t, err)
	_, err = o.QueryKey(ctx, daos.EpochMax, daos.GetMax|daos.GetDkey, nil, nil)
	assert.ErrorIs(t, err, daos.ErrNonexist)
	for _, d := range []uint64{7, 300, 256, 2, 41} {
		_, err := o.Update(ctx, binary.LittleEndian.AppendUint64(nil, d), iod, [][]byte{{1, 2}}, 0)
		require.NoError(t, err)
	}
	q, err := o.QueryKey(ctx, daos.EpochMax, daos.GetMax|daos.GetDkey|daos.GetRecx, nil, []byte("a"))
	require.NoError(t, err)
	assert.Equal(t, uint64(300), binary.LittleEndian.Uint64(q.Dkey))
	assert.Equal(t, daos.Recx{Idx: 3, Nr: 2}, q.Recx)
	q, err = o.QueryKey(ctx, daos.EpochMax, daos.GetMin|daos.GetDkey, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), binary.LittleEndian.Uint64(q.Dkey))

	// Without GetDkey only the given dkey's group is asked.
	q, err = o.QueryKey(ctx, daos.EpochMax, daos.GetMax|daos.GetAkey, binary.LittleEndian.AppendUint64(nil, 41), nil)
	require.NoError(t, err)
	assert.Equal(t, []byte("a"), q.Akey)
}

// TestArrayAgainstAModel runs random writes, reads, truncations,
// extensions and punches on arrays and checks every read and size against
// a byte slice.
func TestArrayAgainstAModel(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 5))
	for i, tc := range []struct {
		class       string
		cell, chunk uint64
	}{{"SX", 1, 16}, {"S4", 4, 5}, {"S1", 3, 64}} {
		a, err := c.CreateArray(ctx, typedOID(t, c, tc.class, placement.OTArray, uint64(10+i)), tc.cell, tc.chunk)
		require.NoError(t, err)
		cs := int(tc.cell)
		var model []byte // the array's bytes; len is the size in bytes
		ops := 300
		if testing.Short() {
			ops = 120
		}
		for op := 0; op < ops; op++ {
			maxCells := 200
			switch r := rng.IntN(20); {
			case r < 8: // write, maybe through several buffers
				off, n := rng.IntN(maxCells), 1+rng.IntN(60)
				data := make([]byte, n*cs)
				for j := range data {
					data[j] = byte(rng.Uint32()) | 1
				}
				var sgl [][]byte
				for rest := data; len(rest) > 0; {
					k := 1 + rng.IntN(len(rest))
					sgl, rest = append(sgl, rest[:k]), rest[k:]
				}
				require.NoError(t, a.Write(ctx, []client.Range{{Idx: uint64(off), Len: uint64(n)}}, sgl))
				if end := (off + n) * cs; end > len(model) {
					model = append(model, make([]byte, end-len(model))...)
				}
				copy(model[off*cs:], data)
			case r < 14: // read
				off, n := rng.IntN(maxCells+20), 1+rng.IntN(80)
				got := make([]byte, n*cs)
				res, err := a.ReadAt(ctx, uint64(off), got)
				require.NoError(t, err)
				size := len(model) / cs
				in := max(0, min(n, size-off))
				require.Equal(t, client.ReadResult{Read: uint64(in), ShortRead: uint64(n - in)}, res, "op %d read [%d,+%d) size %d", op, off, n, size)
				if in > 0 {
					require.True(t, bytes.Equal(model[off*cs:off*cs+in*cs], got[:in*cs]), "op %d read [%d,+%d)", op, off, n)
				}
			case r < 16: // set size
				size := rng.IntN(maxCells)
				require.NoError(t, a.SetSize(ctx, uint64(size)))
				if size*cs > len(model) {
					model = append(model, make([]byte, size*cs-len(model))...)
				}
				model = model[:size*cs]
			case r < 18: // punch
				off, n := rng.IntN(maxCells), 1+rng.IntN(40)
				require.NoError(t, a.Punch(ctx, uint64(off), uint64(n)))
				if off*cs < len(model) {
					end := min(len(model), (off+n)*cs)
					clear(model[off*cs : end])
					if end == len(model) {
						// The size falls to the highest cell left.
						k := off * cs
						for k > 0 && allZero(model[k-cs:k]) && !written(t, ctx, a, k/cs-1) {
							k -= cs
						}
						model = model[:k]
					}
				}
			default: // size
				size, err := a.GetSize(ctx)
				require.NoError(t, err)
				require.Equal(t, uint64(len(model)/cs), size, "op %d", op)
			}
		}
		size, err := a.GetSize(ctx)
		require.NoError(t, err)
		require.Equal(t, uint64(len(model)/cs), size)
	}
}

func allZero(b []byte) bool { return bytes.Count(b, []byte{0}) == len(b) }

// written tells whether cell holds a record (a zero written by SetSize is
// one; a hole is not).
func written(t *testing.T, ctx context.Context, a *client.Array, cell int) bool {
	chunk, rel := uint64(cell)/a.ChunkSize(), uint64(cell)%a.ChunkSize()
	dk := binary.LittleEndian.AppendUint64(nil, chunk+1)
	sizes, err := a.Object().Sizes(ctx, daos.EpochMax, dk, []daos.IOD{{Name: []byte("0"), Type: daos.IODArray, Recxs: []daos.Recx{{Idx: rel, Nr: 1}}}})
	require.NoError(t, err)
	return sizes[0] != 0
}
