package client_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/clienttest"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/object/objsrv"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/vos"
)

var pool = clienttest.Pool

const nranks, ntargets = 3, 4

// cluster runs three in-process engines of four targets, each with a
// shard of the pool, and returns a container view of it.
func cluster(t testing.TB) (*client.Container, []clienttest.Targets) { return clusterWith(t, nil) }

// clusterWith is cluster with engines that report pool map versions.
func clusterWith(t testing.TB, maps objsrv.PoolMaps) (*client.Container, []clienttest.Targets) {
	return clusterOf(t, maps, 0)
}

// clusterOf is cluster with pool map versions and, when nvme is not zero,
// shards of that much emulated NVMe (a file in RAM) beside their SCM, so
// large values go to the NVMe as on a real engine.
func clusterOf(t testing.TB, maps objsrv.PoolMaps, nvme uint64) (*client.Container, []clienttest.Targets) {
	return clienttest.Cluster(t, clienttest.Options{Ranks: nranks, Targets: ntargets, SCMBytes: 128 << 20, NVMeBytes: nvme, Maps: maps})
}

func oidOf(t testing.TB, c *client.Container, class string, lo uint64) daos.ObjectID {
	cid := placement.Name2ID(class)
	require.NotZero(t, cid, class)
	oid, err := placement.GenerateOID(daos.ObjectID{Lo: lo}, placement.OTMultiHashed, cid, 0, c.Pool.Map().Shape(0))
	require.NoError(t, err)
	return oid
}

