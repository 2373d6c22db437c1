package objsrv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/drivers"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/object/objsrv"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/vos"
)

type targets []*target.Target

func (ts targets) Target(i uint32) (*target.Target, error) {
	if int(i) >= len(ts) {
		return nil, daos.Errorf(daos.ErrNonexist, "no target %d", i)
	}
	return ts[i], nil
}

type maps map[objproto.UUID]uint32

func (m maps) MapVersion(p objproto.UUID) (uint32, bool) { v, ok := m[p]; return v, ok }

var pool = objproto.UUID{0xaa, 1}

// Container handles the test engines know: rw and ro are open on
// container 0xcc, other on 0xdd.
var (
	rw    = objproto.UUID{0x11}
	ro    = objproto.UUID{0x12}
	other = objproto.UUID{0x13}
)

// handles is a fake pool service's open container handles of pool.
type handles map[objproto.UUID]objsrv.HandleInfo

func (hs handles) ContHandle(_ context.Context, p, h objproto.UUID) (objsrv.HandleInfo, error) {
	oh, ok := hs[h]
	if p != pool || !ok {
		return objsrv.HandleInfo{}, daos.Errorf(daos.ErrNoHdl, "no container handle")
	}
	return oh, nil
}

// Containers that sum their data: 0xce as summedSpec says (handle
// summedRW), 0xcf the same but with srv_cksum off (trustingRW).
var (
	summedSpec   = csum.Spec{Type: csum.CRC32, ChunkBytes: 4096, ServerVerify: true}
	trustingSpec = csum.Spec{Type: csum.CRC32, ChunkBytes: 4096}
	summedRW     = objproto.UUID{0x14}
	trustingRW   = objproto.UUID{0x15}
)

var testHandles = handles{rw: {Cont: objproto.UUID{0xcc}, Write: true}, ro: {Cont: objproto.UUID{0xcc}}, other: {Cont: objproto.UUID{0xdd}, Write: true},
	summedRW: {Cont: objproto.UUID{0xce}, Write: true, Csum: summedSpec}, trustingRW: {Cont: objproto.UUID{0xcf}, Write: true, Csum: trustingSpec}}

// engine is an in-process engine: two targets with a shard of pool each,
// serving the object service on loopback.
func engine(t *testing.T) (fabric.URI, targets) { return engineOn(t, "tcp") }

// providers are the ones to test on: the pure-Go tcp provider, and
// libfabric's tcp;ofi_rxm when built in.
func providers() []string {
	out := []string{"tcp"}
	for _, p := range fabric.Available(drivers.Default()) {
		if p == "ofi+tcp;ofi_rxm" {
			out = append(out, p)
		}
	}
	return out
}

func engineOn(t *testing.T, prov string) (fabric.URI, targets) {
	return engineWith(t, prov, t.TempDir, vos.LogFile)
}

// engineWith is engineOn with the targets' directories and journal mode
// chosen by the caller (benchmarks use RAM, as an engine's SCM is).
func engineWith(t testing.TB, prov string, dir func() string, mode vos.LogMode) (fabric.URI, targets) {
	ctx := context.Background()
	var ts targets
	for i := 0; i < 2; i++ {
		tg := target.New(target.Config{Index: i, SCMDir: dir(), NVMeDir: dir(), LogMode: mode})
		require.NoError(t, tg.CreateShard(ctx, target.UUID(pool), 256<<20, 256<<20))
		t.Cleanup(func() { tg.Close() })
		ts = append(ts, tg)
	}
	reg := rpc.NewRegistry()
	svc := &objsrv.Service{Targets: ts, Clock: &hlc.Clock{}, Maps: maps{pool: 3}, Handles: testHandles}
	require.NoError(t, svc.Register(reg))
	ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: prov, Interface: "127.0.0.1"}, Registry: reg})
	require.NoError(t, err)
	t.Cleanup(func() { ep.Close() })
	return ep.URI(), ts
}

func client(t *testing.T) *objclient.Client { return clientOn(t, "tcp") }

