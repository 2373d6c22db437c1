package msdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
)

// fast is quick enough for tests yet slow enough that a loaded two-core CI
// machine does not depose leaders all the time.
var fast = Timing{Heartbeat: 300 * time.Millisecond, Election: 300 * time.Millisecond, LeaderLease: 250 * time.Millisecond, Commit: 20 * time.Millisecond}

// node is one replica with its own gRPC server.
type node struct {
	addr string
	dir  string
	lis  net.Listener
	gs   *grpc.Server
	tr   *Transport
	db   *system.Database
	rep  *Replica
}

func listen(t *testing.T) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return l
}

func (n *node) start(t *testing.T, replicas []string) {
	t.Helper()
	if n.lis == nil {
		var err error
		n.lis, err = net.Listen("tcp", n.addr)
		require.NoError(t, err)
	}
	n.gs = grpc.NewServer()
	n.tr = NewTransport(n.gs, n.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	go n.gs.Serve(n.lis)
	n.db = system.NewDatabase()
	var err error
	n.rep, err = Open(Config{Dir: n.dir, Replicas: replicas, Transport: n.tr, DB: n.db, Timing: fast,
		Logger: slog.New(slog.DiscardHandler), SnapshotThreshold: 16})
	require.NoError(t, err)
}

func (n *node) stop() {
	if n.rep == nil {
		return
	}
	n.rep.Close()
	n.gs.Stop()
	n.tr.Close()
	n.rep, n.lis = nil, nil
}

func cluster(t *testing.T, size int) ([]*node, []string) {
	nodes := make([]*node, size)
	var addrs []string
	for i := range nodes {
		l := listen(t)
		nodes[i] = &node{addr: l.Addr().String(), dir: t.TempDir(), lis: l}
		addrs = append(addrs, nodes[i].addr)
	}
	for _, n := range nodes {
		n.start(t, addrs)
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			n.stop()
		}
	})
	return nodes, addrs
}

func leader(t *testing.T, nodes []*node) *node {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, n := range nodes {
			if n.rep != nil && n.rep.IsLeader() {
				return n
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no leader elected within 10 s")
	return nil
}

func join(uuid string) *system.Command {
	return &system.Command{Op: system.OpJoin, Join: &system.JoinRequest{UUID: uuid, Addr: uuid + ":10001", Rank: system.NilRank}}
}

// applyOnLeader applies cmd on whichever node leads, retrying while
// leadership moves (as every caller of a replicated service does); joins
// are idempotent.
func applyOnLeader(ctx context.Context, t *testing.T, nodes []*node, cmd *system.Command) (any, error) {
	t.Helper()
	for {
		res, err := leader(t, nodes).rep.Apply(ctx, cmd)
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

func TestReplicationFailoverAndCatchUp(t *testing.T) {
	nodes, _ := cluster(t, 3)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		res, err := applyOnLeader(ctx, t, nodes, join(fmt.Sprintf("u%d", i)))
		require.NoError(t, err)
		assert.Equal(t, uint32(i), res.(*system.JoinResult).Member.Rank)
	}
	for _, n := range nodes {
		eventually(t, "followers apply the joins", func() bool { return len(n.db.Members()) == 3 })
	}
	// Followers refuse and name the leader (leadership can move on a
	// loaded machine, so compare with whoever leads at the time).
	ldr := leader(t, nodes)
	for _, n := range nodes {
		if n == ldr {
			continue
		}
		_, err := n.rep.Apply(ctx, join("u0"))
		assert.True(t, errors.Is(err, ErrNotLeader) || err == nil && n.rep.IsLeader(), "a follower applied: %v", err)
		eventually(t, "followers know the leader", func() bool { return n.rep.Leader() == leader(t, nodes).addr })
	}

	// A refusal travels back as the database's error and changes nothing.
	_, err := applyOnLeader(ctx, t, nodes, &system.Command{Op: system.OpJoin, Join: &system.JoinRequest{UUID: "u0", Addr: "elsewhere:1", Rank: system.NilRank}})
	assert.True(t, errors.Is(err, daos.ErrInval), "%v", err)

	// Lose the leader: the other two elect a new one that has everything.
	ldr = leader(t, nodes)
	ldr.stop()
	var rest []*node
	for _, n := range nodes {
		if n != ldr {
			rest = append(rest, n)
		}
	}
	require.NoError(t, leader(t, rest).rep.Barrier(ctx))
	res, err := applyOnLeader(ctx, t, rest, join("u3"))
	require.NoError(t, err)
	assert.Equal(t, uint32(3), res.(*system.JoinResult).Member.Rank, "the new leader reassigned a rank")
	for i := 4; i < 40; i++ { // past the snapshot threshold
		_, err := applyOnLeader(ctx, t, rest, join(fmt.Sprintf("u%d", i)))
		require.NoError(t, err)
	}

	// The old leader comes back from its directory and catches up.
	ldr2 := leader(t, rest)
	ldr.start(t, ldr2.rep.Replicas())
	eventually(t, "restarted replica catches up", func() bool { return len(ldr.db.Members()) == 40 })
	assert.Equal(t, ldr2.db.Members(), ldr.db.Members())
}

func TestRestartKeepsState(t *testing.T) {
	nodes, addrs := cluster(t, 1)
	n := nodes[0]
	ldr := leader(t, nodes)
	for i := 0; i < 20; i++ {
		_, err := ldr.rep.Apply(context.Background(), join(fmt.Sprintf("u%d", i)))
		require.NoError(t, err)
	}
	want := n.db.Members()
	n.stop()
	n.start(t, addrs)
	leader(t, nodes)
	require.NoError(t, n.rep.Barrier(context.Background()))
	assert.Equal(t, want, n.db.Members())
}

func TestNoMajorityTimesOut(t *testing.T) {
	nodes, _ := cluster(t, 3)
	ldr := leader(t, nodes)
	for _, n := range nodes {
		if n != ldr {
			n.stop()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := ldr.rep.Apply(ctx, join("lonely"))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestOpenRefusesAStranger(t *testing.T) {
	gs := grpc.NewServer()
	tr := NewTransport(gs, "127.0.0.1:1")
	_, err := Open(Config{Dir: t.TempDir(), Replicas: []string{"127.0.0.1:2"}, Transport: tr, DB: system.NewDatabase()})
	assert.ErrorContains(t, err, "is not one of the members")
}
