package objsrv_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/vos"
)

// With a container's checksums on, updates of every size (inline,
// buffered, landed in place on the device) carry their sums, the engine
// checks them (srv_cksum) and refuses data that does not match them with
// DER_CSUM, storing nothing; fetches of whole values, sub-ranges cutting
// chunks and holes come back with sums the client checks.
func TestChecksumsEndToEnd(t *testing.T) {
	uri, ts := engineWith(t, "tcp", shmDirs(t), vos.LogFile)
	c := client(t)
	ctx := context.Background()
	s := objclient.Shard{URI: uri, Target: 0}
	vp, err := ts[0].Shard(target.UUID(pool))
	require.NoError(t, err)
	fill := randomBytes(3, 4)
	spec := summedSpec
	summed := func(oid uint64) objproto.Header {
		h := hdr(oid)
		h.Cont, h.ContHandle, h.Csum = objproto.UUID{0xce}, summedRW, spec
		return h
	}

	// Data in or out is summed as the container says: a request that
	// sums otherwise (or not at all) is refused, a punch or a size query
	// need not say.
	plain := summed(1)
	plain.Csum = csum.Spec{}
	_, err = c.Update(ctx, s, plain, []byte("d"), []daos.IOD{single("a", 1)}, [][]byte{{1}})
	require.ErrorIs(t, err, daos.ErrInval)
	assert.ErrorContains(t, err, "sums its data with crc32")
	_, err = c.Fetch(ctx, s, plain, []byte("d"), []daos.IOD{single("a", 1)}, [][]byte{{0}})
	require.ErrorIs(t, err, daos.ErrInval)
	_, err = c.Sizes(ctx, s, plain, []byte("d"), []daos.IOD{single("a", 0)})
	require.NoError(t, err)
	_, err = c.Punch(ctx, s, plain, objproto.PunchObject, nil, nil)
	require.NoError(t, err)
	summedPlain := hdr(1)
	summedPlain.Csum = spec
	_, err = c.Update(ctx, s, summedPlain, []byte("d"), []daos.IOD{single("a", 1)}, [][]byte{{1}})
	require.ErrorIs(t, err, daos.ErrInval, "sums for a container that has none")

	for _, size := range []int{100, 40 << 10, 1 << 20} {
		val := fill(size)
		arr := fill(size + 3000)
		aiod := daos.IOD{Name: []byte("x"), Type: daos.IODArray, Size: 1,
			Recxs: []daos.Recx{{Idx: 7, Nr: 3000}, {Idx: 10_000, Nr: uint64(size)}}}
		iods := []daos.IOD{single("a", uint64(size)), aiod}
		_, err := c.Update(ctx, s, summed(uint64(size)), []byte("d"), iods, [][]byte{val, arr})
		require.NoError(t, err, "size %d", size)
		got := [][]byte{make([]byte, size), make([]byte, len(arr))}
		_, err = c.Fetch(ctx, s, summed(uint64(size)), []byte("d"), iods, got)
		require.NoError(t, err, "size %d", size)
		require.True(t, bytes.Equal(val, got[0]) && bytes.Equal(arr, got[1]), "size %d read back differs", size)

		// A range that cuts chunks and reaches into a hole.
		part := daos.IOD{Name: []byte("x"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 5, Nr: 5000}}}
		pgot := [][]byte{make([]byte, 5000)}
		_, err = c.Fetch(ctx, s, summed(uint64(size)), []byte("d"), []daos.IOD{part}, pgot)
		require.NoError(t, err)
		want := append(append([]byte{0, 0}, arr[:3000]...), make([]byte, 1998)...)
		require.True(t, bytes.Equal(want, pgot[0]), "size %d: partial read differs", size)

		// The same update with one byte of its data changed after the
		// sums were taken: refused, nothing stored.
		sums, err := spec.Compute(nil, &iods[0], [][]byte{val}, uint64(size))
		require.NoError(t, err)
		asums, err := spec.Compute(nil, &aiod, [][]byte{arr}, uint64(len(arr)))
		require.NoError(t, err)
		bad := bytes.Clone(arr)
		bad[len(bad)/2] ^= 0x40
		before := vp.Space()
		b, err := c.EP.ExposeInline([][]byte{val, bad}, 1, c.InlineBytes())
		require.NoError(t, err)
		h := summed(uint64(size) + 1)
		h.HLC = c.Clock.Now()
		err = c.EP.Call(ctx, uri, objproto.OpUpdate, &objproto.UpdateReq{Header: h, Dkey: []byte("d"), IODs: iods,
			Data: b.Desc(), Csums: [][]byte{sums, asums}}, &objproto.UpdateResp{})
		require.NoError(t, b.Finish(nil))
		require.ErrorIs(t, err, daos.ErrCsum, "size %d", size)
		assert.ErrorContains(t, err, `akey "x"`)
		after := vp.Space()
		assert.Equal(t, before.NVMeUsed, after.NVMeUsed, "size %d: a refused update used space", size)
		assert.Zero(t, after.NVMeReserved)
		sizes, err := c.Sizes(ctx, s, hdr(uint64(size)+1), []byte("d"), []daos.IOD{single("a", 0)})
		require.NoError(t, err)
		assert.Equal(t, []uint64{0}, sizes, "size %d: a refused update left a value", size)

		// Without the sums at all: refused too.
		b, err = c.EP.ExposeInline([][]byte{val, arr}, 1, c.InlineBytes())
		require.NoError(t, err)
		err = c.EP.Call(ctx, uri, objproto.OpUpdate, &objproto.UpdateReq{Header: h, Dkey: []byte("d"), IODs: iods, Data: b.Desc()}, &objproto.UpdateResp{})
		require.NoError(t, b.Finish(nil))
		require.ErrorIs(t, err, daos.ErrInval)
	}

	// A punch of array records (an update of record size 0, as a
	// truncate sends) has no data and no sums.
	arr := fill(100)
	aiod := daos.IOD{Name: []byte("p"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: 100}}}
	_, err = c.Update(ctx, s, summed(60), []byte("d"), []daos.IOD{aiod}, [][]byte{arr})
	require.NoError(t, err)
	punch := daos.IOD{Name: []byte("p"), Type: daos.IODArray, Size: 0, Recxs: []daos.Recx{{Idx: 50, Nr: 50}}}
	_, err = c.Update(ctx, s, summed(60), []byte("d"), []daos.IOD{punch}, [][]byte{nil})
	require.NoError(t, err)
	got := [][]byte{make([]byte, 100)}
	_, err = c.Fetch(ctx, s, summed(60), []byte("d"), []daos.IOD{aiod}, got)
	require.NoError(t, err)
	assert.Equal(t, append(arr[:50:50], make([]byte, 50)...), got[0])

	// A batch step's data is checked as an update's.
	entry := []byte("entry")
	esum, err := spec.Compute(nil, &daos.IOD{Type: daos.IODSingle}, [][]byte{entry}, 5)
	require.NoError(t, err)
	step := objproto.BatchStep{Kind: vos.BatchUpdate, Dkey: []byte("b"), IODs: []daos.IOD{single("e", 5)}, Data: entry, Csums: [][]byte{esum}}
	_, err = c.Batch(ctx, s, summed(50), []objproto.BatchStep{step})
	require.NoError(t, err)
	step.Data = []byte("Entry")
	_, err = c.Batch(ctx, s, summed(51), []objproto.BatchStep{step})
	require.ErrorIs(t, err, daos.ErrCsum)
	step.Csums = nil
	_, err = c.Batch(ctx, s, summed(51), []objproto.BatchStep{step})
	require.ErrorIs(t, err, daos.ErrInval)

	// srv_cksum off: the engine does not check; the sums are stored as
	// they came, and a read of the whole value gets them back, so the
	// reader finds the data does not match what its writer summed.
	trusting := summed(99)
	trusting.Cont, trusting.ContHandle, trusting.Csum = objproto.UUID{0xcf}, trustingRW, trustingSpec
	trusting.HLC = c.Clock.Now()
	val := fill(64)
	b, err := c.EP.ExposeInline([][]byte{val}, 1, c.InlineBytes())
	require.NoError(t, err)
	err = c.EP.Call(ctx, uri, objproto.OpUpdate, &objproto.UpdateReq{Header: trusting, Dkey: []byte("d"), IODs: []daos.IOD{single("a", 64)},
		Data: b.Desc(), Csums: [][]byte{{1, 2, 3, 4}}}, &objproto.UpdateResp{})
	require.NoError(t, b.Finish(nil))
	require.NoError(t, err)
	got = [][]byte{make([]byte, 64)}
	readTrusting := trusting
	_, err = c.Fetch(ctx, s, readTrusting, []byte("d"), []daos.IOD{single("a", 64)}, got)
	require.ErrorIs(t, err, daos.ErrCsum)

	// A whole extent read as written comes back with its writer's sums;
	// the same data read in another shape is summed by the engine.
	arr = fill(10_000)
	aiod = daos.IOD{Name: []byte("w"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 100, Nr: 10_000}}}
	wsums, err := spec.Compute(nil, &aiod, [][]byte{arr}, 10_000)
	require.NoError(t, err)
	trusting.HLC = c.Clock.Now()
	wrong := bytes.Clone(wsums)
	wrong[0] ^= 1
	b, err = c.EP.ExposeInline([][]byte{arr}, 1, c.InlineBytes())
	require.NoError(t, err)
	err = c.EP.Call(ctx, uri, objproto.OpUpdate, &objproto.UpdateReq{Header: trusting, Dkey: []byte("w"), IODs: []daos.IOD{aiod},
		Data: b.Desc(), Csums: [][]byte{wrong}}, &objproto.UpdateResp{})
	require.NoError(t, b.Finish(nil))
	require.NoError(t, err)
	got = [][]byte{make([]byte, 10_000)}
	_, err = c.Fetch(ctx, s, readTrusting, []byte("w"), []daos.IOD{aiod}, got)
	require.ErrorIs(t, err, daos.ErrCsum, "the stored sums came back")
	// Read in another shape that holds the whole extent: the engine
	// checks it against its writer's sums before summing the reply.
	shifted := daos.IOD{Name: []byte("w"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 99, Nr: 10_001}}}
	got = [][]byte{make([]byte, 10_001)}
	_, err = c.Fetch(ctx, s, readTrusting, []byte("w"), []daos.IOD{shifted}, got)
	require.ErrorIs(t, err, daos.ErrCsum, "the whole stored extent is checked")
	assert.ErrorContains(t, err, "stored extent [100, 10100)")
	// A part of it cannot be checked without the rest of its chunks: the
	// engine sums what it read.
	part := daos.IOD{Name: []byte("w"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 5000, Nr: 300}}}
	got = [][]byte{make([]byte, 300)}
	_, err = c.Fetch(ctx, s, readTrusting, []byte("w"), []daos.IOD{part}, got)
	require.NoError(t, err, "summed by the engine")
	assert.Equal(t, arr[4900:5200], got[0])

	// Whole extents read together (with holes and a part between) are
	// each checked against their writer's sums: good ones pass.
	for i, idx := range []uint64{0, 20_000, 40_000} {
		ext := daos.IOD{Name: []byte("m"), Type: daos.IODArray, Size: 2, Recxs: []daos.Recx{{Idx: idx, Nr: 3000}}}
		_, err = c.Update(ctx, s, summed(98), []byte("m"), []daos.IOD{ext}, [][]byte{bytes.Repeat([]byte{byte(i + 1)}, 6000)})
		require.NoError(t, err)
	}
	many := daos.IOD{Name: []byte("m"), Type: daos.IODArray, Size: 2, Recxs: []daos.Recx{{Idx: 0, Nr: 25_000}, {Idx: 39_000, Nr: 5000}}}
	got = [][]byte{make([]byte, 60_000)}
	_, err = c.Fetch(ctx, s, summed(98), []byte("m"), []daos.IOD{many}, got)
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat([]byte{2}, 6000), got[0][40_000:46_000])
	assert.Equal(t, bytes.Repeat([]byte{3}, 6000), got[0][52_000:58_000])

	// Requested extents that overlap: a whole stored extent in the
	// second is checked where the second's data is, not the first's.
	e := daos.IOD{Name: []byte("o"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 5, Nr: 10}}}
	ev := []byte("0123456789")
	_, err = c.Update(ctx, s, summed(97), []byte("o"), []daos.IOD{e}, [][]byte{ev})
	require.NoError(t, err)
	overlap := daos.IOD{Name: []byte("o"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: 10}, {Idx: 5, Nr: 10}}}
	got = [][]byte{make([]byte, 20)}
	_, err = c.Fetch(ctx, s, summed(97), []byte("o"), []daos.IOD{overlap}, got)
	require.NoError(t, err)
	assert.Equal(t, "\x00\x00\x00\x00\x0001234"+string(ev), string(got[0]))
}
