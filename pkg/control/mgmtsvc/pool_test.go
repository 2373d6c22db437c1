package mgmtsvc

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

const poolUUID = "11111111-2222-3333-4444-555555555555"

// fakeEngine plays the local engine: it keeps each request and answers
// with replies[method] (DER_NOSYS, like this build's engine, by default).
type fakeEngine struct {
	mu      sync.Mutex
	reqs    map[drpc.Method][]byte
	replies map[drpc.Method]proto.Message
	err     error
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{reqs: map[drpc.Method][]byte{}, replies: map[drpc.Method]proto.Message{}}
}

func (f *fakeEngine) CallEngine(_ context.Context, m drpc.Method, body []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs[m] = body
	if f.err != nil {
		return nil, f.err
	}
	if r, ok := f.replies[m]; ok {
		return proto.Marshal(r)
	}
	return proto.Marshal(&mgmtpb.DaosResp{Status: int32(daos.ErrNosys.DerCode())})
}

func (f *fakeEngine) req(t *testing.T, m drpc.Method, into proto.Message) bool {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.reqs[m]
	if ok {
		require.NoError(t, proto.Unmarshal(b, into))
	}
	return ok
}

func labelProp(l string) *mgmtpb.PoolProperty {
	return &mgmtpb.PoolProperty{Number: system.PoolPropLabel, Value: &mgmtpb.PoolProperty_Strval{Strval: l}}
}

func createReq(label string) *mgmtpb.PoolCreateReq {
	return &mgmtpb.PoolCreateReq{Uuid: poolUUID, Properties: []*mgmtpb.PoolProperty{labelProp(label)},
		TotalBytes: 30e9, TierRatio: []float64{0.06, 0.94}}
}

func derOf(err error) daos.Errno { return daos.Code(grpcerr.FromStatus(err)) }

func newPoolService(t *testing.T) (*Service, *fakeEngine) {
	s, _, h := newTestService(t)
	joinAll(t, s, h)
	eng := newFakeEngine()
	s.SetPoolEngines(eng)
	return s, eng
}

func TestPoolCreateWithoutPoolService(t *testing.T) {
	s, eng := newPoolService(t)
	ctx := context.Background()
	_, err := s.PoolCreate(ctx, createReq("tank"))
	require.Equal(t, daos.ErrNosys, derOf(err), "%v", err)
	require.Contains(t, err.Error(), "pool service not available in this engine build")
	require.Empty(t, s.DB().Pools(), "the Creating entry is removed")

	// The engine got the plan: every available rank, per-rank sizes,
	// three replicas (2*svc_rf+1 clamped to 3 ranks), fault domains.
	got := &mgmtpb.PoolCreateReq{}
	require.True(t, eng.req(t, drpc.MethodPoolCreate, got))
	require.Equal(t, []uint32{0, 1, 2}, got.Ranks)
	require.Equal(t, []uint64{600_000_000, 9_400_000_000}, got.TierBytes)
	require.Zero(t, got.TotalBytes)
	require.Equal(t, uint32(3), got.NumSvcReps)
	require.Equal(t, uint32(3), got.NumRanks)
	require.Equal(t, []uint32{2, 0, 3, 1, 1, 1, 1, 2, 1, 1, 3, 1, 0, 1, 2}, got.FaultDomains)

	// A failed dRPC also leaves nothing behind.
	eng.err = errors.New("connection refused")
	_, err = s.PoolCreate(ctx, createReq("tank"))
	require.Equal(t, daos.ErrUnreach, derOf(err), "%v", err)
	require.Empty(t, s.DB().Pools())

	// Without an engine to ask.
	s.SetPoolEngines(nil)
	_, err = s.PoolCreate(ctx, createReq("tank"))
	require.Equal(t, daos.ErrUnreach, derOf(err), "%v", err)
	require.Empty(t, s.DB().Pools())
}

