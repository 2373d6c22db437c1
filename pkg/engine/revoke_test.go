package engine

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/rpc"
)

// fixedSvc finds every pool's service on svc (the server's
// POOL_FIND_BYLABEL stands in) and asks the replicas about handles as
// engines do.
type fixedSvc struct {
	engineHandles
	svc []uint32
}

func (f fixedSvc) find(context.Context, objproto.UUID) ([]uint32, error) { return f.svc, nil }

// handleEngine is an engine with its real handle cache wired as Run does.
type handleEngine struct {
	*Engine
	cache *handleCache
}

// startHandleEngines runs n engines (two targets each) whose object I/O
// checks handles through their caches against the pool service on svc.
func startHandleEngines(t *testing.T, n int, svc []uint32) []handleEngine {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	var out []handleEngine
	group := map[uint32]string{}
	for r := 0; r < n; r++ {
		cfg := &enginepb.EngineConfig{Targets: 2, ScmMount: t.TempDir(), Provider: "tcp", FabricIface: "127.0.0.1"}
		e := &Engine{opts: Options{Logger: log, PoolService: func(poolhost.UUID) poolhost.Service { return poolsvc.NewMachine() },
			PoolInit: testPoolInit}, cfg: cfg}
		e.member.rank, e.member.hasRank, e.member.up = uint32(r), true, true
		cache := newHandleCache(fixedSvc{engineHandles{e}, svc})
		dp, err := startDataPlane(ctx, cfg, log, e.member.self, e.opts.PoolService, cache, nil)
		require.NoError(t, err)
		require.NoError(t, dp.ep.SetPeerKey(testPeerKey))
		t.Cleanup(func() { require.NoError(t, dp.close()) })
		e.dp = dp
		group[uint32(r)] = dp.ep.URI().String()
		out = append(out, handleEngine{e, cache})
	}
	for _, e := range out {
		e.member.group = maps.Clone(group)
		e.dp.setMapSources(e.member.uris, func(context.Context, poolhost.UUID) ([]string, error) {
			var rs []string
			for _, r := range svc {
				rs = append(rs, group[r])
			}
			return rs, nil
		})
	}
	return out
}

// revokeFixture is a pool over every engine, a client connected with a
// container open, and an object whose shards span every engine.
type revokeFixture struct {
	t        *testing.T
	ctx      context.Context
	engines  []handleEngine
	pool     poolhost.UUID
	replicas []string
	svc      *poolhost.Client
	io       *objclient.Client
	view     *client.PoolView
	oid      daos.ObjectID
}

func newRevokeFixture(t *testing.T, ctx context.Context, n int) *revokeFixture {
	svcRanks := []uint32{0}
	engines := startHandleEngines(t, n, svcRanks)
	var ranks []uint32
	for r := range engines {
		ranks = append(ranks, uint32(r))
	}
	cr := &mgmtpb.PoolCreateResp{}
	callPool(t, engines[0].Engine, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{Uuid: testPool, Ranks: ranks,
		TierBytes: []uint64{64 << 20}, NumSvcReps: 1, User: "alice@", UserGroup: "staff@"}, cr)
	require.Zero(t, cr.Status)
	require.Equal(t, svcRanks, cr.SvcReps)
	u, err := target.ParseUUID(testPool)
	require.NoError(t, err)
	// The test acts for engines (AdminApply): it holds their key.
	cep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, PeerKey: testPeerKey})
	require.NoError(t, err)
	t.Cleanup(func() { cep.Close() })
	f := &revokeFixture{t: t, ctx: ctx, engines: engines, pool: poolhost.UUID(u),
		replicas: []string{engines[0].member.uris()[0]}, svc: &poolhost.Client{EP: cep},
		io: &objclient.Client{EP: cep, Clock: &hlc.Clock{}}}
	body, _ := json.Marshal(poolsvc.Query{What: "map"})
	res, _, err := f.svc.AdminQueryLeader(ctx, f.pool, f.replicas, body)
	require.NoError(t, err)
	var mr poolsvc.MapReply
	require.NoError(t, json.Unmarshal(res, &mr))
	pm, err := placement.DecodePoolMap(mr.Map)
	require.NoError(t, err)
	uris := map[uint32]fabric.URI{}
	for r, s := range engines[0].member.uris() {
		uris[r], err = fabric.ParseURI(s)
		require.NoError(t, err)
	}
	f.view = client.NewPoolView(objproto.UUID(f.pool), pm, uris, nil)
	f.oid, err = placement.GenerateOID(daos.ObjectID{Lo: 5}, placement.OTMultiHashed, placement.Name2ID("SX"), 0, pm.Shape(0))
	require.NoError(t, err)
	return f
}