// TestObjectsAgainstAModel runs random updates, fetches, punches and
// listings on objects of every non-redundant class across the three
// engines and checks each result against a map of what should be there.
func TestObjectsAgainstAModel(t *testing.T) {
	c, all := cluster(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	type key struct {
		obj  int
		dkey string
	}
	model := map[key][]byte{}
	var objs []*client.Object
	for i, class := range []string{"S1", "S2", "S4", "S8", "SX"} {
		o, err := c.Object(oidOf(t, c, class, uint64(100+i)))
		require.NoError(t, err)
		objs = append(objs, o)
	}
	iod := func(n int) []daos.IOD { return []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: uint64(n)}} }
	ops := 1000
	if testing.Short() {
		ops = 300
	}
	for i := 0; i < ops; i++ {
		oi := rng.IntN(len(objs))
		o := objs[oi]
		dk := fmt.Sprintf("dkey-%d", rng.IntN(150))
		k := key{oi, dk}
		switch op := rng.IntN(10); {
		case op < 5:
			n := 1 + rng.IntN(64)
			if rng.IntN(8) == 0 {
				n = 4096 + rng.IntN(12000) // bulk
			}
			val := make([]byte, n)
			for j := range val {
				val[j] = byte(rng.Uint32())
			}
			_, err := o.Update(ctx, []byte(dk), iod(n), [][]byte{val}, 0)
			require.NoError(t, err)
			model[k] = val
		case op < 8:
			sizes, err := o.Sizes(ctx, daos.EpochMax, []byte(dk), iod(0))
			require.NoError(t, err)
			want := model[k]
			require.Equal(t, uint64(len(want)), sizes[0], "size of %v", k)
			if len(want) > 0 {
				buf := make([]byte, len(want))
				_, err := o.Fetch(ctx, daos.EpochMax, []byte(dk), iod(len(want)), [][]byte{buf}, 0)
				require.NoError(t, err)
				require.True(t, bytes.Equal(want, buf), "value of %v", k)
			}
		case op < 9:
			require.NoError(t, o.PunchDkeys(ctx, [][]byte{[]byte(dk)}, 0))
			delete(model, k)
		default:
			var got []string
			anchor := &client.Anchor{}
			for !anchor.EOF {
				keys, err := o.ListDkeys(ctx, daos.EpochMax, anchor, 1+rng.IntN(40))
				require.NoError(t, err)
				for _, kk := range keys {
					got = append(got, string(kk))
				}
			}
			var want []string
			for kk := range model {
				if kk.obj == oi {
					want = append(want, kk.dkey)
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			require.Equal(t, want, got, "dkeys of object %d", oi)
		}
	}
	// The SX object's dkeys reached every target of every engine.
	used := 0
	for _, ts := range all {
		for _, tg := range ts {
			vp, err := tg.Shard(target.UUID(pool))
			require.NoError(t, err)
			if oids, err := vp.ListObjects(vos.ContainerID(c.UUID), daos.EpochMax, &vos.Anchor{}, 100, vos.ReadOptions{}); err == nil && len(oids) > 0 {
				used++
			}
		}
	}
	assert.Equal(t, nranks*ntargets, used, "targets holding data")
}

func TestRedundantClassesAreNotDoneYet(t *testing.T) {
	c, _ := cluster(t)
	_, err := c.Object(oidOf(t, c, "RP_2G1", 1))
	assert.ErrorIs(t, err, daos.ErrNosys)
	// Checked at open although the layout waits for the first I/O.
	_, err = c.Object(daos.ObjectID{Lo: 5})
	assert.ErrorIs(t, err, daos.ErrInval, "an id without a class")
}

type version uint32

func (v *version) MapVersion(objproto.UUID) (uint32, bool) { return uint32(*v), true }

// refreshingView is c seen through a pool view of c's map that refreshes
// to newer, counting its refreshes.
func refreshingView(c *client.Container, newer *placement.PoolMap) (*client.Container, *client.PoolView, *int) {
	refreshed := new(int)
	pv := client.NewPoolView(pool, c.Pool.Map(), nil, func(context.Context) (*placement.PoolMap, map[uint32]fabric.URI, error) {
		*refreshed++
		return newer, c.Pool.URIs(), nil
	})
	pv.SetURIs(c.Pool.URIs())
	return &client.Container{Pool: pv, UUID: c.UUID, Handle: c.Handle, IO: c.IO}, pv, refreshed
}

// staleSetup is a cluster whose engines hold a newer map (newer) than
// the client's views: refreshing's view (view) can fetch it, counting in
// refreshed; stale's cannot.
type staleSetup struct {
	refreshing, stale *client.Container
	view              *client.PoolView
	refreshed         *int
	newer             *placement.PoolMap
}

func staleCluster(t *testing.T) staleSetup {
	v := version(1)
	c, _ := clusterWith(t, &v)
	newer := c.Pool.Map().Clone()
	require.NoError(t, newer.AddRanks([]placement.RankSpec{{Rank: 9, Targets: 4, FaultPath: "/node9"}}))
	v = version(newer.Version())
	c2, pv, refreshed := refreshingView(c, newer)
	stale := &client.Container{Pool: client.NewPoolView(pool, c.Pool.Map(), c.Pool.URIs(), nil), UUID: c.UUID, Handle: c.Handle, IO: c.IO}
	return staleSetup{refreshing: c2, stale: stale, view: pv, refreshed: refreshed, newer: newer}
}

// TestStaleMapRefreshes: engines hold a newer map than the client, which
// refreshes when told and retries.
func TestStaleMapRefreshes(t *testing.T) {
	st := staleCluster(t)
	ctx := context.Background()
	o, err := st.refreshing.Object(oidOf(t, st.refreshing, "S1", 5))
	require.NoError(t, err)
	_, err = o.Update(ctx, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}, [][]byte{{1}}, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, *st.refreshed)
	assert.Equal(t, st.newer.Version(), st.view.Map().Version())

	// A view that cannot refresh reports the staleness.
	stale := st.stale
	o, err = stale.Object(oidOf(t, stale, "S1", 5))
	require.NoError(t, err)
	_, err = o.Update(ctx, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}, [][]byte{{1}}, 0)
	assert.ErrorIs(t, err, daos.ErrStale)
}

func TestObjectPunch(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	o, err := c.Object(oidOf(t, c, "SX", 1))
	require.NoError(t, err)
	for i := 0; i < 50; i++ {
		_, err := o.Update(ctx, []byte(fmt.Sprint(i)), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}, [][]byte{{1}}, 0)
		require.NoError(t, err)
	}
	require.NoError(t, o.Punch(ctx))
	anchor := &client.Anchor{}
	keys, err := o.ListDkeys(ctx, daos.EpochMax, anchor, 1000)
	require.NoError(t, err)
	assert.Empty(t, keys)
	assert.True(t, anchor.EOF)
}