func TestPoolLifecycleWithEngine(t *testing.T) {
	s, eng := newPoolService(t)
	ctx := context.Background()
	eng.replies[drpc.MethodPoolCreate] = &mgmtpb.PoolCreateResp{SvcLdr: 1, SvcReps: []uint32{0, 1, 2}, TgtRanks: []uint32{0, 1, 2},
		TierBytes: []uint64{600_000_000, 9_400_000_000}}
	resp, err := s.PoolCreate(ctx, createReq("tank"))
	require.NoError(t, err)
	require.Equal(t, uint32(1), resp.SvcLdr)
	p, err := s.DB().FindPool("tank")
	require.NoError(t, err)
	require.Equal(t, system.PoolReady, p.State)
	require.Equal(t, []uint32{0, 1, 2}, p.SvcReps)

	list, err := s.ListPools(ctx, &mgmtpb.ListPoolsReq{})
	require.NoError(t, err)
	require.Len(t, list.Pools, 1)
	require.Equal(t, "Ready", list.Pools[0].State)

	// Duplicate label or UUID: DER_EXIST before any engine call.
	eng.mu.Lock()
	delete(eng.reqs, drpc.MethodPoolCreate)
	eng.mu.Unlock()
	dup := createReq("tank")
	dup.Uuid = "22222222-2222-3333-4444-555555555555"
	_, err = s.PoolCreate(ctx, dup)
	require.Equal(t, daos.ErrExist, derOf(err), "%v", err)
	_, err = s.PoolCreate(ctx, createReq("other"))
	require.Equal(t, daos.ErrExist, derOf(err), "%v", err)
	require.False(t, eng.req(t, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{}))

	// Calls by label reach the engine by UUID with the service ranks.
	eng.replies[drpc.MethodPoolQuery] = &mgmtpb.PoolQueryResp{Uuid: poolUUID, Label: "tank", TotalTargets: 12}
	q, err := s.PoolQuery(ctx, &mgmtpb.PoolQueryReq{Id: "tank", QueryMask: 3})
	require.NoError(t, err)
	require.Equal(t, uint32(12), q.TotalTargets)
	qr := &mgmtpb.PoolQueryReq{}
	require.True(t, eng.req(t, drpc.MethodPoolQuery, qr))
	require.Equal(t, poolUUID, qr.Id)
	require.Equal(t, []uint32{0, 1, 2}, qr.SvcRanks)
	require.Equal(t, uint64(3), qr.QueryMask)

	_, err = s.PoolQuery(ctx, &mgmtpb.PoolQueryReq{Id: "nope"})
	require.Equal(t, daos.ErrNonexist, derOf(err))
	require.Contains(t, err.Error(), `"nope"`)

	// Calls the engine refuses return its DER code.
	_, err = s.PoolEvict(ctx, &mgmtpb.PoolEvictReq{Id: poolUUID})
	require.Equal(t, daos.ErrNosys, derOf(err))
	eng.replies[drpc.MethodPoolGetACL] = &mgmtpb.ACLResp{Status: int32(daos.ErrNoPerm.DerCode())}
	_, err = s.PoolGetACL(ctx, &mgmtpb.GetACLReq{Id: "tank"})
	require.Equal(t, daos.ErrNoPerm, derOf(err))

	// set-prop: a new label is recorded once the pool service agrees.
	eng.replies[drpc.MethodPoolSetProp] = &mgmtpb.PoolSetPropResp{}
	_, err = s.PoolSetProp(ctx, &mgmtpb.PoolSetPropReq{Id: "tank", Properties: []*mgmtpb.PoolProperty{labelProp("tank2")}})
	require.NoError(t, err)
	_, err = s.DB().FindPool("tank2")
	require.NoError(t, err)
	perf := &mgmtpb.PoolProperty{Number: system.PoolPropPerfDomain, Value: &mgmtpb.PoolProperty_Numval{Numval: 3}}
	_, err = s.PoolSetProp(ctx, &mgmtpb.PoolSetPropReq{Id: "tank2", Properties: []*mgmtpb.PoolProperty{perf}})
	require.Equal(t, daos.ErrInval, derOf(err), "create-only")
	_, err = s.PoolGetProp(ctx, &mgmtpb.PoolGetPropReq{Id: "tank2", Properties: []*mgmtpb.PoolProperty{{Number: 99}}})
	require.Equal(t, daos.ErrInval, derOf(err))

	// Membership changes check the ranks.
	_, err = s.PoolExclude(ctx, &mgmtpb.PoolExcludeReq{Id: "tank2", Ranks: []uint32{7}})
	require.Equal(t, daos.ErrInval, derOf(err))
	_, err = s.PoolExtend(ctx, &mgmtpb.PoolExtendReq{Id: "tank2", Ranks: []uint32{1}})
	require.Equal(t, daos.ErrInval, derOf(err))

	// A refused destroy keeps the pool as it was.
	_, err = s.PoolDestroy(ctx, &mgmtpb.PoolDestroyReq{Id: "tank2"})
	require.Equal(t, daos.ErrNosys, derOf(err))
	p, _ = s.DB().FindPool("tank2")
	require.Equal(t, system.PoolReady, p.State)

	eng.replies[drpc.MethodPoolDestroy] = &mgmtpb.PoolDestroyResp{}
	_, err = s.PoolDestroy(ctx, &mgmtpb.PoolDestroyReq{Id: "tank2", Force: true})
	require.NoError(t, err)
	dr := &mgmtpb.PoolDestroyReq{}
	require.True(t, eng.req(t, drpc.MethodPoolDestroy, dr))
	require.True(t, dr.Force)
	require.Empty(t, s.DB().Pools())
}

func TestPoolDestroyStaleCreating(t *testing.T) {
	s, _ := newPoolService(t)
	ctx := context.Background()
	// An entry a failed leader left in Creating.
	_, err := s.replica().Apply(ctx, &system.Command{Op: system.OpPoolAdd, Pool: &system.PoolInfo{UUID: poolUUID, Label: "half"}})
	require.NoError(t, err)
	_, err = s.PoolDestroy(ctx, &mgmtpb.PoolDestroyReq{Id: "half"})
	require.NoError(t, err)
	require.Empty(t, s.DB().Pools())

	// One being created here is busy.
	_, err = s.replica().Apply(ctx, &system.Command{Op: system.OpPoolAdd, Pool: &system.PoolInfo{UUID: poolUUID, Label: "half"}})
	require.NoError(t, err)
	s.poolBusy.Store(poolUUID, opCreate)
	defer s.poolBusy.Delete(poolUUID)
	_, err = s.PoolDestroy(ctx, &mgmtpb.PoolDestroyReq{Id: "half"})
	require.Equal(t, daos.ErrBusy, derOf(err))
}

