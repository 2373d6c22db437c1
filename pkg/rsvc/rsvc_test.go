package rsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// kv is a test state machine: "k=v" commands set keys.
type kv struct {
	mu sync.Mutex
	m  map[string]string
}

func newKV() *kv { return &kv{m: map[string]string{}} }

func (s *kv) Apply(cmd []byte) any {
	var k, v string
	if _, err := fmt.Sscanf(string(cmd), "%s %s", &k, &v); err != nil {
		return daos.Errorf(daos.ErrInval, "bad command %q", cmd)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	return len(s.m)
}

func (s *kv) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(s.m)
}

func (s *kv) Restore(b []byte) error {
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	s.mu.Lock()
	s.m = m
	s.mu.Unlock()
	return nil
}

func (s *kv) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// fast is quick enough for tests yet slow enough that a loaded two-core CI
// machine does not depose leaders all the time.
var fast = Timing{Heartbeat: 300 * time.Millisecond, Election: 300 * time.Millisecond, LeaderLease: 250 * time.Millisecond, Commit: 20 * time.Millisecond}

// engine is one endpoint with a Mux, hosting replicas of several groups.
type engine struct {
	ep  *rpc.Endpoint
	mux *Mux
	dir string
	rep map[GroupID]*Replica
	sm  map[GroupID]*kv
}

