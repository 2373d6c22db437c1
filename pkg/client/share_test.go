package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/object/objsrv"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/vos"
)

var (
	sharePool   = objproto.UUID{0x5a, 0x01, 0x02}
	shareCont   = objproto.UUID{0x5c, 0x01}
	shareHandle = objproto.UUID{0x5c, 0x02}
)

type shareTargets []*target.Target

func (ts shareTargets) Target(i uint32) (*target.Target, error) {
	if int(i) >= len(ts) {
		return nil, daos.Errorf(daos.ErrNonexist, "no target %d", i)
	}
	return ts[i], nil
}

// shareHandles is the engines' view of the pool service: one container
// handle, open for writing.
type shareHandles struct{}

func (shareHandles) ContHandle(_ context.Context, p, h objproto.UUID) (objsrv.HandleInfo, error) {
	if p != sharePool || h != shareHandle {
		return objsrv.HandleInfo{}, daos.Errorf(daos.ErrNoHdl, "no container handle")
	}
	return objsrv.HandleInfo{Cont: shareCont, Write: true}, nil
}

// shareCluster runs two in-process engines of two targets on 127.0.0.1
// TCP and returns a pool handle built as Connect would build it (with no
// pool service replicas: anything that asked the service would fail) and
// a container handle opened RW on it.
func shareCluster(t *testing.T) (*Pool, *Container) {
	ctx := context.Background()
	uris := map[uint32]fabric.URI{}
	var specs []placement.RankSpec
	for r := uint32(0); r < 2; r++ {
		var ts shareTargets
		for i := 0; i < 2; i++ {
			tg := target.New(target.Config{Index: i, SCMDir: t.TempDir(), LogMode: vos.LogPMem})
			require.NoError(t, tg.CreateShard(ctx, target.UUID(sharePool), 64<<20, 0))
			t.Cleanup(func() { tg.Close() })
			ts = append(ts, tg)
		}
		reg := rpc.NewRegistry()
		require.NoError(t, (&objsrv.Service{Targets: ts, Clock: &hlc.Clock{}, Handles: shareHandles{}}).Register(reg))
		ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: reg})
		require.NoError(t, err)
		t.Cleanup(func() { ep.Close() })
		uris[r] = ep.URI()
		specs = append(specs, placement.RankSpec{Rank: r, Targets: 2, FaultPath: fmt.Sprintf("/n%d", r)})
	}
	pm, err := placement.NewPoolMap(specs)
	require.NoError(t, err)
	c := New(shareEndpoint(t))
	p := &Pool{c: c, UUID: sharePool, Handle: objproto.UUID{0x5a, 0xff}, Flags: RW}
	p.View = NewPoolView(p.UUID, pm, uris, p.refresh)
	ct := &Container{Pool: p.View, UUID: shareCont, Handle: shareHandle, IO: c.io, pool: p,
		Info: &poolsvc.ContInfo{UUID: target.UUID(shareCont).String(), Label: "shared", Type: "POSIX",
			Props: map[string]string{"layout_type": "POSIX", "label": "shared", "chunk_size": "1048576", "oclass": "SX"}}}
	ct.flags = RW
	return p, ct
}

func shareEndpoint(t *testing.T) *rpc.Endpoint {
	ep, err := rpc.Listen(context.Background(), rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}})
	require.NoError(t, err)
	t.Cleanup(func() { ep.Close() })
	return ep
}

func shareOID(t testing.TB, pm *placement.PoolMap, class string, lo uint64) daos.ObjectID {
	oid, err := placement.GenerateOID(daos.ObjectID{Lo: lo}, placement.OTMultiHashed, placement.Name2ID(class), 0, pm.Shape(0))
	require.NoError(t, err)
	return oid
}

var shareIOD = func(n int) []daos.IOD { return []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: uint64(n)}} }

func shareValue(who string, i int) []byte { return []byte(fmt.Sprintf("%s wrote value %d", who, i)) }

