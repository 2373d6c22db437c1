package poolhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rsvc"
	"github.com/daos-go/daos/pkg/vos"
)

// counter is a test pool service: commands add to a total, queries read it.
type counter struct {
	mu    sync.Mutex
	total int
	init  bool
}

func (c *counter) Apply(cmd []byte) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	if string(cmd) == "init" {
		if c.init {
			return daos.Errorf(daos.ErrExist, "initialised already")
		}
		c.init = true
		return 0
	}
	var n int
	if err := json.Unmarshal(cmd, &n); err != nil {
		return daos.Errorf(daos.ErrInval, "bad command")
	}
	c.total += n
	return c.total
}
func (c *counter) Snapshot() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return json.Marshal([2]any{c.total, c.init})
}
func (c *counter) Restore(b []byte) error {
	var v [2]any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.mu.Lock()
	c.total, c.init = int(v[0].(float64)), v[1].(bool)
	c.mu.Unlock()
	return nil
}
func (c *counter) Admit(b []byte) ([]byte, error) {
	if string(b) == "init" {
		return nil, daos.Errorf(daos.ErrNoPerm, "clients may not init")
	}
	return b, nil
}

// ClientQuery answers clients as Query does, but refuses "secret".
func (c *counter) ClientQuery(q []byte) ([]byte, error) {
	if string(q) == "secret" {
		return nil, daos.Errorf(daos.ErrNoPerm, "clients may not read secrets")
	}
	return c.Query(q)
}

func (c *counter) Query([]byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return json.Marshal(c.total)
}

func initCmd(targets map[uint32]uint32) ([]byte, error) {
	for r, n := range targets {
		if n != 2 {
			return nil, fmt.Errorf("rank %d reported %d targets", r, n)
		}
	}
	return []byte("init"), nil
}

var fast = rsvc.Timing{Heartbeat: 150 * time.Millisecond, Election: 150 * time.Millisecond, LeaderLease: 100 * time.Millisecond, Commit: 20 * time.Millisecond}

type testEngine struct {
	rank    uint32
	scm     string
	port    int
	targets []*target.Target
	host    *Host
	ep      *rpc.Endpoint
}

func startEngine(t *testing.T, rank uint32, scm string, port int) *testEngine {
	e := &testEngine{rank: rank, scm: scm}
	for i := 0; i < 2; i++ {
		tg := target.New(target.Config{Index: i, SCMDir: scm, LogMode: vos.LogFile})
		require.NoError(t, tg.Open(context.Background()))
		e.targets = append(e.targets, tg)
	}
	mux := rsvc.NewMux()
	e.host = New(Config{SCMDir: scm, Targets: e.targets, Mux: mux, Self: func() (uint32, bool) { return rank, true },
		NewService: func(UUID) Service { return &counter{} }, Logger: slog.New(slog.DiscardHandler), Timing: fast})
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
	return e
}

func (e *testEngine) stop() {
	e.host.Close()
	e.ep.Close()
	for _, t := range e.targets {
		t.Close()
	}
}