func (f *revokeFixture) admin(c *poolsvc.Command) []byte {
	f.t.Helper()
	c.Time = time.Now().UTC()
	b, err := c.Encode()
	require.NoError(f.t, err)
	res, err := f.svc.AdminApply(f.ctx, f.pool, f.replicas, b)
	require.NoError(f.t, err)
	return res
}

// client runs a command as a client does (admitted through its handle).
func (f *revokeFixture) client(c *poolsvc.Command) {
	f.t.Helper()
	c.Time = time.Now().UTC()
	b, err := c.Encode()
	require.NoError(f.t, err)
	_, err = f.svc.Apply(f.ctx, f.pool, f.replicas, b)
	require.NoError(f.t, err)
}

// open connects a pool handle on machine and opens container cont (made
// if needed) through it; it gives both handles.
func (f *revokeFixture) open(n byte, machine string, create bool) (ph, ch objproto.UUID) {
	f.t.Helper()
	ph, ch = objproto.UUID{0xa0, n}, objproto.UUID{0xc0, n}
	f.admin(&poolsvc.Command{Op: poolsvc.OpConnect, Handle: target.UUID(ph).String(), Flags: poolsvc.FlagRW,
		Cred: poolsvc.Cred{User: "alice@", Groups: []string{"staff@"}}, Machine: machine})
	if create {
		f.client(&poolsvc.Command{Op: poolsvc.OpContCreate, PoolHandle: target.UUID(ph).String(),
			ContCreate: &poolsvc.ContCreateArgs{UUID: target.UUID(revokeCont).String(), Label: "c1",
				// The fixture's views are made by hand and sum nothing.
				Props: map[string]string{"cksum": "off"}}})
	}
	f.client(&poolsvc.Command{Op: poolsvc.OpContOpen, PoolHandle: target.UUID(ph).String(), Cont: "c1",
		Handle: target.UUID(ch).String(), Flags: poolsvc.FlagRW})
	return ph, ch
}

var revokeCont = objproto.UUID{0xcc, 0x01}

// update writes one dkey through container handle ch.
func (f *revokeFixture) update(ch objproto.UUID, dkey string) error {
	c := &client.Container{Pool: f.view, UUID: revokeCont, Handle: ch, IO: f.io}
	o, err := c.Object(f.oid)
	require.NoError(f.t, err)
	_, err = o.Update(f.ctx, []byte(dkey), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}, [][]byte{[]byte("v")}, 0)
	return err
}

// checkAll asks every engine's cache about ch, as its object I/O does.
func (f *revokeFixture) checkAll(ch objproto.UUID) []error {
	var errs []error
	for _, e := range f.engines {
		_, err := e.cache.ContHandle(f.ctx, objproto.UUID(f.pool), ch)
		errs = append(errs, err)
	}
	return errs
}

// warm makes every engine cache ch as open, through real I/O and checks.
func (f *revokeFixture) warm(ch objproto.UUID) {
	f.t.Helper()
	for i := 0; i < 16; i++ {
		require.NoError(f.t, f.update(ch, "k"+string(rune('a'+i))))
	}
	for r, err := range f.checkAll(ch) {
		require.NoError(f.t, err, "rank %d", r)
	}
	for r, e := range f.engines {
		e.cache.mu.Lock()
		ent := e.cache.entries[handleKey{objproto.UUID(f.pool), ch}]
		e.cache.mu.Unlock()
		require.NotNil(f.t, ent, "rank %d caches the handle", r)
		require.NoError(f.t, ent.err)
	}
}

func (f *revokeFixture) assertRevoked(ch objproto.UUID, what string) {
	f.t.Helper()
	for r, err := range f.checkAll(ch) {
		assert.ErrorIs(f.t, err, daos.ErrNoHdl, "rank %d after %s", r, what)
	}
	assert.ErrorIs(f.t, f.update(ch, "after"), daos.ErrNoHdl, "I/O after %s", what)
}

