package poolhost

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rsvc"
	"github.com/daos-go/daos/pkg/vos"
)

func TestMapVersionsOnlyRise(t *testing.T) {
	var m MapVersions
	p := UUID{1}
	_, ok := m.Version(p)
	assert.False(t, ok)
	assert.Equal(t, uint32(3), m.Learn(p, 3))
	assert.Equal(t, uint32(3), m.Learn(p, 2), "an older version does not replace a newer one")
	assert.Equal(t, uint32(5), m.Learn(p, 5))
	v, ok := m.Version(p)
	assert.True(t, ok)
	assert.Equal(t, uint32(5), v)
	_, ok = m.Version(UUID{2})
	assert.False(t, ok)
	m.Forget(p)
	_, ok = m.Version(p)
	assert.False(t, ok)
}

// mapCluster is engines whose counter service's total stands for the pool
// map version, the map's ranks being ranks (which may name dead ones).
type mapCluster struct {
	mu    sync.Mutex
	uris  map[uint32]string
	ranks []uint32
}

func (c *mapCluster) rankURIs() map[uint32]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[uint32]string{}
	for r, u := range c.uris {
		out[r] = u
	}
	return out
}

func (c *mapCluster) mapOf(s Service) (uint32, []uint32, bool) {
	k := s.(*counter)
	k.mu.Lock()
	defer k.mu.Unlock()
	return uint32(k.total), c.ranks, k.init
}

func (c *mapCluster) start(t *testing.T, rank uint32, scm string, port int) *testEngine {
	e := &testEngine{rank: rank, scm: scm}
	for i := 0; i < 2; i++ {
		tg := target.New(target.Config{Index: i, SCMDir: scm, LogMode: vos.LogFile})
		require.NoError(t, tg.Open(context.Background()))
		e.targets = append(e.targets, tg)
	}
	mux := rsvc.NewMux()
	e.host = New(Config{SCMDir: scm, Targets: e.targets, Mux: mux, Self: func() (uint32, bool) { return rank, true },
		NewService: func(UUID) Service { return &counter{} }, Logger: slog.New(slog.DiscardHandler), Timing: fast,
		MapOf: c.mapOf, RankURIs: c.rankURIs, MapDistInterval: 50 * time.Millisecond})
	reg := rpc.NewRegistry()
	require.NoError(t, mux.Register(reg))
	require.NoError(t, e.host.Register(reg))
	ep, err := rpc.Listen(context.Background(), rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1", Port: port}, Registry: reg, PeerKey: testPeerKey})
	require.NoError(t, err)
	mux.SetEndpoint(ep)
	e.host.SetEndpoint(ep)
	e.ep = ep
	ap, _ := ep.URI().AddrPort()
	e.port = int(ap.Port())
	c.mu.Lock()
	c.uris[rank] = ep.URI().String()
	c.mu.Unlock()
	return e
}

func waitVersion(t *testing.T, e *testEngine, p UUID, want uint32) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, ok := e.host.Maps().Version(p)
		if ok && v == want {
			return
		}
		require.True(t, time.Now().Before(deadline), "rank %d holds version %d (known %v), not %d", e.rank, v, ok, want)
		time.Sleep(10 * time.Millisecond)
	}
}

func leaderOf(es []*testEngine, p UUID) *testEngine {
	for _, e := range es {
		if e == nil {
			continue
		}
		e.host.mu.Lock()
		s := e.host.svcs[p]
		e.host.mu.Unlock()
		if s != nil && s.rep.IsLeader() {
			return e
		}
	}
	return nil
}

// TestMapDistribution: the leader pushes its version to every engine of
// the pool after each command, in the background (a dead rank of the map
// slows nothing down), versions never go back, a restarted engine learns
// the version by asking the service or from the next push, and a new
// leader pushes on gaining leadership.
func TestMapDistribution(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := &mapCluster{uris: map[uint32]string{}}
	// Rank 7 is in the map but its engine is gone: its port refuses.
	dead, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: rpc.NewRegistry()})
	require.NoError(t, err)
	c.uris[7] = dead.URI().String()
	dead.Close()
	c.ranks = []uint32{0, 1, 2, 3, 7}

	es := make([]*testEngine, 4)
	for r := range es {
		es[r] = c.start(t, uint32(r), t.TempDir(), 0)
	}
	defer func() {
		for _, e := range es {
			if e != nil {
				e.stop()
			}
		}
	}()
	pool := UUID{0x4d}
	uris := c.rankURIs()
	plan := Plan{Pool: pool, Ranks: []uint32{0, 1, 2, 3}, URIs: uris, SCMBytes: []uint64{64 << 20, 64 << 20, 64 << 20, 64 << 20},
		NVMeBytes: []uint64{0, 0, 0, 0}, SvcRanks: []uint32{0, 1, 2}, Init: initCmd}
	require.NoError(t, es[0].host.CreatePool(ctx, plan))
	replicas := []string{uris[0], uris[1], uris[2]}
	cl := &Client{EP: es[3].ep}

	apply := func(n string) {
		t.Helper()
		start := time.Now()
		_, err := cl.Apply(ctx, pool, replicas, []byte(n))
		require.NoError(t, err)
		assert.Less(t, time.Since(start), time.Second, "a command waited for map pushes")
	}
	apply("1")
	for _, e := range es {
		waitVersion(t, e, pool, 1)
	}
	apply("2")
	for _, e := range es {
		waitVersion(t, e, pool, 3)
	}

	// An older push does not lower an engine's version.
	resp := &MapDistResp{}
	to, err := fabric.ParseURI(uris[3])
	require.NoError(t, err)
	require.NoError(t, es[0].ep.Call(ctx, to, OpMapDist, &MapDistReq{Pool: pool, Version: 1}, resp))
	assert.Equal(t, uint32(3), resp.Version)
	v, _ := es[3].host.Maps().Version(pool)
	assert.Equal(t, uint32(3), v)

	// The service answers its version.
	mv, err := cl.MapVersion(ctx, pool, replicas)
	require.NoError(t, err)
	assert.Equal(t, uint32(3), mv)

	// Rank 3 (no replica) stops; the map changes meanwhile; back, it
	// knows nothing of the pool until it asks the service.
	scm3, port3 := es[3].scm, es[3].port
	es[3].stop()
	es[3] = nil
	cl = &Client{EP: es[0].ep}
	apply("4")
	for _, e := range es[:3] {
		waitVersion(t, e, pool, 7)
	}
	es[3] = c.start(t, 3, scm3, port3)
	_, ok := es[3].host.Maps().Version(pool)
	assert.False(t, ok)
	got, err := es[3].host.AskMap(ctx, pool, replicas)
	require.NoError(t, err)
	assert.Equal(t, uint32(7), got)
	waitVersion(t, es[3], pool, 7)

	// An engine that missed a version learns the next one pushed.
	es[3].host.Maps().Forget(pool)
	apply("1")
	for _, e := range es {
		waitVersion(t, e, pool, 8)
	}

	// A new leader pushes when it gains leadership, without a command.
	leader := leaderOf(es, pool)
	require.NotNil(t, leader)
	es[3].host.Maps().Forget(pool)
	time.Sleep(200 * time.Millisecond) // the old leader has acknowledged rank 3 already: it pushes nothing
	_, ok = es[3].host.Maps().Version(pool)
	require.False(t, ok, "the old leader pushed a version rank 3 acknowledged")
	leader.stop()
	es[leader.rank] = nil
	waitVersion(t, es[3], pool, 8)
	require.NotNil(t, leaderOf(es, pool))
}
