package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// PoolView is what a client knows of a pool: its map and where ranks are.
type PoolView struct {
	UUID objproto.UUID

	mu   sync.RWMutex
	pm   *placement.PoolMap
	uris map[uint32]fabric.URI
	// refresh fetches a newer map (and rank addresses) after an engine
	// said the client's is stale; nil: cannot refresh.
	refresh func(ctx context.Context) (*placement.PoolMap, map[uint32]fabric.URI, error)
	// refreshing is the refresh in progress (guarded by refreshMu), which
	// callers that find the map stale at the same time share.
	refreshMu  sync.Mutex
	refreshing *refreshCall
}

// refreshCall is one refresh of a pool view and its outcome.
type refreshCall struct {
	done chan struct{}
	err  error // set before done closes
}

// NewPoolView makes a view from a map and rank addresses; refresh (may be
// nil) gets newer ones.
func NewPoolView(uuid objproto.UUID, pm *placement.PoolMap, uris map[uint32]fabric.URI,
	refresh func(ctx context.Context) (*placement.PoolMap, map[uint32]fabric.URI, error)) *PoolView {
	return &PoolView{UUID: uuid, pm: pm, uris: uris, refresh: refresh}
}

// Map is the current pool map.
func (v *PoolView) Map() *placement.PoolMap {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.pm
}

// URIs is a copy of the rank addresses.
func (v *PoolView) URIs() map[uint32]fabric.URI {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make(map[uint32]fabric.URI, len(v.uris))
	for r, u := range v.uris {
		out[r] = u
	}
	return out
}

// SetURIs replaces the rank addresses (after a group map change).
func (v *PoolView) SetURIs(uris map[uint32]fabric.URI) {
	v.mu.Lock()
	v.uris = uris
	v.mu.Unlock()
}

func (v *PoolView) uri(rank uint32) (fabric.URI, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	u, ok := v.uris[rank]
	if !ok {
		return fabric.URI{}, daos.Errorf(daos.ErrUnreach, "rank %d has no known address", rank)
	}
	return u, nil
}

// Refresh gets a newer map, if the view can. Callers at the same time
// share one refresh (a fan-out over an object's groups that finds the map
// stale would otherwise ask the pool service once per group); each waits
// within its own ctx.
func (v *PoolView) Refresh(ctx context.Context) error { return v.refreshUnless(ctx, math.MaxUint32) }

// RefreshFrom refreshes the view after an engine found map version
// stale, unless the view already holds a newer one (another caller
// refreshed meanwhile).
func (v *PoolView) RefreshFrom(ctx context.Context, stale uint32) error {
	return v.refreshUnless(ctx, stale)
}

// refreshUnless refreshes the view, or joins the refresh under way,
// unless the view already holds a map newer than stale (never, for
// math.MaxUint32). The
// check is made again under refreshMu before a refresh starts: a refresh
// stores its map before it clears refreshing, so a caller that found the
// old map just before the last refresh ended sees the new one there, and
// does not start a second.
func (v *PoolView) refreshUnless(ctx context.Context, stale uint32) error {
	newer := func() bool { pm := v.Map(); return pm != nil && pm.Version() > stale }
	if newer() {
		return nil
	}
	if v.refresh == nil {
		return daos.Errorf(daos.ErrStale, "pool map is stale and this view cannot refresh it")
	}
	v.refreshMu.Lock()
	c := v.refreshing
	if c == nil {
		if newer() {
			v.refreshMu.Unlock()
			return nil
		}
		c = &refreshCall{done: make(chan struct{})}
		v.refreshing = c
		go func() {
			// Not tied to the first caller's ctx: the others share it.
			err := v.refreshNow(context.WithoutCancel(ctx))
			v.refreshMu.Lock()
			v.refreshing = nil
			v.refreshMu.Unlock()
			c.err = err
			close(c.done)
		}()
	}
	v.refreshMu.Unlock()
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return daos.Errorf(daos.ErrTimedout, "refresh the pool map: %v", ctx.Err())
	}
}

// refreshNow asks for a newer map and takes it.
func (v *PoolView) refreshNow(ctx context.Context) error {
	pm, uris, err := v.refresh(ctx)
	if err != nil {
		return fmt.Errorf("refresh the pool map: %w", err)
	}
	v.mu.Lock()
	if v.pm == nil || pm.Version() >= v.pm.Version() {
		v.pm, v.uris = pm, uris
	}
	v.mu.Unlock()
	return nil
}