// TestHandleRevocation: closing a container handle, disconnecting its
// pool handle and evicting stop I/O through the closed handles on every
// engine as soon as the command returns, while other handles keep
// working; no cache expiry is waited for.
func TestHandleRevocation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	f := newRevokeFixture(t, ctx, 3)

	_, ch1 := f.open(1, "node1", true)
	_, ch2 := f.open(2, "node2", false)
	f.warm(ch1)
	f.warm(ch2)
	// Telemetry: the leader's engine reports the container's handles.
	contHandles := func() uint64 {
		var n uint64
		for _, e := range f.engines {
			for _, ps := range e.dp.metrics().Services {
				for _, c := range ps.ContainersOpen {
					if c.Label == "c1" && c.Uuid == target.UUID(revokeCont).String() {
						n += c.Handles
					}
				}
			}
		}
		return n
	}
	assert.Equal(t, uint64(2), contHandles())

	// Container close, as a client sends it.
	f.client(&poolsvc.Command{Op: poolsvc.OpContClose, Handle: target.UUID(ch1).String()})
	f.assertRevoked(ch1, "cont_close")
	assert.Equal(t, uint64(1), contHandles())
	require.NoError(t, f.update(ch2, "other"), "another handle still works")

	// Pool disconnect closes the container handles under it.
	ph3, ch3 := f.open(3, "node1", false)
	f.warm(ch3)
	f.client(&poolsvc.Command{Op: poolsvc.OpDisconnect, Handle: target.UUID(ph3).String()})
	f.assertRevoked(ch3, "disconnect")
	require.NoError(t, f.update(ch2, "other"))

	// dmg pool evict of one machine, then of everyone, through the
	// engine's handler.
	_, ch4 := f.open(4, "node4", false)
	f.warm(ch4)
	evict := func(machine string) int32 {
		resp := &mgmtpb.PoolEvictResp{}
		callPool(t, f.engines[1].Engine, drpc.MethodPoolEvict, &mgmtpb.PoolEvictReq{Id: testPool, SvcRanks: []uint32{0}, Machine: machine}, resp)
		require.Zero(t, resp.Status)
		return resp.Count
	}
	assert.Equal(t, int32(1), evict("node4"))
	f.assertRevoked(ch4, "evict of its machine")
	require.NoError(t, f.update(ch2, "other"), "a handle of another machine still works")
	assert.Equal(t, int32(2), evict(""))
	f.assertRevoked(ch2, "evict")

	// A container handle reopened after all this works at once.
	_, ch5 := f.open(5, "node5", false)
	require.NoError(t, f.update(ch5, "new"))
}

// TestHandleRevocationUnreachable: an engine of the pool that does not
// answer does not hold a close up for more than the revocation bound;
// the engines that answer revoke the handle at once.
// TestRevokeDuringLookup: a lookup in flight when its handle is revoked
// answers its callers but is not cached, so the next check asks again.
func TestRevokeDuringLookup(t *testing.T) {
	f, c, _ := newFake()
	hHandle := objproto.UUID{0x77}
	f.set(hHandle, hCont, poolsvc.FlagRW)
	f.gate = make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := c.ContHandle(context.Background(), hPool, hHandle)
		done <- err
	}()
	for {
		c.mu.Lock()
		e := c.entries[handleKey{hPool, hHandle}]
		c.mu.Unlock()
		if e != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	c.revoke(hPool, []objproto.UUID{hHandle})
	close(f.gate)
	require.NoError(t, <-done, "the caller in flight gets the answer the service gave")
	f.mu.Lock()
	f.gate = nil
	delete(f.open, hHandle) // the service has closed it
	f.mu.Unlock()
	_, err := c.ContHandle(context.Background(), hPool, hHandle)
	assert.ErrorIs(t, err, daos.ErrNoHdl, "the answer from before the close was not cached")

	// A settled entry goes at once; other pools' entries stay.
	f.set(hHandle, hCont, poolsvc.FlagRW)
	other := objproto.UUID{0xbb}
	_, err = c.ContHandle(context.Background(), other, hHandle)
	require.NoError(t, err)
	c.revoke(hPool, []objproto.UUID{hHandle})
	_, q0 := f.counts()
	_, err = c.ContHandle(context.Background(), other, hHandle)
	require.NoError(t, err)
	_, q1 := f.counts()
	assert.Equal(t, q0, q1, "another pool's entry is still cached")
}

func TestHandleRevocationUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	f := newRevokeFixture(t, ctx, 3)
	_, ch := f.open(1, "node1", true)
	f.warm(ch)

	// Rank 2's address now leads to a host that accepts connections and
	// never answers.
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		hole.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	leader := f.engines[0]
	leader.member.mu.Lock()
	leader.member.group[2] = "tcp://" + hole.Addr().String()
	leader.member.mu.Unlock()

	start := time.Now()
	f.client(&poolsvc.Command{Op: poolsvc.OpContClose, Handle: target.UUID(ch).String()})
	took := time.Since(start)
	assert.Less(t, took, 3*time.Second, "the close waited %s for an engine that does not answer", took)
	assert.GreaterOrEqual(t, took, 900*time.Millisecond, "the leader tried the silent engine")
	errs := f.checkAll(ch)
	assert.ErrorIs(t, errs[0], daos.ErrNoHdl, "the leader's engine")
	assert.ErrorIs(t, errs[1], daos.ErrNoHdl, "an engine that answered")
	// The engine that was not told still has the handle cached (until
	// its TTL): that is the documented fallback.
	assert.NoError(t, errs[2], "the unreached engine keeps its cache entry")
}