func TestCreateUseFailoverReopenDestroy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var es []*testEngine
	uris := map[uint32]string{}
	for r := uint32(0); r < 3; r++ {
		e := startEngine(t, r, t.TempDir(), 0)
		es = append(es, e)
		uris[r] = e.ep.URI().String()
	}
	defer func() {
		for _, e := range es {
			e.stop()
		}
	}()
	pool := UUID{0x42}
	plan := Plan{Pool: pool, Ranks: []uint32{0, 1, 2}, URIs: uris, SCMBytes: []uint64{64 << 20, 64 << 20, 64 << 20},
		NVMeBytes: []uint64{0, 0, 0}, SvcRanks: []uint32{0, 1, 2}, Init: initCmd}
	require.NoError(t, es[0].host.CreatePool(ctx, plan))
	for _, e := range es {
		for _, tg := range e.targets {
			vp, err := tg.Shard(target.UUID(pool))
			require.NoError(t, err)
			assert.Equal(t, uint64(32<<20), vp.Space().SCMTotal, "each engine's share is split over its targets")
		}
	}
	cl := &Client{EP: es[2].ep}
	replicas := []string{uris[0], uris[1], uris[2]}
	for i := 1; i <= 5; i++ {
		out, err := cl.Apply(ctx, pool, replicas, []byte("1"))
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(i), string(out))
	}
	_, err := cl.Apply(ctx, pool, replicas, []byte("x"))
	assert.True(t, errors.Is(err, daos.ErrInval), "%v", err)
	_, err = cl.Apply(ctx, pool, replicas, []byte("init"))
	assert.True(t, errors.Is(err, daos.ErrNoPerm), "a client sent an admin command: %v", err)

	// Stop the leader's engine: the others elect a new leader and go on.
	var leader *testEngine
	for _, e := range es {
		e.host.mu.Lock()
		if s := e.host.svcs[pool]; s != nil && s.rep.IsLeader() {
			leader = e
		}
		e.host.mu.Unlock()
	}
	require.NotNil(t, leader)
	leader.stop()
	other := es[(int(leader.rank)+1)%3]
	cl2 := &Client{EP: other.ep}
	out, err := cl2.Apply(ctx, pool, replicas, []byte("10"))
	require.NoError(t, err)
	assert.Equal(t, "15", string(out))

	// It restarts on the same port and reopens its replica from storage.
	back := startEngine(t, leader.rank, leader.scm, leader.port)
	es[leader.rank] = back
	require.NoError(t, back.host.Reopen(leader.rank))
	assert.Equal(t, []UUID{pool}, back.host.Hosted())
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := back.host.svcs[pool]
		var c int
		b, _ := s.svc.(*counter).Snapshot()
		var v [2]any
		json.Unmarshal(b, &v)
		c = int(v[0].(float64))
		if c == 15 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the reopened replica did not catch up (at %d)", c)
		time.Sleep(20 * time.Millisecond)
	}
	out, ldr, err := cl2.QueryLeader(ctx, pool, replicas, nil)
	require.NoError(t, err)
	assert.Equal(t, "15", string(out))
	// The answer names the replica that leads now (pool query's svc_ldr).
	require.True(t, ldr.Known)
	es[ldr.Rank].host.mu.Lock()
	led := es[ldr.Rank].host.svcs[pool].rep.IsLeader()
	es[ldr.Rank].host.mu.Unlock()
	assert.True(t, led, "rank %d answered as leader", ldr.Rank)

	// An unknown pool: every replica says so.
	_, err = cl2.Query(ctx, UUID{9}, replicas, nil)
	assert.True(t, errors.Is(err, daos.ErrNonexist), "%v", err)

	require.NoError(t, es[1].host.DestroyPool(ctx, pool, []uint32{0, 1, 2}, []uint32{0, 1, 2}, uris))
	for _, e := range es {
		assert.Empty(t, e.host.Hosted())
		for _, tg := range e.targets {
			_, err := tg.Shard(target.UUID(pool))
			assert.True(t, errors.Is(err, daos.ErrNonexist))
		}
		_, err := os.Stat(filepath.Join(e.scm, "pools", target.UUID(pool).String(), "rdb"))
		assert.True(t, os.IsNotExist(err))
	}
}

func TestCreateFailureCleansUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := startEngine(t, 0, t.TempDir(), 0)
	defer e.stop()
	pool := UUID{0x43}
	// Rank 5 has no address: the create fails and rank 0's shards go.
	err := e.host.CreatePool(ctx, Plan{Pool: pool, Ranks: []uint32{0, 5}, URIs: map[uint32]string{0: e.ep.URI().String()},
		SCMBytes: []uint64{64 << 20, 64 << 20}, NVMeBytes: []uint64{0, 0}, SvcRanks: []uint32{0}, Init: initCmd})
	require.Error(t, err)
	assert.True(t, errors.Is(err, daos.ErrUnreach), "%v", err)
	for _, tg := range e.targets {
		_, err := tg.Shard(target.UUID(pool))
		assert.True(t, errors.Is(err, daos.ErrNonexist), "a failed create left a shard")
	}
	// Too little SCM per target.
	err = e.host.CreatePool(ctx, Plan{Pool: pool, Ranks: []uint32{0}, URIs: map[uint32]string{0: e.ep.URI().String()},
		SCMBytes: []uint64{1 << 20}, NVMeBytes: []uint64{0}, SvcRanks: []uint32{0}, Init: initCmd})
	assert.True(t, errors.Is(err, daos.ErrNospace), "%v", err)
}