// randomBytes gives slices of n random bytes, the same for the same seeds.
func randomBytes(seed1, seed2 uint64) func(n int) []byte {
	rnd := rand.New(rand.NewPCG(seed1, seed2))
	return func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return b
	}
}

// shmDirs makes directories in RAM (/dev/shm, where an NVMe file can be
// mapped as a RAM-backed device's is), or temporary ones where there is
// no /dev/shm; each goes when the test ends.
func shmDirs(tb testing.TB) func() string {
	return func() string {
		d, err := os.MkdirTemp("/dev/shm", "objsrv-test-")
		if err != nil {
			return tb.TempDir()
		}
		tb.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
}

func clientOn(t testing.TB, prov string) *objclient.Client {
	ep, err := rpc.Listen(context.Background(), rpc.Config{Fabric: fabric.Config{Provider: prov, Interface: "127.0.0.1"}})
	require.NoError(t, err)
	t.Cleanup(func() { ep.Close() })
	return &objclient.Client{EP: ep, Clock: &hlc.Clock{}}
}

func hdr(oid uint64) objproto.Header {
	return objproto.Header{Pool: pool, Cont: objproto.UUID{0xcc}, ContHandle: rw, MapVersion: 3, OID: daos.ObjectID{Lo: oid}}
}

func single(name string, size uint64) daos.IOD {
	return daos.IOD{Name: []byte(name), Type: daos.IODSingle, Size: size}
}

func TestUpdateFetchInlineAndBulk(t *testing.T) {
	for _, prov := range providers() {
		t.Run(prov, func(t *testing.T) { testUpdateFetch(t, prov) })
	}
}

func testUpdateFetch(t *testing.T, prov string) {
	uri, _ := engineOn(t, prov)
	c := clientOn(t, prov)
	ctx := context.Background()
	for ti, size := range []int{5, 4095, 4096, 1 << 20} {
		s := objclient.Shard{URI: uri, Target: uint32(ti % 2)}
		val := bytes.Repeat([]byte{byte(ti + 1)}, size)
		val[0], val[size-1] = 0x5a, 0xa5
		e1, err := c.Update(ctx, s, hdr(1), []byte("d"), []daos.IOD{single("a", uint64(size))}, [][]byte{val})
		require.NoError(t, err, "size %d", size)
		sizes, err := c.Sizes(ctx, s, hdr(1), []byte("d"), []daos.IOD{single("a", 0)})
		require.NoError(t, err)
		assert.Equal(t, []uint64{uint64(size)}, sizes)
		got := make([]byte, size)
		sizes, err = c.Fetch(ctx, s, hdr(1), []byte("d"), []daos.IOD{single("a", uint64(size))}, [][]byte{got})
		require.NoError(t, err)
		assert.Equal(t, uint64(size), sizes[0])
		assert.True(t, bytes.Equal(val, got), "size %d differs", size)

		// A newer write, then a read at the first epoch sees the first.
		val2 := bytes.Repeat([]byte{0xee}, size)
		e2, err := c.Update(ctx, s, hdr(1), []byte("d"), []daos.IOD{single("a", uint64(size))}, [][]byte{val2})
		require.NoError(t, err)
		assert.Greater(t, e2, e1)
		h := hdr(1)
		h.Epoch = e1
		_, err = c.Fetch(ctx, s, h, []byte("d"), []daos.IOD{single("a", uint64(size))}, [][]byte{got})
		require.NoError(t, err)
		assert.True(t, bytes.Equal(val, got), "read at epoch %d of size %d", e1, size)
	}
}

func TestArraysPunchEnumerateQuery(t *testing.T) {
	uri, _ := engine(t)
	c := client(t)
	ctx := context.Background()
	s := objclient.Shard{URI: uri, Target: 1}
	// Two extents with a hole between them; records of 4 bytes.
	arr := daos.IOD{Name: []byte("arr"), Type: daos.IODArray, Size: 4, Recxs: []daos.Recx{{Idx: 0, Nr: 2}, {Idx: 10, Nr: 1}}}
	_, err := c.Update(ctx, s, hdr(2), []byte("d0"), []daos.IOD{arr}, [][]byte{[]byte("aaaabbbbcccc")})
	require.NoError(t, err)
	read := daos.IOD{Name: []byte("arr"), Type: daos.IODArray, Size: 4, Recxs: []daos.Recx{{Idx: 0, Nr: 11}}}
	buf := make([]byte, 44)
	sizes, err := c.Fetch(ctx, s, hdr(2), []byte("d0"), []daos.IOD{read}, [][]byte{buf})
	require.NoError(t, err)
	assert.Equal(t, []uint64{4}, sizes)
	want := append(append([]byte("aaaabbbb"), make([]byte, 32)...), "cccc"...)
	assert.Equal(t, want, buf)

	for i := 0; i < 100; i++ {
		_, err := c.Update(ctx, s, hdr(2), []byte(fmt.Sprintf("k%03d", i)), []daos.IOD{single("v", 1)}, [][]byte{{byte(i)}})
		require.NoError(t, err)
	}
	// Page through the dkeys.
	seen := map[string]bool{}
	req := objproto.EnumReq{Header: hdr(2), Kind: objproto.EnumDkeys, Max: 7}
	for round := 0; round < 100; round++ {
		resp, err := c.Enumerate(ctx, s, req)
		require.NoError(t, err)
		for _, k := range resp.Keys {
			require.False(t, seen[string(k)], "dkey %q listed twice", k)
			seen[string(k)] = true
		}
		if resp.EOF {
			break
		}
		req.Anchor = resp.Anchor
	}
	assert.Len(t, seen, 101)
	resp, err := c.Enumerate(ctx, s, objproto.EnumReq{Header: hdr(2), Kind: objproto.EnumRecxs, Dkey: []byte("d0"), Akey: []byte("arr"), Max: 10})
	require.NoError(t, err)
	assert.Equal(t, uint64(4), resp.RecordSize)
	require.Len(t, resp.Extents, 2)
	resp, err = c.Enumerate(ctx, s, objproto.EnumReq{Header: hdr(2), Kind: objproto.EnumObjects, Max: 10})
	require.NoError(t, err)
	assert.Equal(t, []daos.ObjectID{{Lo: 2}}, resp.OIDs)

	q, err := c.QueryKey(ctx, s, objproto.QueryKeyReq{Header: hdr(2), Query: daos.GetMax | daos.GetRecx, Dkey: []byte("d0"), Akey: []byte("arr")})
	require.NoError(t, err)
	assert.Equal(t, daos.Recx{Idx: 10, Nr: 1}, q.Recx)

	_, err = c.Punch(ctx, s, hdr(2), objproto.PunchDkeys, nil, [][]byte{[]byte("d0")})
	require.NoError(t, err)
	sizes, err = c.Sizes(ctx, s, hdr(2), []byte("d0"), []daos.IOD{{Name: []byte("arr"), Type: daos.IODArray, Recxs: []daos.Recx{{Idx: 0, Nr: 11}}}})
	require.NoError(t, err)
	assert.Equal(t, []uint64{0}, sizes, "punched dkey still has data")

	// A container never written on a target reads as empty.
	empty := hdr(2)
	empty.Cont, empty.ContHandle = objproto.UUID{0xdd}, other
	sizes, err = c.Sizes(ctx, s, empty, []byte("x"), []daos.IOD{single("v", 0)})
	require.NoError(t, err)
	assert.Equal(t, []uint64{0}, sizes)
}

func TestRefusals(t *testing.T) {
	uri, _ := engine(t)
	c := client(t)
	ctx := context.Background()
	s := objclient.Shard{URI: uri}
	is := func(err error, code daos.Errno) {
		t.Helper()
		require.Error(t, err)
		assert.True(t, errors.Is(err, code), "want %v, got %v", code, err)
	}
	one := []daos.IOD{single("a", 3)}
	data := [][]byte{[]byte("abc")}

	stale := hdr(3)
	stale.MapVersion = 2
	_, err := c.Update(ctx, s, stale, []byte("d"), one, data)
	is(err, daos.ErrStale)
	assert.True(t, objclient.IsStale(err))

	_, err = c.Update(ctx, objclient.Shard{URI: uri, Target: 9}, hdr(3), []byte("d"), one, data)
	is(err, daos.ErrNonexist)
	other := hdr(3)
	other.Pool = objproto.UUID{0x99}
	_, err = c.Update(ctx, s, other, []byte("d"), one, data)
	is(err, daos.ErrNoHdl) // the handle is of another pool

	// The IODs say 3 bytes, the data has 5.
	_, err = c.Update(ctx, s, hdr(3), []byte("d"), one, [][]byte{[]byte("abcde")})
	is(err, daos.ErrInval)
	// Empty dkey, oversized akey.
	_, err = c.Update(ctx, s, hdr(3), nil, one, data)
	is(err, daos.ErrInval)
	_, err = c.Update(ctx, s, hdr(3), []byte("d"), []daos.IOD{single(string(make([]byte, 70<<10)), 3)}, data)
	require.Error(t, err)
	// A single value larger than the room given.
	_, err = c.Update(ctx, s, hdr(3), []byte("big"), []daos.IOD{single("a", 10)}, [][]byte{make([]byte, 10)})
	require.NoError(t, err)
	_, err = c.Fetch(ctx, s, hdr(3), []byte("big"), []daos.IOD{single("a", 4)}, [][]byte{make([]byte, 4)})
	is(err, daos.ErrRec2big)
	// Conditional insert of an existing dkey.
	h := hdr(3)
	h.Flags = daos.CondDkeyInsert
	_, err = c.Update(ctx, s, h, []byte("big"), one, data)
	is(err, daos.ErrExist)
	// Conditional fetches on a target that never held the container
	// find nothing, as on one that did.
	for _, tgt := range []uint32{0, 1} {
		for _, f := range []daos.CondFlags{daos.CondDkeyFetch, daos.CondAkeyFetch} {
			h := hdr(3)
			h.Cont, h.ContHandle, h.Flags = objproto.UUID{0xdd}, objproto.UUID{0x13}, f // handle "other"
			_, err = c.Fetch(ctx, objclient.Shard{URI: uri, Target: tgt}, h, []byte("nope"), one, [][]byte{make([]byte, 3)})
			is(err, daos.ErrNonexist)
			_, err = c.Sizes(ctx, objclient.Shard{URI: uri, Target: tgt}, h, []byte("nope"), one)
			is(err, daos.ErrNonexist)
		}
	}
	h = hdr(3)
	h.Flags = daos.CondDkeyFetch
	_, err = c.Sizes(ctx, s, h, []byte("nope"), one)
	is(err, daos.ErrNonexist)
}

func TestHandleChecks(t *testing.T) {
	uri, _ := engine(t)
	c := client(t)
	ctx := context.Background()
	s := objclient.Shard{URI: uri}
	is := func(err error, code daos.Errno) {
		t.Helper()
		require.Error(t, err)
		assert.True(t, errors.Is(err, code), "want %v, got %v", code, err)
	}
	one := []daos.IOD{single("a", 3)}
	data := [][]byte{[]byte("abc")}
	_, err := c.Update(ctx, s, hdr(4), []byte("d"), one, data)
	require.NoError(t, err)

	unknown := hdr(4)
	unknown.ContHandle = objproto.UUID{0x77}
	_, err = c.Update(ctx, s, unknown, []byte("d"), one, data)
	is(err, daos.ErrNoHdl)
	_, err = c.Fetch(ctx, s, unknown, []byte("d"), one, [][]byte{make([]byte, 3)})
	is(err, daos.ErrNoHdl)
	_, err = c.Enumerate(ctx, s, objproto.EnumReq{Header: unknown, Kind: objproto.EnumDkeys})
	is(err, daos.ErrNoHdl)
	_, err = c.QueryKey(ctx, s, objproto.QueryKeyReq{Header: unknown, Query: daos.GetMax | daos.GetDkey})
	is(err, daos.ErrNoHdl)

	// A handle open on another container does not open this one.
	wrong := hdr(4)
	wrong.ContHandle = other
	_, err = c.Fetch(ctx, s, wrong, []byte("d"), one, [][]byte{make([]byte, 3)})
	is(err, daos.ErrNoHdl)
	_, err = c.Punch(ctx, s, wrong, objproto.PunchObject, nil, nil)
	is(err, daos.ErrNoHdl)

	// A read-only handle reads but does not write.
	rdonly := hdr(4)
	rdonly.ContHandle = ro
	got := make([]byte, 3)
	_, err = c.Fetch(ctx, s, rdonly, []byte("d"), one, [][]byte{got})
	require.NoError(t, err)
	assert.Equal(t, "abc", string(got))
	_, err = c.Update(ctx, s, rdonly, []byte("d"), one, data)
	is(err, daos.ErrNoPerm)
	_, err = c.Punch(ctx, s, rdonly, objproto.PunchObject, nil, nil)
	is(err, daos.ErrNoPerm)

	// An engine without a handle checker refuses everything.
	reg := rpc.NewRegistry()
	require.NoError(t, (&objsrv.Service{Targets: targets{}, Clock: &hlc.Clock{}}).Register(reg))
	ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: reg})
	require.NoError(t, err)
	t.Cleanup(func() { ep.Close() })
	_, err = c.Fetch(ctx, objclient.Shard{URI: ep.URI()}, hdr(4), []byte("d"), one, [][]byte{got})
	is(err, daos.ErrNoHdl)
}