// TestObjectOpenModes: daos_obj_open's modes: bad combinations are
// DER_INVAL, writes through a read-only object DER_NO_PERM (nothing
// reaches an engine), reads work; a read-only container opens objects
// read-only and refuses read-write ones.
func TestObjectOpenModes(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	oid := oidOf(t, c, "S1", 77)
	for _, mode := range []uint32{0, client.OORO | client.OORW, client.OORW | client.OOIORand | client.OOIOSeq, client.OORW | 1<<9} {
		_, err := c.OpenObject(oid, mode)
		assert.ErrorIs(t, err, daos.ErrInval, "mode %#x", mode)
	}
	rw, err := c.OpenObject(oid, client.OORW|client.OOExcl|client.OOIOSeq)
	require.NoError(t, err)
	iod := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 3}}
	_, err = rw.Update(ctx, []byte("d"), iod, [][]byte{[]byte("abc")}, 0)
	require.NoError(t, err)

	ro, err := c.OpenObject(oid, client.OORO)
	require.NoError(t, err)
	_, err = ro.Update(ctx, []byte("d"), iod, [][]byte{[]byte("xyz")}, 0)
	assert.ErrorIs(t, err, daos.ErrNoPerm)
	assert.ErrorIs(t, ro.PunchDkeys(ctx, [][]byte{[]byte("d")}, 0), daos.ErrNoPerm)
	assert.ErrorIs(t, ro.PunchAkeys(ctx, []byte("d"), [][]byte{[]byte("a")}, 0), daos.ErrNoPerm)
	assert.ErrorIs(t, ro.Punch(ctx), daos.ErrNoPerm)
	buf := make([]byte, 3)
	_, err = ro.Fetch(ctx, daos.EpochMax, []byte("d"), iod, [][]byte{buf}, 0)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(buf), "the refused writes changed nothing")
}

// TestCollectiveStaleFallsBack: a punch and a key query of a many-group
// object go to each engine in one collective request; when the engines say
// the client's map is stale, its groups are asked one by one, which
// refreshes the map once and retries.
func TestCollectiveStaleFallsBack(t *testing.T) {
	v := version(1)
	c, _ := clusterWith(t, &v)
	ctx := context.Background()
	newer := c.Pool.Map().Clone()
	require.NoError(t, newer.AddRanks([]placement.RankSpec{{Rank: 9, Targets: 4, FaultPath: "/node9"}}))
	// An S4 object with two groups on one engine whose shards stay where
	// they are in the newer map (so the data written under the old map is
	// where the new one looks).
	var oid daos.ObjectID
	for lo := uint64(1); lo < 10000 && oid.Lo == 0; lo++ {
		cand := oidOf(t, c, "S4", lo)
		old, err := placement.ComputeLayout(c.Pool.Map(), cand)
		require.NoError(t, err)
		cur, err := placement.ComputeLayout(newer, cand)
		require.NoError(t, err)
		ranks := map[uint32]int{}
		same := true
		for g := 0; g < old.Groups; g++ {
			ranks[old.Group(g)[0].Rank]++
			same = same && old.Group(g)[0].Rank == cur.Group(g)[0].Rank && old.Group(g)[0].Target == cur.Group(g)[0].Target
		}
		if same && len(ranks) < old.Groups {
			oid = cand
		}
	}
	require.NotZero(t, oid.Lo, "no suitable object id")
	o, err := c.Object(oid)
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		_, err := o.Update(ctx, []byte(fmt.Sprint("k", i)), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}, [][]byte{{1}}, 0)
		require.NoError(t, err)
	}
	q, err := o.QueryKey(ctx, daos.EpochMax, daos.GetMax|daos.GetDkey, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, "k9", string(q.Dkey), "greatest dkey over all groups")

	v = version(newer.Version())
	c2, _, refreshed := refreshingView(c, newer)
	o2, err := c2.Object(oid)
	require.NoError(t, err)
	q, err = o2.QueryKey(ctx, daos.EpochMax, daos.GetMax|daos.GetDkey, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, "k9", string(q.Dkey))
	assert.Equal(t, 1, *refreshed)
	require.NoError(t, o2.Punch(ctx))
	_, err = o2.QueryKey(ctx, daos.EpochMax, daos.GetMax|daos.GetDkey, nil, nil)
	assert.ErrorIs(t, err, daos.ErrNonexist, "punched on every group")
	assert.Equal(t, 1, *refreshed)
}