// Container is an open container: the pool view, the container and the
// open handle its I/O names.
type Container struct {
	Pool   *PoolView
	UUID   objproto.UUID
	Handle objproto.UUID
	IO     *objclient.Client
	// Info is the container as it was when opened (nil for views made
	// by hand).
	Info *poolsvc.ContInfo
	pool *Pool
	// flags are the open flags (RO, RW, EX); 0 for views made by hand.
	flags uint64
	// imported: received from another process (ContainerFromGlobal), so
	// Close must not close the handle at the pool service.
	imported bool
	// csum is how the container's data is summed (its cksum properties
	// as opened; off for views made by hand).
	csum csum.Spec
}

// csumSpec reads a container's checksum properties (as the pool service
// formats them: cksum by name, cksum_size in bytes, srv_cksum on/off).
func csumSpec(info *poolsvc.ContInfo) (csum.Spec, error) {
	var s csum.Spec
	if info == nil {
		return s, nil
	}
	typ, ok := info.Props["cksum"]
	if !ok {
		return s, nil
	}
	t, err := csum.ParseType(typ)
	if err != nil {
		return s, fmt.Errorf("container property cksum: %w", err)
	}
	if t == csum.Off {
		return s, nil
	}
	chunk, err := strconv.ParseUint(info.Props["cksum_size"], 10, 32)
	if err != nil || chunk == 0 {
		return s, daos.Errorf(daos.ErrInval, "container property cksum_size %q: not a chunk size in bytes", info.Props["cksum_size"])
	}
	s = csum.Spec{Type: t, ChunkBytes: uint32(chunk), ServerVerify: info.Props["srv_cksum"] == "on"}
	return s, s.Check()
}

// Object is an object of a container, opened for I/O.
type Object struct {
	c    *Container
	oid  daos.ObjectID
	mode uint32

	mu     sync.Mutex
	layout *placement.Layout
}

// Object open modes (daos_obj_open's DAOS_OO_*): read-only or read-write,
// exclusive, and I/O pattern hints.
const (
	OORO     uint32 = 2
	OORW     uint32 = 4
	OOExcl   uint32 = 8
	OOIORand uint32 = 16
	OOIOSeq  uint32 = 32
)

// Object opens oid of c with the container's own access: read-write when
// the container is open for writing, else read-only (no RPC: the layout
// comes from the pool map).
func (c *Container) Object(oid daos.ObjectID) (*Object, error) {
	if c.flags != 0 && c.flags&(RW|EX) == 0 {
		return c.OpenObject(oid, OORO)
	}
	return c.OpenObject(oid, OORW)
}

// OpenObject opens oid with a mode (daos_obj_open): OORO or OORW, maybe
// with OOExcl and one I/O hint. Writing through a read-only object, or
// opening one for writing in a container opened read-only, is DER_NO_PERM.
func (c *Container) OpenObject(oid daos.ObjectID, mode uint32) (*Object, error) {
	access := mode & (OORO | OORW)
	switch {
	case mode&^(OORO|OORW|OOExcl|OOIORand|OOIOSeq) != 0:
		return nil, daos.Errorf(daos.ErrInval, "object %s: unknown open mode bits %#x", oid, mode&^(OORO|OORW|OOExcl|OOIORand|OOIOSeq))
	case access == 0 || access == OORO|OORW:
		return nil, daos.Errorf(daos.ErrInval, "object %s: open mode %#x must be read-only or read-write", oid, mode)
	case mode&OOIORand != 0 && mode&OOIOSeq != 0:
		return nil, daos.Errorf(daos.ErrInval, "object %s: open mode %#x gives both I/O hints", oid, mode)
	case access == OORW && c.flags != 0 && c.flags&(RW|EX) == 0:
		return nil, daos.Errorf(daos.ErrNoPerm, "object %s: the container is open read-only", oid)
	}
	// The class is checked now, as daos_obj_open does; the layout is
	// computed at the first I/O (a file created and never written, as
	// many are, needs none, and placing 12 groups is a good part of a
	// create's CPU).
	if _, size, err := placement.Shape(c.Pool.Map(), oid); err != nil {
		return nil, fmt.Errorf("object %s: layout: %w", oid, err)
	} else if size != 1 {
		return nil, errNeedsRedundancy(oid)
	}
	return &Object{c: c, oid: oid, mode: mode}, nil
}