func TestEnumerateLongKeys(t *testing.T) {
	uri, _ := engine(t)
	c := client(t)
	ctx := context.Background()
	s := objclient.Shard{URI: uri}
	// 40 dkeys and 40 akeys of 60 KiB each: 2.4 MiB, more than one reply
	// holds.
	const n = 40
	key := func(i int) []byte {
		k := bytes.Repeat([]byte{'k'}, 60<<10)
		copy(k, fmt.Sprintf("%03d", i))
		return k
	}
	for i := 0; i < n; i++ {
		_, err := c.Update(ctx, s, hdr(5), key(i), []daos.IOD{single("v", 1)}, [][]byte{{byte(i)}})
		require.NoError(t, err)
		_, err = c.Update(ctx, s, hdr(5), []byte("d"), []daos.IOD{single(string(key(i)), 1)}, [][]byte{{byte(i)}})
		require.NoError(t, err)
	}
	for _, kind := range []objproto.EnumKind{objproto.EnumDkeys, objproto.EnumAkeys} {
		seen := map[string]bool{}
		req := objproto.EnumReq{Header: hdr(5), Kind: kind, Dkey: []byte("d")}
		pages := 0
		for ; pages < 100; pages++ {
			resp, err := c.Enumerate(ctx, s, req)
			require.NoError(t, err)
			size := 0
			for _, k := range resp.Keys {
				require.False(t, seen[string(k)], "key %.3q listed twice", k)
				seen[string(k)] = true
				size += len(k)
			}
			assert.LessOrEqual(t, size, 1<<20)
			if resp.EOF {
				break
			}
			require.NotEmpty(t, resp.Keys, "a page made no progress")
			req.Anchor = resp.Anchor
		}
		want := n
		if kind == objproto.EnumDkeys {
			want++ // "d"
		}
		assert.Len(t, seen, want, "kind %v", kind)
		assert.Greater(t, pages, 1, "kind %v fit one page", kind)
	}
}