// TestPoolViewRefreshShared: callers that find the map stale at the same
// time share one refresh; one that gives up waiting does not stop it; a
// caller whose map is already older than the view's does not refresh.
func TestPoolViewRefreshShared(t *testing.T) {
	c, _ := cluster(t)
	newer := c.Pool.Map().Clone()
	require.NoError(t, newer.AddRanks([]placement.RankSpec{{Rank: 9, Targets: 4, FaultPath: "/node9"}}))
	var calls atomic.Int32
	release := make(chan struct{})
	pv := client.NewPoolView(pool, c.Pool.Map(), c.Pool.URIs(), func(context.Context) (*placement.PoolMap, map[uint32]fabric.URI, error) {
		calls.Add(1)
		<-release
		return newer, c.Pool.URIs(), nil
	})
	ctx := context.Background()
	const n = 8
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { errs <- pv.Refresh(ctx) }()
	}
	// One more gives up while the refresh runs.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, pv.Refresh(short), daos.ErrTimedout)
	close(release)
	for i := 0; i < n; i++ {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, int32(1), calls.Load(), "one refresh for all")
	assert.Equal(t, newer.Version(), pv.Map().Version())
	// The view is newer than the stale caller's map: nothing to do.
	require.NoError(t, pv.RefreshFrom(ctx, newer.Version()-1))
	assert.Equal(t, int32(1), calls.Load())
}

// TestPoolViewRefreshFromOnce: callers that all found the same map stale
// refresh it once, however their checks interleave with the end of the
// refresh (one that looked just before the new map was stored, and locked
// just after the refresh ended, used to start a second). Many waves of
// concurrent callers, the refresh itself instant.
func TestPoolViewRefreshFromOnce(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	for wave := 0; wave < 200; wave++ {
		old := c.Pool.Map()
		newer := old.Clone()
		require.NoError(t, newer.AddRanks([]placement.RankSpec{{Rank: 9, Targets: 4, FaultPath: "/node9"}}))
		var calls atomic.Int32
		pv := client.NewPoolView(pool, old, c.Pool.URIs(), func(context.Context) (*placement.PoolMap, map[uint32]fabric.URI, error) {
			calls.Add(1)
			return newer, c.Pool.URIs(), nil
		})
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, pv.RefreshFrom(ctx, old.Version()))
			}()
		}
		wg.Wait()
		require.Equal(t, int32(1), calls.Load(), "wave %d: refreshes", wave)
	}
}