func errNeedsRedundancy(oid daos.ObjectID) error {
	return daos.Errorf(daos.ErrNosys, "object %s: class %s needs replication or erasure coding, which this build does not do yet",
		oid, className(placement.OIDClass(oid)))
}

// writable refuses writes through a read-only object.
func (o *Object) writable() error {
	if o.mode&OORW == 0 {
		return daos.Errorf(daos.ErrNoPerm, "object %s is open read-only", o.oid)
	}
	return nil
}

// OID is the object's id.
func (o *Object) OID() daos.ObjectID { return o.oid }

func (o *Object) currentLayout() (*placement.Layout, error) {
	pm := o.c.Pool.Map()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.layout != nil && o.layout.MapVersion == pm.Version() {
		return o.layout, nil
	}
	l, err := placement.ComputeLayout(pm, o.oid)
	if err != nil {
		return nil, fmt.Errorf("object %s: layout: %w", o.oid, err)
	}
	if l.GroupSize != 1 {
		return nil, errNeedsRedundancy(o.oid)
	}
	o.layout = l
	return l, nil
}

// Layout is the object's current layout.
func (o *Object) Layout() (*placement.Layout, error) { return o.currentLayout() }

func (o *Object) header(l *placement.Layout) objproto.Header {
	return objproto.Header{Pool: o.c.Pool.UUID, Cont: o.c.UUID, ContHandle: o.c.Handle, MapVersion: l.MapVersion, OID: o.oid, Csum: o.c.csum}
}

// shard is where group g lives.
func (o *Object) shard(l *placement.Layout, g int) (objclient.Shard, error) {
	s := l.Group(g)[0]
	if s.Target < 0 {
		return objclient.Shard{}, daos.Errorf(daos.ErrUnreach, "object %s group %d has no usable target", o.oid, g)
	}
	u, err := o.c.Pool.uri(s.Rank)
	if err != nil {
		return objclient.Shard{}, err
	}
	return objclient.Shard{URI: u, Target: uint32(s.Target)}, nil
}