// TestPoolCreateAgain: the same create arriving twice (a forwarding server
// or dmg retrying it) gets the first one's answer without a second create,
// also when it comes while the first is still running; a create that did
// not finish, or another label under the same UUID, is refused.
func TestPoolCreateAgain(t *testing.T) {
	s, eng := newPoolService(t)
	ctx := context.Background()
	eng.replies[drpc.MethodPoolCreate] = &mgmtpb.PoolCreateResp{SvcLdr: 1, SvcReps: []uint32{1, 0, 2}, TgtRanks: []uint32{0, 1, 2},
		TierBytes: []uint64{600_000_000, 9_400_000_000}}
	first, err := s.PoolCreate(ctx, createReq("tank"))
	require.NoError(t, err)
	eng.mu.Lock()
	delete(eng.reqs, drpc.MethodPoolCreate)
	eng.mu.Unlock()
	again, err := s.PoolCreate(ctx, createReq("tank"))
	require.NoError(t, err)
	require.Equal(t, first.SvcReps, again.SvcReps)
	require.Equal(t, first.TgtRanks, again.TgtRanks)
	require.Equal(t, first.TierBytes, again.TierBytes)
	require.Equal(t, uint32(1), again.SvcLdr)
	require.False(t, eng.req(t, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{}), "no second create reached the engine")
	_, err = s.PoolCreate(ctx, createReq("other"))
	require.Equal(t, daos.ErrExist, derOf(err), "%v", err)
	require.Contains(t, err.Error(), `label "tank"`)

	// A repeat of the create of uuid (label) while a first one runs here:
	// it must not answer until finish (the first one's end) has run, and
	// then answer without error.
	repeatWaits := func(what, uuid, label string, finish func()) {
		t.Helper()
		s.poolBusy.Store(uuid, true)
		done := make(chan error, 1)
		go func() {
			r := createReq(label)
			r.Uuid = uuid
			_, err := s.PoolCreate(ctx, r)
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("%s answered (%v) while the first create was running", what, err)
		case <-time.After(150 * time.Millisecond):
		}
		finish()
		s.poolBusy.Delete(uuid)
		select {
		case err := <-done:
			require.NoError(t, err, what)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s still waits after the first create ended", what)
		}
	}
	apply := func(op string, p *system.PoolInfo) {
		t.Helper()
		_, err := s.replica().Apply(ctx, &system.Command{Op: op, Pool: p})
		require.NoError(t, err)
	}

	// Still being created here: the repeat waits for the first's end.
	const second = "22222222-2222-3333-4444-555555555555"
	entry := system.PoolInfo{UUID: second, Label: "pond", Ranks: []uint32{0}, SvcReps: []uint32{0}, TierBytes: []uint64{1 << 30, 0}}
	apply(system.OpPoolAdd, &entry)
	repeatWaits("the repeat", second, "pond", func() {
		entry.State = system.PoolReady
		apply(system.OpPoolUpdate, &entry)
	})

	// Again before the first create added its entry: it waits too.
	const early = "44444444-2222-3333-4444-555555555555"
	lake := system.PoolInfo{UUID: early, Label: "lake", State: system.PoolReady, Ranks: []uint32{0}, SvcReps: []uint32{0}}
	repeatWaits("the early repeat", early, "lake", func() {
		apply(system.OpPoolAdd, &lake)
		apply(system.OpPoolUpdate, &lake)
	})

	// Being destroyed.
	lake.State = system.PoolDestroying
	_, err = s.replica().Apply(ctx, &system.Command{Op: system.OpPoolUpdate, Pool: &lake})
	require.NoError(t, err)
	r := createReq("lake")
	r.Uuid = early
	_, err = s.PoolCreate(ctx, r)
	require.Equal(t, daos.ErrBusy, derOf(err), "%v", err)
	require.Contains(t, err.Error(), "being destroyed")

}