func newEngine(t *testing.T, port int) *engine {
	mux := NewMux()
	reg := rpc.NewRegistry()
	require.NoError(t, mux.Register(reg))
	ep, err := rpc.Listen(context.Background(), rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1", Port: port}, Registry: reg, PeerKey: testPeerKey})
	require.NoError(t, err)
	mux.SetEndpoint(ep)
	return &engine{ep: ep, mux: mux, dir: t.TempDir(), rep: map[GroupID]*Replica{}, sm: map[GroupID]*kv{}}
}

func (e *engine) start(t *testing.T, g GroupID, members []Member) {
	tr, err := e.mux.Transport(g)
	require.NoError(t, err)
	sm := newKV()
	r, err := Open(Config{Dir: fmt.Sprintf("%s/%x", e.dir, g[:2]), Self: Member{ID: e.ep.URI().String(), Addr: e.ep.URI().String()},
		Members: members, Transport: tr, Machine: sm, Timing: fast, SnapshotThreshold: 8,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	e.rep[g], e.sm[g] = r, sm
}

func (e *engine) stop() {
	for _, r := range e.rep {
		r.Close()
	}
	e.ep.Close()
}

func leaderOf(t *testing.T, es []*engine, g GroupID) *engine {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range es {
			if r := e.rep[g]; r != nil && r.IsLeader() {
				return e
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no leader within 10 s")
	return nil
}

// applyOnLeader applies cmd on whichever replica of g leads, retrying
// while leadership moves (as every caller of a replicated service does);
// the commands the tests send are idempotent.
func applyOnLeader(ctx context.Context, t *testing.T, es []*engine, g GroupID, cmd []byte) (any, error) {
	t.Helper()
	for {
		res, err := leaderOf(t, es, g).rep[g].Apply(ctx, cmd)
		if !errors.Is(err, ErrNotLeader) || ctx.Err() != nil {
			return res, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestGroupsOverTheFabric(t *testing.T) {
	var es []*engine
	var members []Member
	for i := 0; i < 3; i++ {
		e := newEngine(t, 0)
		es = append(es, e)
		members = append(members, Member{ID: e.ep.URI().String(), Addr: e.ep.URI().String()})
	}
	defer func() {
		for _, e := range es {
			e.stop()
		}
	}()
	g1, g2 := GroupID{1}, GroupID{2}
	for _, e := range es {
		e.start(t, g1, members)
		e.start(t, g2, members)
	}
	ctx := context.Background()
	for _, g := range []GroupID{g1, g2} {
		for i := 0; i < 20; i++ {
			res, err := applyOnLeader(ctx, t, es, g, []byte(fmt.Sprintf("k%d v%d", i, i)))
			require.NoError(t, err)
			assert.Equal(t, i+1, res)
		}
		_, err := applyOnLeader(ctx, t, es, g, []byte("nonsense"))
		assert.True(t, errors.Is(err, daos.ErrInval), "%v", err)
		for _, e := range es {
			eventually(t, "followers apply", func() bool { return e.sm[g].len() == 20 })
		}
		// A replica that does not lead refuses (unless it took the lead
		// meanwhile, which a loaded machine can cause).
		for _, e := range es {
			if e.rep[g].IsLeader() {
				continue
			}
			_, err := e.rep[g].Apply(ctx, []byte("k0 v0"))
			assert.True(t, errors.Is(err, ErrNotLeader) || err == nil && e.rep[g].IsLeader(), "%v", err)
		}
	}

	// Lose g1's leader: the others elect a new one and go on; the lost
	// engine comes back on the same port and catches up (by snapshot:
	// the threshold is 8 entries).
	old := leaderOf(t, es, g1)
	ap, err := old.ep.URI().AddrPort()
	require.NoError(t, err)
	port := int(ap.Port())
	old.stop()
	var rest []*engine
	for _, e := range es {
		if e != old {
			rest = append(rest, e)
		}
	}
	require.NoError(t, leaderOf(t, rest, g1).rep[g1].Barrier(ctx))
	for i := 20; i < 60; i++ {
		_, err := applyOnLeader(ctx, t, rest, g1, []byte(fmt.Sprintf("k%d v%d", i, i)))
		require.NoError(t, err)
	}
	back := newEngine(t, port)
	back.dir = old.dir
	defer back.stop()
	back.start(t, g1, members)
	eventually(t, "the restarted replica catches up", func() bool { return back.sm[g1].len() == 60 })

	// A message for a group nobody serves is refused.
	tr, err := back.mux.Transport(GroupID{9})
	require.NoError(t, err)
	err = tr.call(OpRequestVote, raft.ServerAddress(rest[0].ep.URI().String()), &struct{}{}, &struct{}{}, nil, time.Second)
	assert.True(t, errors.Is(err, daos.ErrNonexist), "%v", err)
}

// TestLargeCommands: a batch of entries larger than one fabric message
// still replicates (it travels by bulk), and Apply honours its deadline.
func TestLargeCommands(t *testing.T) {
	var es []*engine
	var members []Member
	for i := 0; i < 3; i++ {
		e := newEngine(t, 0)
		es = append(es, e)
		members = append(members, Member{ID: e.ep.URI().String(), Addr: e.ep.URI().String()})
	}
	defer func() {
		for _, e := range es {
			e.stop()
		}
	}()
	g := GroupID{7}
	for _, e := range es {
		e.start(t, g, members)
	}
	l := leaderOf(t, es, g)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	val := strings.Repeat("v", 400<<10)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = applyOnLeader(ctx, t, es, g, []byte(fmt.Sprintf("k%d %s", i, val)))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	for _, e := range es {
		eventually(t, "large entries replicate", func() bool { return e.sm[g].len() == 4 })
	}
	// A deadline already past is refused at once.
	past, pcancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer pcancel()
	time.Sleep(time.Millisecond)
	_, err := l.rep[g].Apply(past, []byte("x y"))
	assert.True(t, errors.Is(err, daos.ErrTimedout), "%v", err)
}

// TestCloseDoesNotWaitForDeadPeers: a replica whose peers take calls and
// never answer (a hung host) closes at once, not after its calls to them
// time out.
func TestCloseDoesNotWaitForDeadPeers(t *testing.T) {
	e := newEngine(t, 0)
	defer e.stop()
	self := e.ep.URI().String()
	members := []Member{{ID: self, Addr: self}}
	for i := 0; i < 2; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close() // held open, never answered
			}
		}()
		port := l.Addr().(*net.TCPAddr).Port
		ap, err := e.ep.URI().AddrPort()
		require.NoError(t, err)
		addr := strings.Replace(self, ap.String(), fmt.Sprintf("127.0.0.1:%d", port), 1)
		members = append(members, Member{ID: addr, Addr: addr})
	}
	g := GroupID{0xde, 0xad}
	e.start(t, g, members)
	// Let it stand for election: its vote requests hang on the peers.
	time.Sleep(3 * fast.Election)
	start := time.Now()
	require.NoError(t, e.rep[g].Close())
	assert.Less(t, time.Since(start), 2*time.Second, "close waited for calls to hung peers")
}