// withShard runs fn against the shard of group g (or of dkey when g < 0),
// refreshing the pool map and retrying once when an engine says the map
// is stale.
func (o *Object) withShard(ctx context.Context, dkey []byte, g int, fn func(objproto.Header, objclient.Shard) error) error {
	for attempt := 0; ; attempt++ {
		l, err := o.currentLayout()
		if err != nil {
			return err
		}
		grp := g
		if grp < 0 {
			grp = l.GroupOfDkey(dkey)
		}
		s, err := o.shard(l, grp)
		if err != nil {
			return err
		}
		err = fn(o.header(l), s)
		if !errors.Is(err, daos.ErrStale) || attempt > 0 {
			return err
		}
		if rerr := o.c.Pool.RefreshFrom(ctx, l.MapVersion); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
}

// Update writes iods of dkey; data holds each IOD's bytes.
func (o *Object) Update(ctx context.Context, dkey []byte, iods []daos.IOD, data [][]byte, flags daos.CondFlags) (daos.Epoch, error) {
	if err := o.writable(); err != nil {
		return 0, err
	}
	if err := o.checkIO("update", dkey, iods, true); err != nil {
		return 0, err
	}
	data, err := fitData(iods, data)
	if err != nil {
		return 0, err
	}
	var epoch daos.Epoch
	err = o.withShard(ctx, dkey, -1, func(h objproto.Header, s objclient.Shard) error {
		h.Flags = flags
		var err error
		epoch, err = o.c.IO.Update(ctx, s, h, dkey, iods, data)
		return err
	})
	return epoch, err
}

// Fetch reads iods of dkey at epoch (EpochMax: the newest) into bufs and
// returns each IOD's size.
func (o *Object) Fetch(ctx context.Context, epoch daos.Epoch, dkey []byte, iods []daos.IOD, bufs [][]byte, flags daos.CondFlags) ([]uint64, error) {
	if err := o.checkIO("fetch", dkey, iods, false); err != nil {
		return nil, err
	}
	var sizes []uint64
	err := o.withShard(ctx, dkey, -1, func(h objproto.Header, s objclient.Shard) error {
		h.Epoch, h.Flags = epoch, flags
		var err error
		sizes, err = o.c.IO.Fetch(ctx, s, h, dkey, iods, bufs)
		return err
	})
	return sizes, err
}

// StartUpdate is Update for a caller that cannot wait: it returns once
// the request is out (or the update has failed), and done gets the
// result on whichever goroutine ends the call (rpc.Endpoint.Start); done
// must not block. A stale pool map is refreshed and the update sent
// again, as Update does, on a goroutine of its own. Data of InlineBytes or
// more may be copied into the connection before StartUpdate returns.
func (o *Object) StartUpdate(ctx context.Context, dkey []byte, iods []daos.IOD, data [][]byte, flags daos.CondFlags, done func(daos.Epoch, error)) {
	if err := o.writable(); err != nil {
		done(0, err)
		return
	}
	if err := o.checkIO("update", dkey, iods, true); err != nil {
		done(0, err)
		return
	}
	data, err := fitData(iods, data)
	if err != nil {
		done(0, err)
		return
	}
	l, h, s, err := o.target(dkey)
	if err != nil {
		done(0, err)
		return
	}
	h.Flags = flags
	o.c.IO.StartUpdate(ctx, s, h, dkey, iods, data, func(epoch daos.Epoch, err error) {
		if errors.Is(err, daos.ErrStale) {
			retryStale(o, ctx, l, err, done, func() (daos.Epoch, error) { return o.Update(ctx, dkey, iods, data, flags) })
			return
		}
		done(epoch, err)
	})
}

// InlineBytes is the data size from which updates and fetches move
// their values by bulk handle instead of inside the messages.
func (o *Object) InlineBytes() int { return o.c.IO.InlineBytes() }

// StartFetch is Fetch for a caller that cannot wait, as StartUpdate is
// Update's.
func (o *Object) StartFetch(ctx context.Context, epoch daos.Epoch, dkey []byte, iods []daos.IOD, bufs [][]byte, flags daos.CondFlags, done func([]uint64, error)) {
	if err := o.checkIO("fetch", dkey, iods, false); err != nil {
		done(nil, err)
		return
	}
	l, h, s, err := o.target(dkey)
	if err != nil {
		done(nil, err)
		return
	}
	h.Epoch, h.Flags = epoch, flags
	o.c.IO.StartFetch(ctx, s, h, dkey, iods, bufs, func(sizes []uint64, err error) {
		if errors.Is(err, daos.ErrStale) {
			retryStale(o, ctx, l, err, done, func() ([]uint64, error) { return o.Fetch(ctx, epoch, dkey, iods, bufs, flags) })
			return
		}
		done(sizes, err)
	})
}

// retryStale ends a started operation an engine refused as stale (err)
// as withShard would: on a goroutine of its own, the view is refreshed
// past layout l and the operation run again synchronously (again).
func retryStale[T any](o *Object, ctx context.Context, l *placement.Layout, err error, done func(T, error), again func() (T, error)) {
	o.c.IO.Go(func() {
		if rerr := o.c.Pool.RefreshFrom(ctx, l.MapVersion); rerr != nil {
			var zero T
			done(zero, errors.Join(err, rerr))
			return
		}
		done(again())
	})
}

// target is the layout, request header and shard for dkey now.
func (o *Object) target(dkey []byte) (*placement.Layout, objproto.Header, objclient.Shard, error) {
	l, err := o.currentLayout()
	if err != nil {
		return nil, objproto.Header{}, objclient.Shard{}, err
	}
	s, err := o.shard(l, l.GroupOfDkey(dkey))
	if err != nil {
		return nil, objproto.Header{}, objclient.Shard{}, err
	}
	return l, o.header(l), s, nil
}

// Sizes returns the sizes of iods of dkey (0: nothing there).
func (o *Object) Sizes(ctx context.Context, epoch daos.Epoch, dkey []byte, iods []daos.IOD) ([]uint64, error) {
	if err := o.checkIO("fetch sizes", dkey, iods, false); err != nil {
		return nil, err
	}
	var sizes []uint64
	err := o.withShard(ctx, dkey, -1, func(h objproto.Header, s objclient.Shard) error {
		h.Epoch = epoch
		var err error
		sizes, err = o.c.IO.Sizes(ctx, s, h, dkey, iods)
		return err
	})
	return sizes, err
}

// checkIO refuses what no server could take, as DAOS's client does
// before sending: keys over the size limit (DER_KEY2BIG), IODs of no known
// type, and for updates extents that overlap within an IOD (DER_INVAL),
// whose bytes would have two values.
func (o *Object) checkIO(op string, dkey []byte, iods []daos.IOD, update bool) error {
	if len(dkey) > objproto.MaxKeyBytes {
		return daos.Errorf(daos.ErrKey2big, "%s: dkey of %d bytes is over the limit of %d", op, len(dkey), objproto.MaxKeyBytes)
	}
	// Integer keys are ordered as numbers: anything but 8 bytes is not one.
	t := placement.OIDType(o.oid)
	if t.DkeyIsUint64() && len(dkey) != 8 {
		return daos.Errorf(daos.ErrInval, "%s: a dkey of %d bytes for an object of integer dkeys (8 bytes)", op, len(dkey))
	}
	for i := range iods {
		iod := &iods[i]
		if len(iod.Name) > objproto.MaxKeyBytes {
			return daos.Errorf(daos.ErrKey2big, "%s: IOD %d: akey of %d bytes is over the limit of %d", op, i, len(iod.Name), objproto.MaxKeyBytes)
		}
		if t.AkeyIsUint64() && len(iod.Name) != 8 {
			return daos.Errorf(daos.ErrInval, "%s: IOD %d: an akey of %d bytes for an object of integer akeys (8 bytes)", op, i, len(iod.Name))
		}
		switch iod.Type {
		case daos.IODSingle:
		case daos.IODArray:
			if update && len(iod.Recxs) > 1 {
				if err := checkOverlap(iod.Recxs); err != nil {
					return daos.Errorf(daos.ErrInval, "%s: IOD %d (akey %q): %v", op, i, iod.Name, err)
				}
			}
		default:
			return daos.Errorf(daos.ErrInval, "%s: IOD %d (akey %q): unknown type %d", op, i, iod.Name, iod.Type)
		}
	}
	return nil
}

// fitData checks an update's data against its IODs, one buffer each.
// Less data than an IOD describes is DER_REC2BIG, refused before anything
// is sent, as DAOS does; more is allowed (an sg list may be larger than
// its IOD) and only the bytes the IOD describes are sent. An IOD whose
// size overflows is left to the server, which refuses it.
func fitData(iods []daos.IOD, data [][]byte) ([][]byte, error) {
	if len(data) != len(iods) {
		return nil, daos.Errorf(daos.ErrInval, "update: %d IODs with %d data buffers", len(iods), len(data))
	}
	out := data
	for i := range iods {
		need, ok := IODBytes(iods[i])
		if !ok {
			continue
		}
		switch have := uint64(len(data[i])); {
		case have < need:
			return nil, daos.Errorf(daos.ErrRec2big, "update: IOD %d (akey %q) describes %d bytes, its data holds %d", i, iods[i].Name, need, have)
		case have > need:
			if &out[0] == &data[0] {
				out = slices.Clone(data)
			}
			out[i] = data[i][:need]
		}
	}
	return out, nil
}

// IODBytes is how many bytes of data an IOD describes; false when that
// does not fit in 64 bits.
func IODBytes(iod daos.IOD) (uint64, bool) { return objproto.IODBytes(&iod) }

// checkOverlap reports two extents of rs that share a record.
func checkOverlap(rs []daos.Recx) error {
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b daos.Recx) int { return cmp.Compare(a.Idx, b.Idx) })
	for i := 1; i < len(sorted); i++ {
		prev := sorted[i-1]
		if prev.Nr > 0 && sorted[i].Idx < prev.Idx+prev.Nr {
			return fmt.Errorf("extents [%d, %d) and [%d, %d) overlap", prev.Idx, prev.Idx+prev.Nr, sorted[i].Idx, sorted[i].Idx+sorted[i].Nr)
		}
	}
	return nil
}