func fetchValue(ctx context.Context, o *Object, dkey string) ([]byte, error) {
	buf := make([]byte, 256)
	sizes, err := o.Fetch(ctx, daos.EpochMax, []byte(dkey), shareIOD(len(buf)), [][]byte{buf}, 0)
	if err != nil {
		return nil, err
	}
	return buf[:sizes[0]], nil
}

const shareChildEnv = "DAOSGO_SHARE_CHILD_DIR"

// TestShareAcrossProcesses: the parent writes objects, turns its pool and
// container handles into global blobs and starts this test binary again
// as a child process, which rebuilds the handles from the blobs alone
// (its pool has no service replicas to ask anything), reads what the
// parent wrote and writes objects of its own; the parent then reads
// those, and its handles still work after the child closed its copies.
func TestShareAcrossProcesses(t *testing.T) {
	if dir := os.Getenv(shareChildEnv); dir != "" {
		shareChild(t, dir)
		return
	}
	ctx := context.Background()
	p, ct := shareCluster(t)
	pm := p.View.Map()
	sx, err := ct.Object(shareOID(t, pm, "SX", 1))
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		v := shareValue("parent", i)
		_, err := sx.Update(ctx, []byte(fmt.Sprint("p", i)), shareIOD(len(v)), [][]byte{v}, 0)
		require.NoError(t, err)
	}
	pb, err := p.Local2Global()
	require.NoError(t, err)
	cb, err := ct.Local2Global()
	require.NoError(t, err)
	// The same handle always gives the same bytes (size query, then fill).
	pb2, _ := p.Local2Global()
	cb2, _ := ct.Local2Global()
	require.Equal(t, pb, pb2)
	require.Equal(t, cb, cb2)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pool"), pb, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cont"), cb, 0o600))
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, os.Args[0], "-test.run=^TestShareAcrossProcesses$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), shareChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child process:\n%s", out)
	require.Contains(t, string(out), "child done", "child process output:\n%s", out)

	// What the child wrote, on an S1 object and the SX object.
	s1, err := ct.Object(shareOID(t, pm, "S1", 2))
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		got, err := fetchValue(ctx, s1, fmt.Sprint("c", i))
		require.NoError(t, err)
		assert.Equal(t, shareValue("child", i), got)
		got, err = fetchValue(ctx, sx, fmt.Sprint("c", i))
		require.NoError(t, err)
		assert.Equal(t, shareValue("child", 100+i), got)
	}
	// The child's Close/Disconnect left the parent's handles working.
	v := []byte("after the child")
	_, err = sx.Update(ctx, []byte("after"), shareIOD(len(v)), [][]byte{v}, 0)
	require.NoError(t, err)
}

// shareChild is the receiving process.
func shareChild(t *testing.T, dir string) {
	ctx := context.Background()
	pb, err := os.ReadFile(filepath.Join(dir, "pool"))
	require.NoError(t, err)
	cb, err := os.ReadFile(filepath.Join(dir, "cont"))
	require.NoError(t, err)
	c := New(shareEndpoint(t))
	p, err := c.PoolFromGlobal(pb)
	require.NoError(t, err)
	require.Equal(t, sharePool, p.UUID)
	require.Equal(t, RW, p.Flags)
	require.Empty(t, p.replicas, "the parent's pool has no service replicas")
	ct, err := p.ContainerFromGlobal(cb)
	require.NoError(t, err)
	require.True(t, ct.Imported())
	require.Equal(t, RW, ct.OpenFlags())
	require.Equal(t, shareCont, ct.UUID)
	require.Equal(t, "shared", ct.Info.Label)
	require.Equal(t, "SX", ct.Info.Props["oclass"])
	require.Equal(t, "1048576", ct.Info.Props["chunk_size"])

	pm := p.View.Map()
	sx, err := ct.Object(shareOID(t, pm, "SX", 1))
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		got, err := fetchValue(ctx, sx, fmt.Sprint("p", i))
		require.NoError(t, err)
		require.Equal(t, shareValue("parent", i), got)
	}
	s1, err := ct.Object(shareOID(t, pm, "S1", 2))
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		v := shareValue("child", i)
		_, err := s1.Update(ctx, []byte(fmt.Sprint("c", i)), shareIOD(len(v)), [][]byte{v}, 0)
		require.NoError(t, err)
		v = shareValue("child", 100+i)
		_, err = sx.Update(ctx, []byte(fmt.Sprint("c", i)), shareIOD(len(v)), [][]byte{v}, 0)
		require.NoError(t, err)
	}
	// Dropping the copies asks nothing of the pool service (which this
	// pool handle could not reach anyway).
	require.NoError(t, ct.Close(ctx))
	require.NoError(t, p.Disconnect(ctx))
	// And a pool query, which must ask the service, fails: the child
	// never had a way to talk to it.
	_, err = p.Query(ctx)
	require.Error(t, err)
	fmt.Println("child done")
}

