package poolhost

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// Pool map distribution.
//
// Each engine keeps, per pool, the highest pool map version it knows
// (MapVersions); object I/O placed with an older map is refused with
// DER_STALE (pkg/object/objsrv). The pool service leader pushes its map
// version to every rank of the map (OpMapDist) after a command and
// whenever it finds, on its periodic check, a rank that has not
// acknowledged the current version: a replica that becomes leader pushes
// at once, since it has no acknowledgement yet. Pushes run in the
// background, one goroutine per rank at a time, each bounded by
// pushTimeout and retried with backoff at most maxPushAttempts times per
// version; an engine missed that way learns the version by asking the
// service (the engine does so when it reopens a pool and when a client
// shows it a newer version than its own). A version only ever rises.

// OpMapDist carries a pool's map version from the pool service leader to
// an engine.
const OpMapDist rpc.Opcode = 0x0500000a

// MapDistReq tells an engine pool Pool's map version.
type MapDistReq struct {
	Pool    UUID
	Version uint32
}

func (m *MapDistReq) EncodeRPC(e *rpc.Encoder) {
	e.PutRaw(m.Pool[:])
	e.PutUint32(m.Version)
}

func (m *MapDistReq) DecodeRPC(d *rpc.Decoder) error {
	copy(m.Pool[:], d.Raw(16))
	m.Version = d.Uint32()
	return d.Err()
}

// MapDistResp is the version the engine holds after the push (higher than
// the one pushed when it knew a newer one already).
type MapDistResp struct{ Version uint32 }

func (m *MapDistResp) EncodeRPC(e *rpc.Encoder) { e.PutUint32(m.Version) }
func (m *MapDistResp) DecodeRPC(d *rpc.Decoder) error {
	m.Version = d.Uint32()
	return d.Err()
}

// MapVersions is, per pool, the highest pool map version an engine
// knows. The zero value is ready to use.
type MapVersions struct {
	mu sync.RWMutex
	v  map[UUID]uint32
}

// Learn records version v of pool p unless a newer one is known; it
// returns the version held afterwards.
func (m *MapVersions) Learn(p UUID, v uint32) uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.v == nil {
		m.v = map[UUID]uint32{}
	}
	if old, ok := m.v[p]; ok && old >= v {
		return old
	}
	m.v[p] = v
	return v
}

// Version is pool p's version; ok is false when none is known.
func (m *MapVersions) Version(p UUID) (v uint32, ok bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok = m.v[p]
	return v, ok
}

// Forget drops pool p (destroyed here).
func (m *MapVersions) Forget(p UUID) {
	m.mu.Lock()
	delete(m.v, p)
	m.mu.Unlock()
}

// hasShard tells whether the engine's targets hold a shard of pool p.
func (h *Host) hasShard(p UUID) bool {
	if len(h.cfg.Targets) == 0 {
		return false
	}
	_, err := h.cfg.Targets[0].Shard(target.UUID(p))
	return err == nil
}

// Maps is the engine's pool map versions (pushed by pool service leaders
// or learned otherwise).
func (h *Host) Maps() *MapVersions { return &h.maps }

func (h *Host) mapDist(_ context.Context, _ *rpc.Incoming, req *MapDistReq) (rpc.Message, error) {
	if !h.hasShard(req.Pool) {
		// Nothing of the pool here (any peer can send this): nothing
		// to keep, and no version to acknowledge.
		return &MapDistResp{}, nil
	}
	old, _ := h.maps.Version(req.Pool)
	v := h.maps.Learn(req.Pool, req.Version)
	if v != old {
		h.cfg.Logger.Debug("pool map version learned", "pool", target.UUID(req.Pool).String(), "version", v)
	}
	return &MapDistResp{Version: v}, nil
}

const (
	// defaultDistInterval is how often a leader checks that every rank
	// has its map version (and notices it leads).
	defaultDistInterval = 500 * time.Millisecond
	// pushTimeout bounds one push to one engine.
	pushTimeout = 2 * time.Second
	// maxPushAttempts bounds the pushes of one version to one rank.
	maxPushAttempts = 8
)