func TestClockRefusals(t *testing.T) {
	uri, _ := engine(t)
	c := client(t)
	ctx := context.Background()
	s := objclient.Shard{URI: uri}
	h := hdr(9)
	h.Epoch = ^uint64(0) - 5 // a write stamped near the end of time
	_, err := c.Update(ctx, s, h, []byte("d"), []daos.IOD{single("a", 1)}, [][]byte{{1}})
	assert.True(t, errors.Is(err, daos.ErrHlcSync), "%v", err)
}

// TestFetchesReuseNoStaleBytes: fetches read into pooled server memory
// (large ones into buffers kept by the service, small ones into buffers
// given back after their inline reply); one after another, with holes,
// several IODs and a single value shorter than the caller's room, each
// returns exactly what is stored, never bytes left in the buffer by an
// earlier fetch.
func TestFetchesReuseNoStaleBytes(t *testing.T) {
	for _, n := range []int{256 << 10, 2 << 10, 16 << 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { testFetchesReuseNoStaleBytes(t, n) })
	}
}

func testFetchesReuseNoStaleBytes(t *testing.T, n int) {
	uri, _ := engine(t)
	c := client(t)
	ctx := context.Background()
	s := objclient.Shard{URI: uri, Target: 0}
	full := bytes.Repeat([]byte{0xab}, n)
	arrIOD := func(name string, idx, nr int) daos.IOD {
		return daos.IOD{Name: []byte(name), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: uint64(idx), Nr: uint64(nr)}}}
	}
	_, err := c.Update(ctx, s, hdr(7), []byte("full"), []daos.IOD{arrIOD("a", 0, n)}, [][]byte{full})
	require.NoError(t, err)
	// Half an extent, in the middle of the range read below.
	_, err = c.Update(ctx, s, hdr(7), []byte("holes"), []daos.IOD{arrIOD("a", n/4, n/2)}, [][]byte{full[:n/2]})
	require.NoError(t, err)
	_, err = c.Update(ctx, s, hdr(7), []byte("holes"), []daos.IOD{single("s", 100)}, [][]byte{bytes.Repeat([]byte{1}, 100)})
	require.NoError(t, err)
	for round := 0; round < 3; round++ {
		got := make([]byte, n)
		_, err := c.Fetch(ctx, s, hdr(7), []byte("full"), []daos.IOD{arrIOD("a", 0, n)}, [][]byte{got})
		require.NoError(t, err)
		require.True(t, bytes.Equal(full, got))

		arrGot, svGot := bytes.Repeat([]byte{0x77}, n), bytes.Repeat([]byte{0x77}, 200)
		sizes, err := c.Fetch(ctx, s, hdr(7), []byte("holes"), []daos.IOD{arrIOD("a", 0, n), single("s", 200)}, [][]byte{arrGot, svGot})
		require.NoError(t, err)
		require.Equal(t, []uint64{1, 100}, sizes)
		want := make([]byte, n)
		copy(want[n/4:], full[:n/2])
		require.True(t, bytes.Equal(want, arrGot), "round %d: the holes read as zeros", round)
		require.True(t, bytes.Equal(bytes.Repeat([]byte{1}, 100), svGot[:100]), "round %d", round)
	}
}