// TestPoolCreateUnfinished: a create whose entry an earlier leader left
// Creating (no create of it running here) is not refused for ever. The
// pool is recorded when its service answers created; before the earlier
// create can have ended the caller is asked to try again; after, what it
// left is torn down and the pool made anew.
func TestPoolCreateUnfinished(t *testing.T) {
	s, eng := newPoolService(t)
	ctx := context.Background()
	created := &mgmtpb.PoolCreateResp{SvcLdr: 1, SvcReps: []uint32{1, 0, 2}, TgtRanks: []uint32{0, 1, 2},
		TierBytes: []uint64{600_000_000, 9_400_000_000}}
	var creator []system.RankIncarnation // the engines that drove it
	unfinished := func(label string, since time.Duration) {
		t.Helper()
		eng.mu.Lock()
		clear(eng.reqs)
		eng.mu.Unlock()
		_, err := s.replica().Apply(ctx, &system.Command{Op: system.OpPoolAdd, Pool: &system.PoolInfo{UUID: poolUUID, Label: label,
			Ranks: []uint32{0, 1, 2}, SvcReps: []uint32{0, 1, 2}, TierBytes: []uint64{600_000_000, 9_400_000_000},
			CreateStart: time.Now().Add(-since), CreatorEngines: creator}})
		require.NoError(t, err)
	}
	remove := func() {
		t.Helper()
		_, err := s.replica().Apply(ctx, &system.Command{Op: system.OpPoolRemove, Pool: &system.PoolInfo{UUID: poolUUID}})
		require.NoError(t, err)
	}
	state := func() string {
		t.Helper()
		p, err := s.DB().FindPool(poolUUID)
		if err != nil {
			return "gone"
		}
		return p.State
	}

	// Begun a minute ago: it may still run on the engines.
	unfinished("tank", time.Minute)
	eng.replies[drpc.MethodPoolCreate] = created
	_, err := s.PoolCreate(ctx, createReq("tank"))
	require.Equal(t, daos.ErrAgain, derOf(err), "%v", err)
	require.Contains(t, err.Error(), "try again")
	require.Equal(t, system.PoolCreating, state())
	require.False(t, eng.req(t, drpc.MethodPoolDestroy, &mgmtpb.PoolDestroyReq{}), "nothing torn down")
	require.False(t, eng.req(t, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{}), "no second create")
	// The label stays taken, and says why.
	other := createReq("tank")
	other.Uuid = "99999999-2222-3333-4444-555555555555"
	_, err = s.PoolCreate(ctx, other)
	require.Equal(t, daos.ErrExist, derOf(err), "%v", err)
	require.Contains(t, err.Error(), "still Creating")
	require.Contains(t, err.Error(), "dmg pool destroy --force tank")

	// Its service answers with the pool made: recorded as it is.
	eng.replies[drpc.MethodPoolQuery] = &mgmtpb.PoolQueryResp{State: mgmtpb.PoolServiceState_Ready, SvcReps: []uint32{2, 1, 0}}
	resp, err := s.PoolCreate(ctx, createReq("tank"))
	require.NoError(t, err)
	require.Equal(t, []uint32{2, 1, 0}, resp.SvcReps)
	require.Equal(t, []uint32{0, 1, 2}, resp.TgtRanks)
	require.Equal(t, system.PoolReady, state())
	q := &mgmtpb.PoolQueryReq{}
	require.True(t, eng.req(t, drpc.MethodPoolQuery, q))
	require.Equal(t, []uint32{0, 1, 2}, q.SvcRanks, "every rank may hold a replica")
	require.False(t, eng.req(t, drpc.MethodPoolDestroy, &mgmtpb.PoolDestroyReq{}))
	require.False(t, eng.req(t, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{}))
	remove()

	// Past the bound, its service not initialised: torn down without
	// the service's checks on every rank, then created anew.
	eng.replies[drpc.MethodPoolQuery] = &mgmtpb.PoolQueryResp{Status: int32(daos.ErrUninit.DerCode())}
	eng.replies[drpc.MethodPoolDestroy] = &mgmtpb.PoolDestroyResp{}
	unfinished("tank", 10*time.Minute)
	resp, err = s.PoolCreate(ctx, createReq("tank"))
	require.NoError(t, err)
	require.Equal(t, created.SvcReps, resp.SvcReps)
	require.Equal(t, system.PoolReady, state())
	d := &mgmtpb.PoolDestroyReq{}
	require.True(t, eng.req(t, drpc.MethodPoolDestroy, d))
	require.True(t, d.Resume && d.Force && d.Recursive, "%v", d)
	require.Equal(t, []uint32{0, 1, 2}, d.Ranks)
	require.Equal(t, []uint32{0, 1, 2}, d.SvcRanks)
	require.True(t, eng.req(t, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{}), "created anew")
	// The new entry names this server's engine (rank 0, first run) as
	// the one driving the create, and when it began.
	p, err := s.DB().FindPool(poolUUID)
	require.NoError(t, err)
	require.Equal(t, []system.RankIncarnation{{Rank: 0, Incarnation: 1}}, p.CreatorEngines)
	require.WithinDuration(t, time.Now(), p.CreateStart, time.Minute)
	remove()

	// Within the bound, begun by engines that run on (this server's in
	// an earlier term of office too: its engine goes on with a create
	// whose caller has gone): wait, and a destroy is refused too.
	for _, rank := range []uint32{0, 1} {
		creator = []system.RankIncarnation{{Rank: rank, Incarnation: 1}}
		unfinished("tank", time.Minute)
		_, err = s.PoolCreate(ctx, createReq("tank"))
		require.Equal(t, daos.ErrAgain, derOf(err), "%v", err)
		_, err = s.PoolDestroy(ctx, &mgmtpb.PoolDestroyReq{Id: "tank", Force: true})
		require.Equal(t, daos.ErrBusy, derOf(err), "%v", err)
		require.Contains(t, err.Error(), "may still be at work")
		require.False(t, eng.req(t, drpc.MethodPoolDestroy, &mgmtpb.PoolDestroyReq{}))
		remove()
	}

	// Its engine not heard from (its server silent) is no proof that it
	// stopped: wait. Reported stopped by its server: no wait.
	creator = []system.RankIncarnation{{Rank: 1, Incarnation: 1}}
	unfinished("tank", time.Minute)
	setState := func(st system.MemberState) {
		t.Helper()
		_, err := s.replica().Apply(ctx, &system.Command{Op: system.OpState, State: &system.StateChange{
			Ranks: []uint32{1}, Incarnations: []uint64{1}, State: st}})
		require.NoError(t, err)
	}
	setState(system.StateUnresponsive)
	_, err = s.PoolCreate(ctx, createReq("tank"))
	require.Equal(t, daos.ErrAgain, derOf(err), "%v", err)
	require.Contains(t, err.Error(), "may still be at work")
	setState(system.StateStopped)
	_, err = s.PoolCreate(ctx, createReq("tank"))
	require.Equal(t, daos.ErrAgain, derOf(err), "%v", err)
	require.Contains(t, err.Error(), "rank 1 is Stopped", "no wait for the creator, but its share cannot go")
	require.False(t, eng.req(t, drpc.MethodPoolDestroy, &mgmtpb.PoolDestroyReq{}))
	remove()

	// Within the bound, but the engine that drove it has restarted since
	// (a new run): that create is not running, so no wait.
	creator = []system.RankIncarnation{{Rank: 1, Incarnation: 1}}
	_, err = s.Join(ctx, &mgmtpb.JoinReq{Sys: "daos_server", Uuid: "u1", Rank: 1, Addr: "h2:10001", Uri: "tcp://h2:10001",
		Nctxs: 2, SrvFaultDomain: "/hu1", Incarnation: 2})
	require.NoError(t, err)
	unfinished("tank", time.Minute)
	_, err = s.PoolCreate(ctx, createReq("tank"))
	require.NoError(t, err)
	require.True(t, eng.req(t, drpc.MethodPoolDestroy, &mgmtpb.PoolDestroyReq{}))
	require.Equal(t, system.PoolReady, state())
	remove()

	// A rank of the pool that is not available: its share cannot be
	// removed, so the caller is asked to try again, and nothing changes.
	_, err = s.SystemExclude(ctx, &mgmtpb.SystemExcludeReq{Ranks: "2"})
	require.NoError(t, err)
	unfinished("tank", 10*time.Minute)
	_, err = s.PoolCreate(ctx, createReq("tank"))
	require.Equal(t, daos.ErrAgain, derOf(err), "%v", err)
	require.Contains(t, err.Error(), "rank 2 is AdminExcluded")
	require.Equal(t, system.PoolCreating, state())
	require.False(t, eng.req(t, drpc.MethodPoolDestroy, &mgmtpb.PoolDestroyReq{}))
	_, err = s.SystemExclude(ctx, &mgmtpb.SystemExcludeReq{Ranks: "2", Clear: true})
	require.NoError(t, err)
	_, err = s.Join(ctx, &mgmtpb.JoinReq{Sys: "daos_server", Uuid: "u2", Rank: 2, Addr: "h3:10001", Uri: "tcp://h3:10001",
		Nctxs: 2, SrvFaultDomain: "/hu2", Incarnation: 2})
	require.NoError(t, err)
	remove()
	creator = nil

	// A tear-down that fails leaves the entry Creating, and says so.
	eng.replies[drpc.MethodPoolDestroy] = &mgmtpb.PoolDestroyResp{Status: int32(daos.ErrUnreach.DerCode())}
	unfinished("tank", 10*time.Minute)
	_, err = s.PoolCreate(ctx, createReq("tank"))
	require.Equal(t, daos.ErrUnreach, derOf(err), "%v", err)
	require.Contains(t, err.Error(), "unfinished earlier create")
	require.Equal(t, system.PoolCreating, state())
	require.False(t, eng.req(t, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{}))

	// An entry written before entries had a start time is past the bound.
	eng.replies[drpc.MethodPoolDestroy] = &mgmtpb.PoolDestroyResp{}
	p, err = s.DB().FindPool(poolUUID)
	require.NoError(t, err)
	p.CreateStart = time.Time{}
	_, err = s.replica().Apply(ctx, &system.Command{Op: system.OpPoolUpdate, Pool: &p})
	require.NoError(t, err)
	_, err = s.PoolCreate(ctx, createReq("tank"))
	require.NoError(t, err)
	require.Equal(t, system.PoolReady, state())
}

