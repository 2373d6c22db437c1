package engine

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// membership is what the engine knows of its place in the system: its
// rank, whether it is set up, and the group map.
type membership struct {
	mu         sync.Mutex
	rank       uint32
	hasRank    bool
	up         bool
	stopping   bool
	mapVersion uint32
	group      map[uint32]string // rank -> fabric URI
	// onRank runs (in its own goroutine) when the engine first learns
	// its rank: the pool services it hosted before a restart reopen then.
	onRank func(rank uint32)
	// onKey receives the system's peer key of each join (the fabric
	// endpoint proves it to other engines); nil: nobody needs it.
	onKey func(key []byte) error
	// changed, when set, is closed by the next group update (urisFor
	// waits on it).
	changed chan struct{}
}

// groupWait bounds how long urisFor waits for the group map to name the
// ranks it is asked for.
const groupWait = 5 * time.Second

// urisFor is the group map, once it names every rank of ranks or once the
// engine has had its first group update, waiting for that up to groupWait
// (or ctx): an engine just (re)started serves requests before its
// server's first group update reaches it, and those that need other
// ranks' URIs (a pool's service replicas) must not fail for that. Later,
// a rank the map lacks is one the system dropped, and nobody waits for it.
func (m *membership) urisFor(ctx context.Context, ranks []uint32) map[uint32]string {
	return m.waitURIs(ctx, ranks, true)
}

// urisNaming is the group map once it names every rank of ranks, waiting
// up to groupWait (or ctx) for the updates that bring them. The ranks a
// management service plans a pool with have joined, so a map without
// them is one that lags the system's: the server pushes each new version
// within its membership interval.
func (m *membership) urisNaming(ctx context.Context, ranks []uint32) map[uint32]string {
	return m.waitURIs(ctx, ranks, false)
}

// waitURIs waits for the map to name ranks; with anyUpdate, a map that
// has had an update at all ends the wait too.
func (m *membership) waitURIs(ctx context.Context, ranks []uint32, anyUpdate bool) map[uint32]string {
	t := time.NewTimer(groupWait)
	defer t.Stop()
	for {
		m.mu.Lock()
		missing := slices.ContainsFunc(ranks, func(r uint32) bool { _, ok := m.group[r]; return !ok })
		if !missing || (anyUpdate && m.group != nil) {
			m.mu.Unlock()
			return m.uris()
		}
		if m.changed == nil {
			m.changed = make(chan struct{})
		}
		ch := m.changed
		m.mu.Unlock()
		select {
		case <-ch:
		case <-t.C:
			return m.uris()
		case <-ctx.Done():
			return m.uris()
		}
	}
}

// replicaURIs is the URIs of ranks, in their order, as urisFor finds them
// (ranks still unknown after the wait are left out).
func (m *membership) replicaURIs(ctx context.Context, ranks []uint32) []string {
	uris := m.urisFor(ctx, ranks)
	out := make([]string, 0, len(ranks))
	for _, r := range ranks {
		if u, ok := uris[r]; ok {
			out = append(out, u)
		}
	}
	return out
}

// self is the engine's rank, once set.
func (m *membership) self() (uint32, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rank, m.hasRank
}

// uris is the group map: every rank's fabric URI.
func (m *membership) uris() map[uint32]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[uint32]string, len(m.group))
	for r, u := range m.group {
		out[r] = u
	}
	return out
}

// Membership is a snapshot for logs and tests.
type Membership struct {
	Rank       uint32
	HasRank    bool
	Up         bool
	Stopping   bool
	MapVersion uint32
	Group      map[uint32]string
}

func (m *membership) snapshot() Membership {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := make(map[uint32]string, len(m.group))
	for r, u := range m.group {
		g[r] = u
	}
	return Membership{Rank: m.rank, HasRank: m.hasRank, Up: m.up, Stopping: m.stopping, MapVersion: m.mapVersion, Group: g}
}

func decode(body []byte, msg proto.Message) error {
	if err := proto.Unmarshal(body, msg); err != nil {
		return fmt.Errorf("%w: %v", drpc.ErrBadPayload, err)
	}
	return nil
}

func status(err error) ([]byte, error) {
	if err != nil {
		return proto.Marshal(&enginepb.DaosResp{Status: int32(daos.Code(err).DerCode())})
	}
	return proto.Marshal(&enginepb.DaosResp{})
}

// setRank answers MGMT SET_RANK. A rank, once set, does not change while
// the process lives: a different one means the server is confused.
func (m *membership) setRank(_ context.Context, body []byte) ([]byte, error) {
	req := &enginepb.SetRankReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hasRank && m.rank != req.Rank {
		return status(daos.Errorf(daos.ErrInval, "engine already has rank %d, refusing %d", m.rank, req.Rank))
	}
	if len(req.SystemKey) != 0 && m.onKey != nil {
		// Before the rank: engines that learn it may call this one at
		// once, and it must already trust them.
		if err := m.onKey(req.SystemKey); err != nil {
			return status(daos.Errorf(daos.ErrInval, "system key of the join: %v", err))
		}
	}
	// The join's map version is the system's now, even if lower than
	// one seen before (the management service's record was rebuilt).
	first := !m.hasRank
	m.rank, m.hasRank, m.mapVersion = req.Rank, true, req.MapVersion
	if first && m.onRank != nil {
		go m.onRank(req.Rank)
	}
	return status(nil)
}

// setUp answers MGMT SET_UP: the engine may start serving its targets.
func (m *membership) setUp(_ context.Context, _ []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.hasRank {
		return status(daos.Errorf(daos.ErrUninit, "set up before a rank was set"))
	}
	m.up = true
	return status(nil)
}

// groupUpdate answers MGMT GROUP_UPDATE; a map older than the one held is
// ignored (updates may arrive out of order from different servers' loops).
func (m *membership) groupUpdate(_ context.Context, body []byte) ([]byte, error) {
	req := &enginepb.GroupUpdateReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if req.MapVersion < m.mapVersion && m.group != nil {
		return status(nil)
	}
	g := make(map[uint32]string, len(req.Engines))
	for _, e := range req.Engines {
		g[e.Rank] = e.Uri
	}
	m.group, m.mapVersion = g, req.MapVersion
	if m.changed != nil {
		close(m.changed)
		m.changed = nil
	}
	return status(nil)
}

// prepShutdown answers MGMT PREP_SHUTDOWN: stop taking new work.
func (m *membership) prepShutdown(_ context.Context, body []byte) ([]byte, error) {
	req := &enginepb.PrepShutdownReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopping = true
	return status(nil)
}

func (m *membership) register(srv *drpc.Server) {
	srv.Register(drpc.ModuleMgmt, drpc.MethodSetRank, m.setRank)
	srv.Register(drpc.ModuleMgmt, drpc.MethodSetUp, m.setUp)
	srv.Register(drpc.ModuleMgmt, drpc.MethodGroupUpdate, m.groupUpdate)
	srv.Register(drpc.ModuleMgmt, drpc.MethodPrepShutdown, m.prepShutdown)
}
