package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/object/objsrv"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// Container handle cache bounds. When the pool service closes container
// handles (container close, pool disconnect, evict, forced destroy), its
// leader names them to every engine of the pool before it answers
// (poolhost, revoke.go) and the engines drop them at once (revoke), so
// the next I/O through them fails with DER_NO_HDL. handleTTL only bounds
// how long a closed handle may linger on an engine the leader could not
// reach in time. Unknown handles are remembered only briefly, so a
// handle opened just after a refusal works at once, and failures to
// reach the service are not remembered.
const (
	handleTTL    = 30 * time.Second
	noHandleTTL  = time.Second
	maxHandles   = 16384
	handleLookup = 10 * time.Second
)

// handleService is how the cache reaches pools' services: find gives a
// pool's service ranks, contHandle asks those replicas about a handle.
type handleService interface {
	find(ctx context.Context, pool objproto.UUID) (svcRanks []uint32, err error)
	contHandle(ctx context.Context, pool objproto.UUID, svcRanks []uint32, handle objproto.UUID) (*poolsvc.ContHandleReply, error)
}

type handleKey struct{ pool, handle objproto.UUID }

type handleEntry struct {
	info    objsrv.HandleInfo
	err     error // DER_NO_HDL, cached briefly
	expires time.Time
	// done is closed when a lookup in flight ends (nil once it has):
	// concurrent requests for a new handle share one lookup.
	done chan struct{}
	// revoked: the handle was closed while the lookup was in flight, so
	// its answer is not kept.
	revoked bool
}

type svcEntry struct {
	ranks   []uint32
	expires time.Time
}

// handleCache answers objsrv's container handle checks (objsrv.Handles)
// from the pools' services, caching the answers per (pool, handle).
type handleCache struct {
	svc handleService
	now func() time.Time

	mu      sync.Mutex
	entries map[handleKey]*handleEntry
	svcs    map[objproto.UUID]svcEntry
}

func newHandleCache(svc handleService) *handleCache {
	return &handleCache{svc: svc, now: time.Now, entries: map[handleKey]*handleEntry{}, svcs: map[objproto.UUID]svcEntry{}}
}

// ContHandle gives the container that handle is open on and whether it may
// write (objsrv.Handles).
func (c *handleCache) ContHandle(ctx context.Context, pool, handle objproto.UUID) (objsrv.HandleInfo, error) {
	k := handleKey{pool, handle}
	for {
		c.mu.Lock()
		e, ok := c.entries[k]
		if ok && e.done == nil && c.now().Before(e.expires) {
			c.mu.Unlock()
			return e.info, e.err
		}
		if ok && e.done != nil {
			done := e.done
			c.mu.Unlock()
			select {
			case <-done:
				continue
			case <-ctx.Done():
				return objsrv.HandleInfo{}, ctx.Err()
			}
		}
		e = &handleEntry{done: make(chan struct{})}
		c.makeRoom()
		c.entries[k] = e
		c.mu.Unlock()

		info, err := c.lookup(ctx, pool, handle)
		c.mu.Lock()
		close(e.done)
		e.done = nil
		switch {
		case e.revoked:
			// Closed meanwhile: the answer may predate the close.
			if c.entries[k] == e {
				delete(c.entries, k)
			}
		case err == nil:
			e.info, e.expires = info, c.now().Add(handleTTL)
		case errors.Is(err, daos.ErrNoHdl):
			e.err, e.expires = err, c.now().Add(noHandleTTL)
		default:
			// Not an answer about the handle: ask again next time.
			delete(c.entries, k)
		}
		c.mu.Unlock()
		return info, err
	}
}

// revoke drops closed container handles of pool (told by the pool
// service's leader): the next check of each asks the service again,
// which answers DER_NO_HDL. A lookup in flight keeps its answer for its
// own callers but not in the cache.
func (c *handleCache) revoke(pool objproto.UUID, handles []objproto.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range handles {
		k := handleKey{pool, h}
		e, ok := c.entries[k]
		if !ok {
			continue
		}
		if e.done != nil {
			e.revoked = true
			continue
		}
		delete(c.entries, k)
	}
}