// What no server could take is refused before anything is sent, with
// DAOS's codes: oversized keys DER_KEY2BIG, IODs of no type and updates
// whose extents overlap DER_INVAL. Nothing is written by a refused update.
func TestRefusedIO(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	o, err := c.Object(oidOf(t, c, "S1", 77))
	require.NoError(t, err)
	big := bytes.Repeat([]byte("k"), objproto.MaxKeyBytes+1)
	single := daos.IOD{Name: []byte("a"), Type: daos.IODSingle, Size: 1}
	arr := func(rs ...daos.Recx) daos.IOD {
		return daos.IOD{Name: []byte("arr"), Type: daos.IODArray, Size: 1, Recxs: rs}
	}
	for name, tc := range map[string]struct {
		dkey []byte
		iod  daos.IOD
		data []byte
		want daos.Errno
	}{
		"dkey too big":  {big, single, []byte("x"), daos.ErrKey2big},
		"akey too big":  {[]byte("d"), daos.IOD{Name: big, Type: daos.IODSingle, Size: 1}, []byte("x"), daos.ErrKey2big},
		"no type":       {[]byte("d"), daos.IOD{Name: []byte("a"), Size: 1}, []byte("x"), daos.ErrInval},
		"overlap":       {[]byte("d"), arr(daos.Recx{Idx: 0, Nr: 4}, daos.Recx{Idx: 3, Nr: 2}), []byte("abcdef"), daos.ErrInval},
		"overlap later": {[]byte("d"), arr(daos.Recx{Idx: 10, Nr: 2}, daos.Recx{Idx: 0, Nr: 4}, daos.Recx{Idx: 11, Nr: 1}), []byte("abcdefg"), daos.ErrInval},
	} {
		_, err := o.Update(ctx, tc.dkey, []daos.IOD{tc.iod}, [][]byte{tc.data}, 0)
		require.ErrorIs(t, err, tc.want, name)
		_, err = o.Fetch(ctx, daos.EpochMax, tc.dkey, []daos.IOD{tc.iod}, [][]byte{make([]byte, len(tc.data))}, 0)
		if tc.want == daos.ErrKey2big || name == "no type" {
			require.ErrorIs(t, err, tc.want, "fetch: "+name)
		}
	}
	sizes, err := o.Sizes(ctx, daos.EpochMax, []byte("d"), []daos.IOD{arr(daos.Recx{Idx: 0, Nr: 16})})
	require.NoError(t, err)
	require.Zero(t, sizes[0], "a refused update wrote nothing")
	// Adjacent extents do not overlap.
	_, err = o.Update(ctx, []byte("d"), []daos.IOD{arr(daos.Recx{Idx: 4, Nr: 2}, daos.Recx{Idx: 0, Nr: 4})}, [][]byte{[]byte("efabcd")}, 0)
	require.NoError(t, err)
}

// MaxEpoch is the newest update or punch in any group; 0 before any.
func TestObjectMaxEpoch(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	o, err := c.Object(oidOf(t, c, "SX", 78))
	require.NoError(t, err)
	e, err := o.MaxEpoch(ctx)
	require.NoError(t, err)
	require.Zero(t, e, "never written")
	iod := daos.IOD{Name: []byte("a"), Type: daos.IODSingle, Size: 1}
	var last daos.Epoch
	for i := range 8 {
		last, err = o.Update(ctx, []byte(fmt.Sprint("k", i)), []daos.IOD{iod}, [][]byte{[]byte("x")}, 0)
		require.NoError(t, err)
	}
	e, err = o.MaxEpoch(ctx)
	require.NoError(t, err)
	require.Equal(t, last, e, "the last of 8 updates over the groups")
	require.NoError(t, o.PunchDkeys(ctx, [][]byte{[]byte("k3")}, 0))
	e2, err := o.MaxEpoch(ctx)
	require.NoError(t, err)
	require.Greater(t, e2, e, "a punch is a change")
}