// TestLargeUpdateInPlace: updates of ZeroCopyMin and more are pulled
// straight into the NVMe extents VOS reserved (the two-phase update) and
// read back byte for byte, for single values and arrays, on a RAM-backed
// NVMe file and on the test's temporary directory; an update whose pull
// fails leaves no NVMe space used or reserved.
func TestLargeUpdateInPlace(t *testing.T) {
	shm := shmDirs(t)
	for name, dir := range map[string]func() string{"shm": shm, "temp": t.TempDir} {
		t.Run(name, func(t *testing.T) {
			uri, ts := engineWith(t, "tcp", dir, vos.LogFile)
			c := client(t)
			ctx := context.Background()
			s := objclient.Shard{URI: uri, Target: 0}
			vp, err := ts[0].Shard(target.UUID(pool))
			require.NoError(t, err)
			require.True(t, vp.ZeroCopyUpdates())
			fill := randomBytes(1, 2)
			big, odd := fill(1<<20), fill(objsrv.ZeroCopyMin+123)
			_, err = c.Update(ctx, s, hdr(7), []byte("d"), []daos.IOD{single("a", uint64(len(big))), single("b", uint64(len(odd)))}, [][]byte{big, odd})
			require.NoError(t, err)
			used := vp.Space().NVMeUsed
			require.Equal(t, uint64(256+17)*4096, used)
			got := [][]byte{make([]byte, len(big)), make([]byte, len(odd))}
			_, err = c.Fetch(ctx, s, hdr(7), []byte("d"), []daos.IOD{single("a", uint64(len(big))), single("b", uint64(len(odd)))}, got)
			require.NoError(t, err)
			require.True(t, bytes.Equal(big, got[0]) && bytes.Equal(odd, got[1]), "read back differs")

			// An array of three extents, one of them small.
			recs := fill(100 + 70000 + 200000)
			aiod := daos.IOD{Name: []byte("x"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: 100}, {Idx: 1000, Nr: 70000}, {Idx: 100000, Nr: 200000}}}
			_, err = c.Update(ctx, s, hdr(7), []byte("e"), []daos.IOD{aiod}, [][]byte{recs})
			require.NoError(t, err)
			agot := [][]byte{make([]byte, len(recs))}
			_, err = c.Fetch(ctx, s, hdr(7), []byte("e"), []daos.IOD{aiod}, agot)
			require.NoError(t, err)
			require.True(t, bytes.Equal(recs, agot[0]), "array read back differs")
			used = vp.Space().NVMeUsed

			// A pull that fails: the caller's memory is withdrawn before
			// the server reads it.
			b, err := c.EP.Expose([][]byte{big}, rpc.ToServer)
			require.NoError(t, err)
			desc := b.Desc()
			require.NoError(t, b.Finish(nil))
			h := hdr(8)
			h.HLC = c.Clock.Now()
			req := &objproto.UpdateReq{Header: h, Dkey: []byte("d"), IODs: []daos.IOD{single("a", uint64(len(big)))}, Data: desc}
			err = c.EP.Call(ctx, uri, objproto.OpUpdate, req, &objproto.UpdateResp{})
			require.ErrorContains(t, err, "fetch the data")
			sp := vp.Space()
			require.Equal(t, used, sp.NVMeUsed)
			require.Zero(t, sp.NVMeReserved)
			sizes, err := c.Sizes(ctx, s, hdr(8), []byte("d"), []daos.IOD{single("a", 0)})
			require.NoError(t, err)
			require.Equal(t, []uint64{0}, sizes)
		})
	}
}