// distributor pushes one hosted replica's map version while it leads.
type distributor struct {
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// rankPush is what a leader knows of one rank's copy of the version.
type rankPush struct {
	acked    uint32 // highest version the rank acknowledged
	version  uint32 // version attempts counts for
	attempts int
	next     time.Time // no attempt before
	busy     bool
}

func newDistributor() *distributor {
	return &distributor{kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// poke asks for a check soon (never blocks).
func (d *distributor) poke() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

func (d *distributor) close() {
	close(d.stop)
	<-d.done
}

// startDist starts s's distributor (when the Host knows how to read maps).
func (h *Host) startDist(p UUID, s *hosted) {
	s.dist = newDistributor()
	if h.cfg.MapOf == nil {
		close(s.dist.done)
		return
	}
	go h.distLoop(p, s)
}

func (h *Host) distLoop(p UUID, s *hosted) {
	d := s.dist
	defer close(d.done)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: pushes in flight end at once
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interval := h.cfg.MapDistInterval
	if interval <= 0 {
		interval = defaultDistInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var mu sync.Mutex
	ranks := map[uint32]*rankPush{}
	for {
		select {
		case <-d.stop:
			return
		case <-d.kick:
		case <-tick.C:
		}
		if !s.rep.IsLeader() {
			// A leader to be pushes everything again.
			mu.Lock()
			clear(ranks)
			mu.Unlock()
			continue
		}
		v, rs, ok := h.cfg.MapOf(s.svc)
		if !ok {
			continue
		}
		// The leader's own engine learns directly.
		if self, ok := h.cfg.Self(); ok {
			h.maps.Learn(p, v)
			mu.Lock()
			ranks[self] = &rankPush{acked: max(v, valueOr(ranks[self]))}
			mu.Unlock()
		}
		var uris map[uint32]string
		if h.cfg.RankURIs != nil {
			uris = h.cfg.RankURIs()
		}
		ep, err := h.endpoint()
		if err != nil {
			continue
		}
		now := time.Now()
		mu.Lock()
		for _, r := range rs {
			st := ranks[r]
			if st == nil {
				st = &rankPush{}
				ranks[r] = st
			}
			if st.acked >= v || st.busy || now.Before(st.next) {
				continue
			}
			if st.version != v {
				st.version, st.attempts = v, 0
			}
			if st.attempts >= maxPushAttempts {
				continue // given up on this version: the engine asks
			}
			uri, err := fabric.ParseURI(uris[r])
			if err != nil {
				st.attempts = maxPushAttempts // no address: nothing to retry
				continue
			}
			st.busy = true
			st.attempts++
			wg.Add(1)
			go func(r uint32, st *rankPush, attempt int) {
				defer wg.Done()
				pctx, pcancel := context.WithTimeout(ctx, pushTimeout)
				resp := &MapDistResp{}
				err := ep.CallWith(pctx, uri, OpMapDist, &MapDistReq{Pool: p, Version: v}, resp, rpc.CallOptions{Idempotent: true})
				pcancel()
				mu.Lock()
				st.busy = false
				if err == nil {
					st.acked = max(st.acked, min(v, resp.Version))
				} else {
					st.next = time.Now().Add(time.Duration(1<<min(attempt, 6)) * 50 * time.Millisecond)
					h.cfg.Logger.Debug("pool map push failed", "pool", target.UUID(p).String(), "rank", r,
						"version", v, "attempt", attempt, "err", err)
				}
				mu.Unlock()
				if err == nil {
					d.poke() // a newer version may be waiting
				}
			}(r, st, st.attempts)
		}
		mu.Unlock()
	}
}

func valueOr(p *rankPush) uint32 {
	if p == nil {
		return 0
	}
	return p.acked
}

// OpMapVersion asks a pool's service leader for its map version (a
// ServiceReq with no body; the ServiceResp body is the version, 4 bytes
// little-endian).
const OpMapVersion rpc.Opcode = 0x0500000b

func (h *Host) mapVersion(ctx context.Context, _ *rpc.Incoming, req *ServiceReq) (rpc.Message, error) {
	s, redirect, err := h.leading(ctx, req.Pool)
	if err != nil || redirect != nil {
		return redirect, err
	}
	if h.cfg.MapOf == nil {
		return nil, daos.Errorf(daos.ErrNosys, "pool %s: this engine cannot read pool maps", target.UUID(req.Pool))
	}
	v, _, ok := h.cfg.MapOf(s.svc)
	if !ok {
		return nil, daos.Errorf(daos.ErrUninit, "pool %s: the service holds no pool map yet", target.UUID(req.Pool))
	}
	return &ServiceResp{Body: binary.LittleEndian.AppendUint32(nil, v)}, nil
}

// MapVersion asks pool p's service (through replicas) for its map version.
func (c *Client) MapVersion(ctx context.Context, p UUID, replicas []string) (uint32, error) {
	b, err := c.call(ctx, OpMapVersion, p, replicas, nil, true)
	if err != nil {
		return 0, err
	}
	if len(b) != 4 {
		return 0, daos.Errorf(daos.ErrProto, "pool %s: map version of %d bytes", fmtUUID(p), len(b))
	}
	return binary.LittleEndian.Uint32(b), nil
}

// AskMap asks pool p's service for its map version and learns it; it
// returns the version this engine holds afterwards.
func (h *Host) AskMap(ctx context.Context, p UUID, replicas []string) (uint32, error) {
	ep, err := h.endpoint()
	if err != nil {
		return 0, err
	}
	v, err := (&Client{EP: ep}).MapVersion(ctx, p, replicas)
	if err != nil {
		return 0, err
	}
	return h.maps.Learn(p, v), nil
}