// The wide classes do I/O across their groups: S16 and S32 on 32 targets
// (the model test's 12 targets refuse them). Every value reads back, the
// dkeys list whole, and the dkeys reach every group's target.
func TestWideClasses(t *testing.T) {
	c, engines := clienttest.Cluster(t, clienttest.Options{Ranks: 4, Targets: 8, SCMBytes: 16 << 20})
	ctx := context.Background()
	for i, class := range []string{"S16", "S32"} {
		oid := oidOf(t, c, class, uint64(900+i))
		o, err := c.Object(oid)
		require.NoError(t, err)
		iod := daos.IOD{Name: []byte("v"), Type: daos.IODSingle, Size: 8}
		const n = 400
		for k := range n {
			_, err := o.Update(ctx, []byte(fmt.Sprint("dk", k)), []daos.IOD{iod}, [][]byte{[]byte(fmt.Sprintf("%08d", k))}, 0)
			require.NoError(t, err, class)
		}
		buf := make([]byte, 8)
		for k := range n {
			_, err := o.Fetch(ctx, daos.EpochMax, []byte(fmt.Sprint("dk", k)), []daos.IOD{iod}, [][]byte{buf}, 0)
			require.NoError(t, err, class)
			require.Equal(t, fmt.Sprintf("%08d", k), string(buf), class)
		}
		var anchor client.Anchor
		listed := 0
		for !anchor.EOF {
			keys, err := o.ListDkeys(ctx, daos.EpochMax, &anchor, 64)
			require.NoError(t, err)
			listed += len(keys)
		}
		require.Equal(t, n, listed, class)
		// Targets holding the object: one per group of the class.
		holding := 0
		for _, ts := range engines {
			for _, tg := range ts {
				vp, err := tg.Shard(target.UUID(pool))
				require.NoError(t, err)
				oids, err := vp.ListObjects(vos.ContainerID(c.UUID), daos.EpochMax, &vos.Anchor{}, 100, vos.ReadOptions{})
				if err == nil && slices.Contains(oids, oid) {
					holding++
				}
			}
		}
		require.Equal(t, map[string]int{"S16": 16, "S32": 32}[class], holding, "targets holding the %s object", class)
	}
}

// TestIntegerKeysAreEightBytes: objects whose dkeys (or akeys) are 64-bit
// integers refuse keys of any other length (-DER_INVAL, as DAOS), and
// take 8-byte ones.
func TestIntegerKeysAreEightBytes(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	one := []byte{1}
	eight := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	for _, tc := range []struct {
		typ        placement.OType
		dkey, akey bool // integer dkeys, akeys
	}{
		{placement.OTDkeyUint64, true, false},
		{placement.OTAkeyUint64, false, true},
		{placement.OTMultiUint64, true, true},
		{placement.OTMultiHashed, false, false},
	} {
		oid, err := placement.GenerateOID(daos.ObjectID{Lo: 900 + uint64(tc.typ)}, tc.typ, placement.Name2ID("S1"), 0, c.Pool.Map().Shape(0))
		require.NoError(t, err)
		o, err := c.Object(oid)
		require.NoError(t, err)
		update := func(dkey, akey []byte) error {
			_, err := o.Update(ctx, dkey, []daos.IOD{{Name: akey, Type: daos.IODSingle, Size: 1}}, [][]byte{{7}}, 0)
			return err
		}
		check := func(err error, integer bool, what string) {
			if integer {
				require.ErrorIs(t, err, daos.ErrInval, "type %d: %s", tc.typ, what)
			} else {
				require.NoError(t, err, "type %d: %s", tc.typ, what)
			}
		}
		check(update(one, eight), tc.dkey, "a 1-byte dkey")
		check(update(eight, one), tc.akey, "a 1-byte akey")
		require.NoError(t, update(eight, eight), "type %d: 8-byte keys", tc.typ)
		_, err = o.Fetch(ctx, daos.EpochMax, one, []daos.IOD{{Name: eight, Type: daos.IODSingle, Size: 1}}, [][]byte{make([]byte, 1)}, 0)
		check(err, tc.dkey, "a fetch with a 1-byte dkey")
	}
}