// reseal rewrites a blob's length and checksum after its body changed.
func reseal(b []byte) []byte {
	if len(b) < shareHeaderLen {
		return b
	}
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(b)-shareHeaderLen))
	binary.LittleEndian.PutUint32(b[12:], crc32.Checksum(b[shareHeaderLen:], castagn))
	return b
}

func requireInval(t *testing.T, err error, substr string) {
	t.Helper()
	require.Error(t, err)
	require.True(t, errors.Is(err, daos.ErrInval), "%v", err)
	require.Contains(t, err.Error(), substr)
}

// TestShareMalformedBlobs: every way a blob can be wrong is DER_INVAL
// naming what was wrong.
func TestShareMalformedBlobs(t *testing.T) {
	p, ct := shareCluster(t)
	c := p.c
	pb, err := p.Local2Global()
	require.NoError(t, err)
	cb, err := ct.Local2Global()
	require.NoError(t, err)

	// Round trip in one process.
	p2, err := c.PoolFromGlobal(pb)
	require.NoError(t, err)
	assert.Equal(t, p.View.Map().Encode(), p2.View.Map().Encode())
	assert.Equal(t, p.View.URIs(), p2.View.URIs())
	assert.Equal(t, p.Handle, p2.Handle)
	ct2, err := p2.ContainerFromGlobal(cb)
	require.NoError(t, err)
	assert.Equal(t, ct.Info.Props, ct2.Info.Props)
	assert.Equal(t, ct.Handle, ct2.Handle)
	assert.False(t, ct.Imported())
	assert.True(t, ct2.Imported())

	// A handle without valid connect flags is refused at the sender.
	noFlags := &Pool{UUID: p.UUID, Handle: p.Handle, View: p.View}
	_, err = noFlags.Local2Global()
	requireInval(t, err, "connect flags")

	// Every truncation.
	for n := 0; n < len(pb); n++ {
		_, err := c.PoolFromGlobal(pb[:n])
		requireInval(t, err, "pool global handle")
	}
	for n := 0; n < len(cb); n++ {
		_, err := p.ContainerFromGlobal(cb[:n])
		requireInval(t, err, "container global handle")
	}
	// Truncated with a consistent header: the field is named.
	_, err = c.PoolFromGlobal(reseal(pb[:shareHeaderLen+40]))
	requireInval(t, err, "pool map version: truncated")
	_, err = p.ContainerFromGlobal(reseal(cb[:shareHeaderLen+50]))
	requireInval(t, err, "open flags: truncated")
	// Padding.
	_, err = c.PoolFromGlobal(append(bytes.Clone(pb), 0))
	requireInval(t, err, "truncated or padded")
	_, err = c.PoolFromGlobal(reseal(append(bytes.Clone(pb), 0)))
	requireInval(t, err, "trailing bytes")
	// The other kind, a foreign blob, another version, corruption.
	_, err = c.PoolFromGlobal(cb)
	requireInval(t, err, "container handle")
	_, err = p.ContainerFromGlobal(pb)
	requireInval(t, err, "pool handle")
	_, err = c.PoolFromGlobal([]byte("this is not a handle at all, just text"))
	requireInval(t, err, "bad magic")
	v2 := bytes.Clone(pb)
	v2[4] = 2
	_, err = c.PoolFromGlobal(v2)
	requireInval(t, err, "version 2")
	bad := bytes.Clone(pb)
	bad[len(bad)-3] ^= 0x40
	_, err = c.PoolFromGlobal(bad)
	requireInval(t, err, "checksum")
	// A container blob of another pool.
	other := bytes.Clone(cb)
	other[shareHeaderLen] ^= 1
	_, err = p.ContainerFromGlobal(reseal(other))
	requireInval(t, err, "made for pool")
	// A pool map that does not decode.
	garbled := bytes.Clone(pb)
	garbled[shareHeaderLen+16+16+8+4+4] = 'X' // the map's magic
	_, err = c.PoolFromGlobal(reseal(garbled))
	requireInval(t, err, "pool map")
	// Bad flags.
	flags := bytes.Clone(pb)
	binary.LittleEndian.PutUint64(flags[shareHeaderLen+32:], 0x80)
	_, err = c.PoolFromGlobal(reseal(flags))
	requireInval(t, err, "connect flags")
	// A huge count.
	huge := bytes.Clone(cb)
	off := len(huge) - 4
	for k, v := range map[string]string{"chunk_size": "1048576", "label": "shared", "layout_type": "POSIX", "oclass": "SX"} {
		off -= 8 + len(k) + len(v)
	}
	binary.LittleEndian.PutUint32(huge[off:], 0xffffffff)
	_, err = p.ContainerFromGlobal(reseal(huge))
	requireInval(t, err, "properties: count")
}