func TestPoolCreatePlan(t *testing.T) {
	s, eng := newPoolService(t)
	ctx := context.Background()
	stop := func(rank uint32) {
		_, err := s.replica().Apply(ctx, &system.Command{Op: system.OpState,
			State: &system.StateChange{Ranks: []uint32{rank}, State: system.StateStopped}})
		require.NoError(t, err)
	}
	bad := func(mut func(*mgmtpb.PoolCreateReq), want daos.Errno, msg string) {
		t.Helper()
		r := createReq("tank")
		mut(r)
		_, err := s.PoolCreate(ctx, r)
		require.Equal(t, want, derOf(err), "%v", err)
		require.Contains(t, err.Error(), msg)
		require.Empty(t, s.DB().Pools())
	}
	bad(func(r *mgmtpb.PoolCreateReq) { r.Uuid = "x" }, daos.ErrInval, "invalid pool UUID")
	bad(func(r *mgmtpb.PoolCreateReq) { r.Properties = nil }, daos.ErrInval, "no label")
	bad(func(r *mgmtpb.PoolCreateReq) { r.Properties = append(r.Properties, &mgmtpb.PoolProperty{Number: 99}) }, daos.ErrInval, "unknown pool property")
	bad(func(r *mgmtpb.PoolCreateReq) { r.Ranks = []uint32{0, 9} }, daos.ErrNonexist, "rank 9 is not a member")
	bad(func(r *mgmtpb.PoolCreateReq) { r.NumRanks = 4 }, daos.ErrInval, "4 ranks asked for, only 3")
	bad(func(r *mgmtpb.PoolCreateReq) { r.NumRanks = 2; r.Ranks = []uint32{0} }, daos.ErrInval, "not both")
	bad(func(r *mgmtpb.PoolCreateReq) { r.NumSvcReps = 2 }, daos.ErrInval, "must be odd")
	bad(func(r *mgmtpb.PoolCreateReq) { r.NumSvcReps = 5 }, daos.ErrInval, "only 3 ranks")
	bad(func(r *mgmtpb.PoolCreateReq) { r.TotalBytes = 1e6 }, daos.ErrInval, "below the minimum")
	bad(func(r *mgmtpb.PoolCreateReq) { r.TotalBytes = 0; r.TierBytes = []uint64{1 << 30, 1 << 20} }, daos.ErrInval, "NVMe per rank is below")
	bad(func(r *mgmtpb.PoolCreateReq) { r.TotalBytes = 0 }, daos.ErrInval, "no pool size")
	bad(func(r *mgmtpb.PoolCreateReq) { r.TierBytes = []uint64{1 << 30} }, daos.ErrInval, "not both")
	bad(func(r *mgmtpb.PoolCreateReq) { r.TierRatio = []float64{0.5, 0.2} }, daos.ErrInval, "add up")

	stop(1)
	bad(func(r *mgmtpb.PoolCreateReq) { r.Ranks = []uint32{1} }, daos.ErrInval, "rank 1 is Stopped")
	// Without rank 1, two ranks are available: one replica (kept odd).
	_, err := s.PoolCreate(ctx, createReq("tank"))
	require.Equal(t, daos.ErrNosys, derOf(err))
	got := &mgmtpb.PoolCreateReq{}
	require.True(t, eng.req(t, drpc.MethodPoolCreate, got))
	require.Equal(t, []uint32{0, 2}, got.Ranks)
	require.Equal(t, uint32(1), got.NumSvcReps)
	require.Equal(t, []uint64{900_000_000, 14_100_000_000}, got.TierBytes)

	// Manual per-rank sizes pass through; svc_rf=0 means one replica.
	r := createReq("tank")
	r.TotalBytes, r.TierRatio, r.TierBytes, r.NumRanks = 0, nil, []uint64{1 << 30, 0}, 1
	r.Properties = append(r.Properties, &mgmtpb.PoolProperty{Number: system.PoolPropSvcRedunFac, Value: &mgmtpb.PoolProperty_Numval{Numval: 0}})
	_, _ = s.PoolCreate(ctx, r)
	require.True(t, eng.req(t, drpc.MethodPoolCreate, got))
	require.Equal(t, []uint32{0}, got.Ranks)
	require.Equal(t, []uint64{1 << 30, 0}, got.TierBytes)
	require.Equal(t, uint32(1), got.NumSvcReps)
}