// TestUpdateDataFitsIODs checks an update's data against its IODs, both
// ways and on both paths (Update and StartUpdate): short data is
// DER_REC2BIG and writes nothing; longer data is allowed and only the
// bytes the IOD describes are stored, the caller's slices untouched.
func TestUpdateDataFitsIODs(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	o, err := c.Object(oidOf(t, c, "S1", 78))
	require.NoError(t, err)
	single := daos.IOD{Name: []byte("s"), Type: daos.IODSingle, Size: 4}
	arr := daos.IOD{Name: []byte("a"), Type: daos.IODArray, Size: 2, Recxs: []daos.Recx{{Idx: 0, Nr: 2}, {Idx: 4, Nr: 1}}}
	start := func(dkey []byte, iods []daos.IOD, data [][]byte) error {
		errc := make(chan error, 1)
		o.StartUpdate(ctx, dkey, iods, data, 0, func(_ daos.Epoch, err error) { errc <- err })
		return <-errc
	}
	update := func(dkey []byte, iods []daos.IOD, data [][]byte) error {
		_, err := o.Update(ctx, dkey, iods, data, 0)
		return err
	}
	for name, up := range map[string]func([]byte, []daos.IOD, [][]byte) error{"Update": update, "StartUpdate": start} {
		dkey := []byte(name)
		require.ErrorIs(t, up(dkey, []daos.IOD{single}, [][]byte{[]byte("abc")}), daos.ErrRec2big, name)
		require.ErrorIs(t, up(dkey, []daos.IOD{single, arr}, [][]byte{[]byte("abcd"), []byte("12345")}), daos.ErrRec2big, name)
		require.ErrorIs(t, up(dkey, []daos.IOD{single, arr}, [][]byte{[]byte("abcd")}), daos.ErrInval, name)
		sizes, err := o.Sizes(ctx, daos.EpochMax, dkey, []daos.IOD{single, arr})
		require.NoError(t, err)
		require.Equal(t, []uint64{0, 0}, sizes, "%s: refused updates wrote nothing", name)

		data := [][]byte{[]byte("abcdEXTRA"), []byte("123456tail")}
		require.NoError(t, up(dkey, []daos.IOD{single, arr}, data), name)
		require.Equal(t, "abcdEXTRA", string(data[0]), "%s: the caller's data is not changed", name)
		bufs := [][]byte{make([]byte, 4), make([]byte, 6)}
		sizes, err = o.Fetch(ctx, daos.EpochMax, dkey, []daos.IOD{single, arr}, bufs, 0)
		require.NoError(t, err)
		require.Equal(t, []uint64{4, 2}, sizes, name)
		require.Equal(t, "abcd", string(bufs[0]), name)
		require.Equal(t, "123456", string(bufs[1]), name)

		// Fetch buffers longer than their IODs' data: each IOD's data
		// lands in its own buffer (the engine lays them back to back).
		bufs = [][]byte{[]byte("............"), []byte("......----")}
		for _, fetch := range []func() error{
			func() error {
				_, err := o.Fetch(ctx, daos.EpochMax, dkey, []daos.IOD{single, arr}, bufs, 0)
				return err
			},
			func() error {
				errc := make(chan error, 1)
				o.StartFetch(ctx, daos.EpochMax, dkey, []daos.IOD{single, arr}, bufs, 0, func(_ []uint64, err error) { errc <- err })
				return <-errc
			},
		} {
			require.NoError(t, fetch(), name)
			require.Equal(t, "abcd........", string(bufs[0]), name)
			require.Equal(t, "123456----", string(bufs[1]), name)
		}
	}
}

// TestListDkeysOneGroup: anchors limited to one group each (the split
// daos_obj_anchor_split makes) list disjoint parts that together are the
// whole object, each key from its own group.
func TestListDkeysOneGroup(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	o, err := c.Object(oidOf(t, c, "SX", 2))
	require.NoError(t, err)
	const n = 200
	for i := 0; i < n; i++ {
		_, err := o.Update(ctx, []byte(fmt.Sprintf("key-%03d", i)), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}, [][]byte{{1}}, 0)
		require.NoError(t, err)
	}
	l, err := o.Layout()
	require.NoError(t, err)
	require.Greater(t, l.Groups, 1)
	seen := map[string]bool{}
	for g := 0; g < l.Groups; g++ {
		anchor := &client.Anchor{Group: g, OneGroup: true}
		for pages := 0; !anchor.EOF; pages++ {
			require.Less(t, pages, n+1)
			keys, err := o.ListDkeys(ctx, daos.EpochMax, anchor, 7)
			require.NoError(t, err)
			for _, k := range keys {
				assert.Equal(t, g, l.GroupOfDkey(k), "key %q listed by group %d", k, g)
				assert.False(t, seen[string(k)], "key %q listed twice", k)
				seen[string(k)] = true
			}
			assert.Equal(t, g, anchor.Group, "the listing left its group")
		}
	}
	assert.Len(t, seen, n)
}