func fuzzSeeds(f *testing.F) (pool, cont []byte) {
	pm, err := placement.NewPoolMap([]placement.RankSpec{{Rank: 0, Targets: 2, FaultPath: "/a"}, {Rank: 3, Targets: 1, FaultPath: "/b"}})
	require.NoError(f, err)
	u0, _ := fabric.ParseURI("tcp://127.0.0.1:1234")
	p := &Pool{UUID: sharePool, Handle: objproto.UUID{9}, Flags: RO, replicas: []string{"tcp://127.0.0.1:1234"}}
	p.View = NewPoolView(p.UUID, pm, map[uint32]fabric.URI{0: u0, 3: u0}, nil)
	pool, err = p.Local2Global()
	require.NoError(f, err)
	ct := &Container{Pool: p.View, UUID: shareCont, Handle: shareHandle, Info: &poolsvc.ContInfo{Label: "l", Props: map[string]string{"a": "1", "b": "2"}}}
	cont, err = ct.Local2Global()
	require.NoError(f, err)
	return pool, cont
}

// FuzzPoolFromGlobal: no input panics; anything refused is DER_INVAL.
// Half the time the header is made consistent so the body is reached.
func FuzzPoolFromGlobal(f *testing.F) {
	pool, cont := fuzzSeeds(f)
	f.Add(pool, false)
	f.Add(pool, true)
	f.Add(cont, true)
	f.Add([]byte{}, false)
	c := &Client{}
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if fix {
			b = reseal(b)
		}
		p, err := c.PoolFromGlobal(b)
		if err != nil {
			require.True(t, errors.Is(err, daos.ErrInval), "%v", err)
			return
		}
		// What decodes encodes back to a blob that decodes to the same
		// (addresses may come back in canonical form).
		again, err := p.Local2Global()
		require.NoError(t, err)
		p2, err := c.PoolFromGlobal(again)
		require.NoError(t, err)
		again2, err := p2.Local2Global()
		require.NoError(t, err)
		require.Equal(t, again, again2)
	})
}

// FuzzContainerFromGlobal is the same for container blobs.
func FuzzContainerFromGlobal(f *testing.F) {
	pool, cont := fuzzSeeds(f)
	f.Add(cont, false)
	f.Add(cont, true)
	f.Add(pool, true)
	p, err := (&Client{}).PoolFromGlobal(pool)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if fix {
			b = reseal(b)
		}
		ct, err := p.ContainerFromGlobal(b)
		if err != nil {
			require.True(t, errors.Is(err, daos.ErrInval), "%v", err)
			return
		}
		again, err := ct.Local2Global()
		require.NoError(t, err)
		require.Equal(t, b, again)
	})
}