func TestPoolNotLeader(t *testing.T) {
	s, rep, _ := newTestService(t)
	rep.mu.Lock()
	rep.leader = false
	rep.mu.Unlock()
	_, err := s.PoolCreate(context.Background(), createReq("tank"))
	require.Equal(t, daos.ErrNotleader, derOf(err))
	_, err = s.PoolQuery(context.Background(), &mgmtpb.PoolQueryReq{Id: "tank"})
	require.Equal(t, daos.ErrNotleader, derOf(err))
	_, err = s.PoolQuery(context.Background(), &mgmtpb.PoolQueryReq{Id: "tank", Sys: "other"})
	require.Error(t, err)
}

func TestSvcReplicas(t *testing.T) {
	for _, c := range []struct {
		asked  uint32
		rf     uint64
		nranks int
		want   uint32
	}{{0, 2, 10, 5}, {0, 2, 4, 3}, {0, 2, 3, 3}, {0, 2, 2, 1}, {0, 2, 1, 1}, {0, 4, 20, 9}, {0, 0, 5, 1}, {7, 2, 8, 7}} {
		n, err := svcReplicaCount(c.asked, c.rf, c.nranks)
		require.NoError(t, err)
		require.Equal(t, c.want, n, "%+v", c)
	}
	members := []*system.Member{{Rank: 0, FaultDomain: "/a"}, {Rank: 1, FaultDomain: "/a"}, {Rank: 2, FaultDomain: "/b"},
		{Rank: 3, FaultDomain: "/b"}, {Rank: 4, FaultDomain: "/c"}}
	require.Equal(t, []uint32{0, 2, 4}, pickSvcRanks(members, []uint32{0, 1, 2, 3, 4}, 3))
	require.Equal(t, []uint32{0, 1, 2, 3, 4}, pickSvcRanks(members, []uint32{0, 1, 2, 3, 4}, 5))
	require.Equal(t, []uint32{2, 0, 2, 1, 1, 2, 1, 2, 2, 0, 1, 2, 3}, faultDomainTree(members, []uint32{0, 1, 2, 3}))
}