// Pools are promised no more space than the engine has: a create that
// would exceed it fails with DER_NOSPACE and leaves nothing behind; a
// retried create of existing shards still passes.
func TestCreateWithinCapacity(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := startEngine(t, 0, t.TempDir(), 0)
	defer e.stop()
	e.host.cfg.Capacity = func() (uint64, uint64, error) { return 256 << 20, 1 << 30, nil }
	uris := map[uint32]string{0: e.ep.URI().String()}
	create := func(p UUID, scm, nvme uint64) error {
		return e.host.CreatePool(ctx, Plan{Pool: p, Ranks: []uint32{0}, URIs: uris,
			SCMBytes: []uint64{scm}, NVMeBytes: []uint64{nvme}, SvcRanks: []uint32{0}, Init: initCmd})
	}
	require.NoError(t, create(UUID{0x51}, 128<<20, 0))
	require.NoError(t, create(UUID{0x52}, 128<<20, 0), "exactly the capacity")
	err := create(UUID{0x53}, 64<<20, 0)
	require.True(t, errors.Is(err, daos.ErrNospace), "%v", err)
	assert.Contains(t, err.Error(), "SCM")
	for _, tg := range e.targets {
		_, err := tg.Shard(target.UUID(UUID{0x53}))
		assert.True(t, errors.Is(err, daos.ErrNonexist), "a refused create left a shard")
	}
	require.NoError(t, e.host.checkCapacity(UUID{0x51}, 128<<20, 0), "a retried create of existing shards")

	require.NoError(t, e.host.DestroyPool(ctx, UUID{0x52}, []uint32{0}, []uint32{0}, uris))
	err = create(UUID{0x54}, 64<<20, 2<<30)
	require.True(t, errors.Is(err, daos.ErrNospace), "%v", err)
	assert.Contains(t, err.Error(), "NVMe")
	require.NoError(t, create(UUID{0x54}, 64<<20, 0), "space freed by a destroy is free again")

	e.host.cfg.Capacity = func() (uint64, uint64, error) { return 0, 0, errors.New("statfs failed") }
	err = create(UUID{0x55}, 32<<20, 0)
	require.ErrorContains(t, err, "measure the engine's storage")
}

// A pool query's space leaves out ranks that do not answer and names
// them; with none answering it fails.
func TestSpaceOfLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e0 := startEngine(t, 0, t.TempDir(), 0)
	defer e0.stop()
	e1 := startEngine(t, 1, t.TempDir(), 0)
	uris := map[uint32]string{0: e0.ep.URI().String(), 1: e1.ep.URI().String()}
	pool := UUID{0x61}
	require.NoError(t, e0.host.CreatePool(ctx, Plan{Pool: pool, Ranks: []uint32{0, 1}, URIs: uris,
		SCMBytes: []uint64{64 << 20, 64 << 20}, NVMeBytes: []uint64{0, 0}, SvcRanks: []uint32{0}, Init: initCmd}))
	space, dead, err := e0.host.SpaceOfLive(ctx, pool, []uint32{0, 1}, uris)
	require.NoError(t, err)
	assert.Len(t, space, 4)
	assert.Empty(t, dead)

	e1.stop()
	space, dead, err = e0.host.SpaceOfLive(ctx, pool, []uint32{0, 1}, uris)
	require.NoError(t, err)
	assert.Len(t, space, 2, "rank 0's two targets")
	assert.Equal(t, []uint32{1}, dead)
	_, _, err = e0.host.SpaceOfLive(ctx, pool, []uint32{1}, uris)
	require.Error(t, err, "no rank answered")
}