// TestLargeFetchFromDeviceMemory: fetches of ZeroCopyMin and more are
// pushed from the NVMe device's memory where VOS hands it out (a
// RAM-backed device) and copied elsewhere; both read back byte for byte
// single values (one shorter than the caller's room) and arrays with
// holes, sub-ranges and odd offsets, into caller memory full of other
// bytes. A fetch whose push fails (the caller's memory is gone) leaves
// nothing pinned: the target closes at once.
func TestLargeFetchFromDeviceMemory(t *testing.T) {
	shm := shmDirs(t)
	for name, dir := range map[string]func() string{"shm": shm, "temp": t.TempDir} {
		t.Run(name, func(t *testing.T) {
			uri, ts := engineWith(t, "tcp", dir, vos.LogFile)
			c := client(t)
			ctx := context.Background()
			s := objclient.Shard{URI: uri, Target: 0}
			vp, err := ts[0].Shard(target.UUID(pool))
			require.NoError(t, err)
			t.Logf("zero-copy fetches: %v", vp.ZeroCopyFetches())
			if name == "shm" && !strings.HasPrefix(vp.Dir(), "/dev/shm") {
				t.Log("no /dev/shm here")
			} else if name == "shm" {
				require.True(t, vp.ZeroCopyFetches())
			}
			fill := randomBytes(3, 4)
			// A single value of an odd size, and 3-byte records: a small
			// extent, two large ones, and a later one over parts of both.
			const rs = 3
			sv := fill(1<<20 + 77)
			model := make([]byte, 400000*rs) // the array as stored, holes as zeros
			put := func(epoch daos.Epoch, recx daos.Recx) {
				data := fill(int(recx.Nr * rs))
				iod := daos.IOD{Name: []byte("x"), Type: daos.IODArray, Size: rs, Recxs: []daos.Recx{recx}}
				h := hdr(9)
				h.Epoch = epoch
				_, err := c.Update(ctx, s, h, []byte("d"), []daos.IOD{iod}, [][]byte{data})
				require.NoError(t, err)
				copy(model[recx.Idx*rs:], data)
			}
			_, err = c.Update(ctx, s, hdr(9), []byte("d"), []daos.IOD{single("v", uint64(len(sv)))}, [][]byte{sv})
			require.NoError(t, err)
			put(0, daos.Recx{Idx: 0, Nr: 100})
			put(0, daos.Recx{Idx: 1000, Nr: 70000})
			put(0, daos.Recx{Idx: 100000, Nr: 200000})
			put(0, daos.Recx{Idx: 60001, Nr: 50001})

			for _, recxs := range [][]daos.Recx{
				{{Idx: 0, Nr: 400000}},
				{{Idx: 1001, Nr: 33333}},
				{{Idx: 99999, Nr: 70001}, {Idx: 7, Nr: 5}, {Idx: 60000, Nr: 3}, {Idx: 299999, Nr: 30000}},
				{{Idx: 350000, Nr: 40000}}, // all hole
			} {
				var want []byte
				for _, r := range recxs {
					want = append(want, model[r.Idx*rs:r.End()*rs]...)
				}
				svRoom := len(sv) + 333
				got := [][]byte{bytes.Repeat([]byte{0x77}, len(want)), bytes.Repeat([]byte{0x77}, svRoom)}
				iods := []daos.IOD{{Name: []byte("x"), Type: daos.IODArray, Size: rs, Recxs: recxs}, single("v", uint64(svRoom))}
				sizes, err := c.Fetch(ctx, s, hdr(9), []byte("d"), iods, got)
				require.NoError(t, err)
				require.Equal(t, uint64(len(sv)), sizes[1])
				require.True(t, bytes.Equal(want, got[0]), "array %v differs", recxs)
				require.True(t, bytes.Equal(sv, got[1][:len(sv)]), "single value differs")
				require.True(t, bytes.Equal(make([]byte, 333), got[1][len(sv):]), "room past the value reads as zeros")
			}

			// A push that fails: the caller's memory is withdrawn before
			// the server writes it.
			b, err := c.EP.Expose([][]byte{make([]byte, len(sv))}, rpc.FromServer)
			require.NoError(t, err)
			desc := b.Desc()
			require.NoError(t, b.Finish(nil))
			h := hdr(9)
			h.HLC = c.Clock.Now()
			req := &objproto.FetchReq{Header: h, Dkey: []byte("d"), IODs: []daos.IOD{single("v", uint64(len(sv)))}, Data: desc}
			err = c.EP.Call(ctx, uri, objproto.OpFetch, req, &objproto.FetchResp{})
			require.ErrorContains(t, err, "return the data")
			// Space freed by an overwrite and aggregation is not held back.
			used := vp.Space().NVMeUsed
			_, err = c.Update(ctx, s, hdr(9), []byte("d"), []daos.IOD{single("v", uint64(len(sv)))}, [][]byte{sv})
			require.NoError(t, err)
			_, err = vp.Aggregate(ctx, vos.ContainerID{0xcc}, daos.EpochMax-1)
			require.NoError(t, err)
			require.Equal(t, used, vp.Space().NVMeUsed)
			closed := make(chan error, 1)
			go func() { closed <- ts[0].Close() }()
			select {
			case err := <-closed:
				require.NoError(t, err)
			case <-time.After(5 * time.Second):
				t.Fatal("closing the target hangs after a failed push")
			}
		})
	}
}