// TestPoolRepliesForwardable: a server that does not lead can forward
// every pool call, which needs the reply types.
func TestPoolRepliesForwardable(t *testing.T) {
	for _, m := range []string{"PoolCreate", "PoolDestroy", "PoolEvict", "PoolExclude", "PoolDrain", "PoolExtend",
		"PoolReintegrate", "PoolQuery", "PoolQueryTarget", "PoolSetProp", "PoolGetProp", "PoolGetACL",
		"PoolOverwriteACL", "PoolUpdateACL", "PoolDeleteACL", "PoolUpgrade"} {
		r, err := newReply(methodPrefix + m)
		require.NoError(t, err, m)
		require.NotNil(t, r, m)
	}
}

// TestPoolExtendRecordsRanks: a successful extend adds the new ranks to
// the directory's entry (so query-targets and destroy reach them) and
// sends the engine the new ranks' fault domains; a refused one changes
// nothing.
func TestPoolExtendRecordsRanks(t *testing.T) {
	s, eng := newPoolService(t)
	ctx := context.Background()
	req := createReq("lake")
	req.Ranks = []uint32{0, 1}
	eng.replies[drpc.MethodPoolCreate] = &mgmtpb.PoolCreateResp{SvcReps: []uint32{0}, TgtRanks: []uint32{0, 1},
		TierBytes: []uint64{600_000_000, 9_400_000_000}}
	_, err := s.PoolCreate(ctx, req)
	require.NoError(t, err)

	eng.replies[drpc.MethodPoolExtend] = &mgmtpb.PoolExtendResp{Status: int32(daos.ErrNospace.DerCode())}
	_, err = s.PoolExtend(ctx, &mgmtpb.PoolExtendReq{Id: "lake", Ranks: []uint32{2}})
	require.Equal(t, daos.ErrNospace, derOf(err))
	p, _ := s.DB().FindPool("lake")
	require.Equal(t, []uint32{0, 1}, p.Ranks)

	eng.replies[drpc.MethodPoolExtend] = &mgmtpb.PoolExtendResp{}
	_, err = s.PoolExtend(ctx, &mgmtpb.PoolExtendReq{Id: "lake", Ranks: []uint32{2}})
	require.NoError(t, err)
	got := &mgmtpb.PoolExtendReq{}
	require.True(t, eng.req(t, drpc.MethodPoolExtend, got))
	require.Equal(t, []uint32{2}, got.Ranks)
	require.NotEmpty(t, got.FaultDomains)
	p, _ = s.DB().FindPool("lake")
	require.Equal(t, []uint32{0, 1, 2}, p.Ranks)
}