// makeRoom keeps the cache under maxHandles: expired entries go first,
// then any settled ones (they are only a cache).
func (c *handleCache) makeRoom() {
	if len(c.entries) < maxHandles {
		return
	}
	now := c.now()
	for k, e := range c.entries {
		if e.done == nil && !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	for k, e := range c.entries {
		if len(c.entries) < maxHandles {
			break
		}
		if e.done == nil {
			delete(c.entries, k)
		}
	}
	if len(c.svcs) >= maxHandles {
		clear(c.svcs)
	}
}

func (c *handleCache) lookup(ctx context.Context, pool, handle objproto.UUID) (objsrv.HandleInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, handleLookup)
	defer cancel()
	ranks, err := c.svcRanks(ctx, pool)
	if err != nil {
		return objsrv.HandleInfo{}, err
	}
	r, err := c.svc.contHandle(ctx, pool, ranks, handle)
	if err != nil {
		if !errors.Is(err, daos.ErrNoHdl) {
			// The service may have moved: find it again next time.
			c.mu.Lock()
			delete(c.svcs, pool)
			c.mu.Unlock()
		}
		return objsrv.HandleInfo{}, err
	}
	if r.Handle == nil {
		return objsrv.HandleInfo{}, daos.Errorf(daos.ErrProto, "pool service answered no container handle")
	}
	u, err := target.ParseUUID(r.Cont)
	if err != nil {
		return objsrv.HandleInfo{}, daos.Errorf(daos.ErrProto, "pool service answered container %q: %v", r.Cont, err)
	}
	if err := r.Csum.Check(); err != nil {
		return objsrv.HandleInfo{}, daos.Errorf(daos.ErrProto, "pool service answered container %q: %v", r.Cont, err)
	}
	return objsrv.HandleInfo{Cont: objproto.UUID(u), Write: r.Handle.Flags&(poolsvc.FlagRW|poolsvc.FlagEX) != 0, Csum: r.Csum}, nil
}

// svcRanks finds pool's service replicas, remembered as long as handles.
func (c *handleCache) svcRanks(ctx context.Context, pool objproto.UUID) ([]uint32, error) {
	c.mu.Lock()
	s, ok := c.svcs[pool]
	c.mu.Unlock()
	if ok && c.now().Before(s.expires) {
		return s.ranks, nil
	}
	ranks, err := c.svc.find(ctx, pool)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.svcs[pool] = svcEntry{ranks: ranks, expires: c.now().Add(handleTTL)}
	c.mu.Unlock()
	return ranks, nil
}

// engineHandles reaches pool services for the cache: this engine's
// server finds a pool's service (POOL_FIND_BYLABEL matches UUIDs too),
// and the replicas answer a "cont_handle" query.
type engineHandles struct{ e *Engine }

func (h engineHandles) find(ctx context.Context, pool objproto.UUID) ([]uint32, error) {
	find := &enginepb.PoolFindResp{}
	id := target.UUID(pool).String()
	if err := h.e.srvCall(ctx, drpc.ModuleSrv, drpc.MethodPoolFindByLabel, &enginepb.PoolFindReq{Label: id}, find); err != nil {
		return nil, err
	}
	if find.Status != 0 {
		err := daos.FromCode(int(find.Status))
		if errors.Is(err, daos.ErrNonexist) {
			// No such pool: no handle of it is open.
			return nil, daos.Errorf(daos.ErrNoHdl, "pool %s: %v", id, err)
		}
		return nil, err
	}
	return find.Svcreps, nil
}

func (h engineHandles) contHandle(ctx context.Context, pool objproto.UUID, svcRanks []uint32, handle objproto.UUID) (*poolsvc.ContHandleReply, error) {
	r := &poolsvc.ContHandleReply{}
	q := poolsvc.Query{What: "cont_handle", ID: target.UUID(handle).String()}
	if err := h.e.serviceQuery(ctx, poolhost.UUID(pool), svcRanks, q, r); err != nil {
		return nil, err
	}
	return r, nil
}
