package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/placement"
)

// poolMaps answers objsrv's pool map version checks (objsrv.PoolMaps)
// from the versions pool service leaders push to this engine
// (poolhost.MapVersions): a request placed with an older map than the
// engine's is refused with DER_STALE, and the client refreshes its map
// and retries.
//
// A request carrying a newer version than the engine's, or naming a pool
// the engine holds no version of (it restarted, or missed pushes), is
// served: only the pool service makes maps, so the client's is at worst
// as new as the service's, and refusing it would stall the client until
// the engine caught up. The engine then asks the pool service for its
// version in the background (at most one ask per pool in flight, and
// one per askInterval). It does not adopt the client's claim, which a
// client could inflate to make every other client's map look stale.
type poolMaps struct {
	versions *poolhost.MapVersions
	host     *poolhost.Host
	log      *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	// find gives pool p's service replicas' URIs (nil: no asking).
	find func(ctx context.Context, p poolhost.UUID) ([]string, error)
	// local tells whether the engine holds a shard of pool p: only such
	// pools are asked about (any client can name any pool, and I/O to
	// a pool without a shard here fails anyway).
	local func(p poolhost.UUID) bool
	asked map[poolhost.UUID]time.Time // when the last ask started
	busy  map[poolhost.UUID]bool
}

const (
	// askInterval spaces an engine's asks for one pool's map version.
	askInterval = time.Second
	// askTimeout bounds one ask.
	askTimeout = 10 * time.Second
)

func newPoolMaps(host *poolhost.Host, log *slog.Logger, local func(poolhost.UUID) bool) *poolMaps {
	ctx, cancel := context.WithCancel(context.Background())
	return &poolMaps{versions: host.Maps(), host: host, log: log, ctx: ctx, cancel: cancel, local: local,
		asked: map[poolhost.UUID]time.Time{}, busy: map[poolhost.UUID]bool{}}
}

// MapVersion is the highest version of pool's map this engine knows.
func (m *poolMaps) MapVersion(pool objproto.UUID) (uint32, bool) {
	return m.versions.Version(poolhost.UUID(pool))
}

// NewerMap is told of a request placed with a newer map than the
// engine's (objsrv.MapLearner): ask the service.
func (m *poolMaps) NewerMap(pool objproto.UUID, _ uint32) { m.learn(poolhost.UUID(pool)) }

// learn asks pool p's service for its map version in the background.
func (m *poolMaps) learn(p poolhost.UUID) {
	if m.local != nil && !m.local(p) {
		return
	}
	m.mu.Lock()
	find := m.find
	if find == nil || m.busy[p] || time.Since(m.asked[p]) < askInterval || m.ctx.Err() != nil {
		m.mu.Unlock()
		return
	}
	m.busy[p], m.asked[p] = true, time.Now()
	m.wg.Add(1)
	m.mu.Unlock()
	go func() {
		defer m.wg.Done()
		ctx, cancel := context.WithTimeout(m.ctx, askTimeout)
		defer cancel()
		replicas, err := find(ctx, p)
		var v uint32
		if err == nil {
			v, err = m.host.AskMap(ctx, p, replicas)
		}
		if err != nil {
			m.log.Debug("pool map version not learned from the service", "pool", target.UUID(p).String(), "err", err)
		} else {
			m.log.Debug("pool map version learned from the service", "pool", target.UUID(p).String(), "version", v)
		}
		m.mu.Lock()
		delete(m.busy, p)
		m.mu.Unlock()
	}()
}

func (m *poolMaps) setFind(find func(context.Context, poolhost.UUID) ([]string, error)) {
	m.mu.Lock()
	m.find = find
	m.mu.Unlock()
}

// close stops asking and waits for asks in flight.
func (m *poolMaps) close() {
	m.cancel()
	m.wg.Wait()
}

// serviceMap reads a pool service's map version and ranks for the
// leader's pushes (poolhost.Config.MapOf).
func serviceMap(s poolhost.Service) (uint32, []uint32, bool) {
	ms, ok := s.(interface{ PoolMap() *placement.PoolMap })
	if !ok {
		return 0, nil, false
	}
	pm := ms.PoolMap()
	if pm == nil {
		return 0, nil, false // not created yet
	}
	var ranks []uint32
	for _, r := range pm.Ranks() {
		ranks = append(ranks, r.Rank)
	}
	return pm.Version(), ranks, true
}

// poolServiceURIs finds pool p's service replicas through this engine's
// server and the group map.
func (e *Engine) poolServiceURIs(ctx context.Context, p poolhost.UUID) ([]string, error) {
	ranks, err := engineHandles{e}.find(ctx, objproto.UUID(p))
	if err != nil {
		return nil, err
	}
	return e.member.replicaURIs(ctx, ranks), nil
}