// PunchDkeys removes dkeys (each on its own shard).
func (o *Object) PunchDkeys(ctx context.Context, dkeys [][]byte, flags daos.CondFlags) error {
	if err := o.writable(); err != nil {
		return err
	}
	for _, dk := range dkeys {
		err := o.withShard(ctx, dk, -1, func(h objproto.Header, s objclient.Shard) error {
			h.Flags = flags
			_, err := o.c.IO.Punch(ctx, s, h, objproto.PunchDkeys, nil, [][]byte{dk})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// PunchAkeys removes akeys of dkey.
func (o *Object) PunchAkeys(ctx context.Context, dkey []byte, akeys [][]byte, flags daos.CondFlags) error {
	if err := o.writable(); err != nil {
		return err
	}
	return o.withShard(ctx, dkey, -1, func(h objproto.Header, s objclient.Shard) error {
		h.Flags = flags
		_, err := o.c.IO.Punch(ctx, s, h, objproto.PunchAkeys, dkey, akeys)
		return err
	})
}

// Punch removes the whole object from every group.
func (o *Object) Punch(ctx context.Context) error {
	if err := o.writable(); err != nil {
		return err
	}
	// One epoch for every shard, so the object disappears at one moment;
	// the shards are punched in parallel, one request per engine.
	epoch := o.c.IO.Clock.Now()
	_, errs, err := o.eachGroupAt(ctx, objproto.CollReq{Kind: objproto.CollPunch}, epoch)
	if err != nil {
		return err
	}
	return firstError(errs, nil)
}

// punchGroup punches the object's shard of group g at epoch.
func (o *Object) punchGroup(ctx context.Context, g int, epoch daos.Epoch) error {
	return o.withShard(ctx, nil, g, func(h objproto.Header, s objclient.Shard) error {
		h.Epoch = epoch
		_, err := o.c.IO.Punch(ctx, s, h, objproto.PunchObject, nil, nil)
		return err
	})
}

// Anchor resumes a dkey listing: the group reached and that group's
// position. With OneGroup the listing covers Group only, so that several
// listers can share an object a group each (daos_obj_anchor_split).
type Anchor struct {
	Group    int
	Key      []byte
	EOF      bool
	OneGroup bool
}

// ListDkeys returns up to max dkeys after anchor, walking the groups in
// order.
func (o *Object) ListDkeys(ctx context.Context, epoch daos.Epoch, anchor *Anchor, max int) ([][]byte, error) {
	l, err := o.currentLayout()
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for !anchor.EOF && len(out) < max {
		if anchor.Group >= l.Groups {
			anchor.EOF = true
			break
		}
		var resp *objproto.EnumResp
		err := o.withShard(ctx, nil, anchor.Group, func(h objproto.Header, s objclient.Shard) error {
			h.Epoch = epoch
			var err error
			resp, err = o.c.IO.Enumerate(ctx, s, objproto.EnumReq{Header: h, Kind: objproto.EnumDkeys, Anchor: anchor.Key, Max: uint32(max - len(out))})
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, resp.Keys...)
		anchor.Key = resp.Anchor
		if resp.EOF {
			anchor.Key = nil
			if anchor.OneGroup {
				anchor.EOF = true
				break
			}
			anchor.Group++
		}
	}
	return out, nil
}

// ListAkeys returns every akey of dkey.
func (o *Object) ListAkeys(ctx context.Context, epoch daos.Epoch, dkey []byte) ([][]byte, error) {
	var out [][]byte
	var anchor []byte
	for {
		var resp *objproto.EnumResp
		err := o.withShard(ctx, dkey, -1, func(h objproto.Header, s objclient.Shard) error {
			h.Epoch = epoch
			var err error
			resp, err = o.c.IO.Enumerate(ctx, s, objproto.EnumReq{Header: h, Kind: objproto.EnumAkeys, Dkey: dkey, Anchor: anchor})
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, resp.Keys...)
		if resp.EOF {
			return out, nil
		}
		anchor = resp.Anchor
	}
}

// RecxPage is one page of an akey's array extents (daos_obj_list_recx).
type RecxPage struct {
	Extents    []objproto.Extent
	RecordSize uint64
	// Anchor resumes after the page (opaque, at most 8 bytes); EOF says
	// there is nothing more.
	Anchor []byte
	EOF    bool
}

// ListRecx returns up to max extents of akey under dkey after anchor (nil:
// from the start), in increasing index order.
func (o *Object) ListRecx(ctx context.Context, epoch daos.Epoch, dkey, akey, anchor []byte, max int) (RecxPage, error) {
	if max <= 0 {
		return RecxPage{}, daos.Errorf(daos.ErrInval, "list recx: room for %d extents", max)
	}
	var resp *objproto.EnumResp
	err := o.withShard(ctx, dkey, -1, func(h objproto.Header, s objclient.Shard) error {
		h.Epoch = epoch
		var err error
		resp, err = o.c.IO.Enumerate(ctx, s, objproto.EnumReq{Header: h, Kind: objproto.EnumRecxs,
			Dkey: dkey, Akey: akey, Anchor: anchor, Max: uint32(max)})
		return err
	})
	if err != nil {
		return RecxPage{}, err
	}
	return RecxPage{Extents: resp.Extents, RecordSize: resp.RecordSize, Anchor: resp.Anchor, EOF: resp.EOF}, nil
}

func className(id placement.ClassID) string {
	name, _ := placement.ID2Name(id)
	return name
}

// KeyQuery is what QueryKey found: the dkey, akey and extent (each as
// asked for, else as given).
type KeyQuery struct {
	Dkey []byte
	Akey []byte
	Recx daos.Recx
}

// queryGroup runs a key query on the shard of group g.
func (o *Object) queryGroup(ctx context.Context, g int, epoch daos.Epoch, flags daos.QueryFlags, dkey, akey []byte) (*objproto.QueryKeyResp, error) {
	var resp *objproto.QueryKeyResp
	err := o.withShard(ctx, dkey, g, func(h objproto.Header, s objclient.Shard) error {
		h.Epoch = epoch
		var err error
		resp, err = o.c.IO.QueryKey(ctx, s, objproto.QueryKeyReq{Header: h, Query: flags, Dkey: dkey, Akey: akey})
		return err
	})
	return resp, err
}

// MaxEpoch is the epoch of the newest change (update or punch) to the
// object in any of its groups (daos_obj_query_max_epoch); 0 if it has
// never been written.
func (o *Object) MaxEpoch(ctx context.Context) (daos.Epoch, error) {
	resps, errs, err := o.eachGroupAt(ctx, objproto.CollReq{Kind: objproto.CollQueryKey, Query: daos.GetMaxEpoch}, daos.EpochMax)
	if err != nil {
		return 0, err
	}
	if err := firstError(errs, isNonexist); err != nil {
		return 0, err
	}
	var newest daos.Epoch
	for _, r := range resps {
		if r != nil {
			newest = max(newest, r.MaxEpoch)
		}
	}
	return newest, nil
}

// QueryKey is daos_obj_query_key: the greatest (GetMax) or least (GetMin)
// dkey (GetDkey), akey of it (GetAkey) and extent of that akey (GetRecx).
// A dkey query asks every group, since dkeys are spread over them, and
// keeps the extreme answer (integer dkeys compare as numbers); without
// GetDkey only dkey's group is asked. Nothing anywhere is DER_NONEXIST.
func (o *Object) QueryKey(ctx context.Context, epoch daos.Epoch, flags daos.QueryFlags, dkey, akey []byte) (KeyQuery, error) {
	if flags&daos.GetDkey == 0 {
		resp, err := o.queryGroup(ctx, -1, epoch, flags, dkey, akey)
		if err != nil {
			return KeyQuery{}, err
		}
		return KeyQuery{Dkey: resp.Dkey, Akey: resp.Akey, Recx: resp.Recx}, nil
	}
	intKeys := placement.OIDType(o.oid).DkeyIsUint64()
	resps, errs, err := o.eachGroupAt(ctx, objproto.CollReq{Kind: objproto.CollQueryKey, Query: flags, Akey: akey}, epoch)
	if err != nil {
		return KeyQuery{}, err
	}
	if err := firstError(errs, isNonexist); err != nil {
		return KeyQuery{}, err
	}
	var best *objproto.QueryKeyResp
	for _, resp := range resps {
		if resp == nil {
			continue
		}
		if best == nil || (compareDkeys(resp.Dkey, best.Dkey, intKeys) > 0) == (flags&daos.GetMax != 0) {
			best = resp
		}
	}
	if best == nil {
		return KeyQuery{}, daos.Errorf(daos.ErrNonexist, "object %s: no key found", o.oid)
	}
	return KeyQuery{Dkey: best.Dkey, Akey: best.Akey, Recx: best.Recx}, nil
}

// compareDkeys orders dkeys as VOS does: 8-byte little-endian integers by
// value for integer-dkey types, else bytewise.
func compareDkeys(a, b []byte, intKeys bool) int {
	if intKeys && len(a) == 8 && len(b) == 8 {
		x, y := binary.LittleEndian.Uint64(a), binary.LittleEndian.Uint64(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return bytes.Compare(a, b)
}