// TestPoolDestroyResumes: a destroy refused before its point of no return
// leaves the pool as it was; one that failed after it leaves the pool
// Destroying, and the next destroy asks the engine to finish it (resume,
// with the pool's ranks) and drops the entry.
func TestPoolDestroyResumes(t *testing.T) {
	s, eng := newPoolService(t)
	ctx := context.Background()
	eng.replies[drpc.MethodPoolCreate] = &mgmtpb.PoolCreateResp{SvcReps: []uint32{0, 1, 2}, TgtRanks: []uint32{0, 1, 2},
		TierBytes: []uint64{600_000_000, 9_400_000_000}}
	_, err := s.PoolCreate(ctx, createReq("tank"))
	require.NoError(t, err)

	eng.replies[drpc.MethodPoolDestroy] = &mgmtpb.PoolDestroyResp{Status: int32(daos.ErrBusy.DerCode())}
	_, err = s.PoolDestroy(ctx, &mgmtpb.PoolDestroyReq{Id: "tank"})
	require.Equal(t, daos.ErrBusy, derOf(err))
	p, _ := s.DB().FindPool("tank")
	require.Equal(t, system.PoolReady, p.State, "a refusal changes nothing")

	eng.replies[drpc.MethodPoolDestroy] = &mgmtpb.PoolDestroyResp{Status: int32(daos.ErrUnreach.DerCode()), Begun: true}
	_, err = s.PoolDestroy(ctx, &mgmtpb.PoolDestroyReq{Id: "tank"})
	require.Equal(t, daos.ErrUnreach, derOf(err))
	require.Contains(t, err.Error(), "run the destroy again")
	p, _ = s.DB().FindPool("tank")
	require.Equal(t, system.PoolDestroying, p.State)
	first := &mgmtpb.PoolDestroyReq{}
	require.True(t, eng.req(t, drpc.MethodPoolDestroy, first))
	require.False(t, first.Resume)

	// Resumed, and failing again: still Destroying.
	eng.replies[drpc.MethodPoolDestroy] = &mgmtpb.PoolDestroyResp{Status: int32(daos.ErrUnreach.DerCode())}
	_, err = s.PoolDestroy(ctx, &mgmtpb.PoolDestroyReq{Id: "tank"})
	require.Equal(t, daos.ErrUnreach, derOf(err))
	p, _ = s.DB().FindPool("tank")
	require.Equal(t, system.PoolDestroying, p.State)

	eng.replies[drpc.MethodPoolDestroy] = &mgmtpb.PoolDestroyResp{}
	_, err = s.PoolDestroy(ctx, &mgmtpb.PoolDestroyReq{Id: "tank"})
	require.NoError(t, err)
	resumed := &mgmtpb.PoolDestroyReq{}
	require.True(t, eng.req(t, drpc.MethodPoolDestroy, resumed))
	require.True(t, resumed.Resume)
	require.Equal(t, []uint32{0, 1, 2}, resumed.Ranks)
	require.Equal(t, []uint32{0, 1, 2}, resumed.SvcRanks)
	require.Empty(t, s.DB().Pools())
}

// The engine refuses a destroy with DER_BUSY alone; the reply says which
// flag would have allowed it.
func TestDestroyRefusal(t *testing.T) {
	busy := daos.Errorf(daos.ErrBusy, "pool destroy")
	for _, tc := range []struct {
		force, recursive bool
		want             string
	}{
		{true, false, "has containers: destroy them first, or add --recursive"},
		{false, false, "containers (add --recursive) or open handles (add --force)"},
		{false, true, "has open handles: close them, or add --force"},
	} {
		err := destroyRefusal(busy, &mgmtpb.PoolDestroyReq{Id: "tank", Force: tc.force, Recursive: tc.recursive})
		require.ErrorContains(t, err, tc.want)
		require.ErrorIs(t, err, daos.ErrBusy, "the code stays")
	}
	other := daos.Errorf(daos.ErrUnreach, "x")
	require.Equal(t, other, destroyRefusal(other, &mgmtpb.PoolDestroyReq{}))
}

// hookEngine runs before on every call, then answers as its fakeEngine.
type hookEngine struct {
	*fakeEngine
	before func(drpc.Method)
}

func (h hookEngine) CallEngine(ctx context.Context, m drpc.Method, body []byte) ([]byte, error) {
	h.before(m)
	return h.fakeEngine.CallEngine(ctx, m, body)
}

// TestPoolCreateLosesOffice: a leader that loses office while its engine
// creates the pool cannot record the outcome; its caller gets
// DER_NOTLEADER (which dmg retries, reaching the next leader) whether the
// engine succeeded or failed, and the entry stays Creating, naming the
// engine that drove the create, for the next leader to settle.
func TestPoolCreateLosesOffice(t *testing.T) {
	s, rep, h := newTestService(t)
	joinAll(t, s, h)
	eng := newFakeEngine()
	s.SetPoolEngines(hookEngine{eng, func(m drpc.Method) {
		if m == drpc.MethodPoolCreate {
			rep.mu.Lock()
			rep.leader = false
			rep.mu.Unlock()
		}
	}})
	ctx := context.Background()
	regain := func() {
		rep.mu.Lock()
		rep.leader = true
		rep.mu.Unlock()
	}
	for _, reply := range []*mgmtpb.PoolCreateResp{
		{Status: int32(daos.ErrUnreach.DerCode())},
		{SvcReps: []uint32{0, 1, 2}, TgtRanks: []uint32{0, 1, 2}},
	} {
		eng.replies[drpc.MethodPoolCreate] = reply
		_, err := s.PoolCreate(ctx, createReq("tank"))
		require.Equal(t, daos.ErrNotleader, derOf(err), "%v", err)
		p, ferr := s.DB().FindPool(poolUUID)
		require.NoError(t, ferr)
		require.Equal(t, system.PoolCreating, p.State)
		require.Equal(t, []system.RankIncarnation{{Rank: 0, Incarnation: 1}}, p.CreatorEngines)
		regain()
		_, err = s.replica().Apply(ctx, &system.Command{Op: system.OpPoolRemove, Pool: &system.PoolInfo{UUID: poolUUID}})
		require.NoError(t, err)
	}
}
