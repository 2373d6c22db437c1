package mgmtsvc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/msdb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
)

// msNode is one management service replica over real raft.
type msNode struct {
	addr string
	dir  string
	lis  net.Listener
	gs   *grpc.Server
	tr   *msdb.Transport
	rep  *msdb.Replica
	svc  *Service
}

func (n *msNode) start(t *testing.T, replicas []string) {
	t.Helper()
	if n.lis == nil {
		var err error
		n.lis, err = net.Listen("tcp", n.addr)
		require.NoError(t, err)
	}
	n.gs = grpc.NewServer()
	n.tr = msdb.NewTransport(n.gs, n.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	go n.gs.Serve(n.lis)
	db := system.NewDatabase()
	var err error
	n.rep, err = msdb.Open(msdb.Config{Dir: n.dir, Replicas: replicas, Transport: n.tr, DB: db, Logger: slog.New(slog.DiscardHandler),
		Timing: msdb.Timing{Heartbeat: 300 * time.Millisecond, Election: 300 * time.Millisecond, LeaderLease: 250 * time.Millisecond, Commit: 20 * time.Millisecond}})
	require.NoError(t, err)
	n.svc = New(Options{System: "daos_server", Local: n.addr, Replicas: replicas, DB: db, Hosts: &fakeHosts{},
		Provider: "ofi+tcp", Logger: slog.New(slog.DiscardHandler)})
	n.svc.SetReplica(n.rep)
}

func (n *msNode) stop() {
	if n.rep == nil {
		return
	}
	n.rep.Close()
	n.gs.Stop()
	n.tr.Close()
	n.rep, n.lis = nil, nil
}

// joinOn joins an engine through whichever node leads.
func joinOn(t *testing.T, nodes []*msNode, uuid string) *mgmtpb.JoinResp {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, n := range nodes {
			if n.rep == nil || !n.rep.IsLeader() {
				continue
			}
			resp, err := n.svc.Join(context.Background(), &mgmtpb.JoinReq{Sys: "daos_server", Uuid: uuid, Rank: system.NilRank,
				Addr: uuid + ":10001", Uri: "tcp://127.0.0.1:1", Nctxs: 1})
			if err == nil {
				return resp
			}
			require.True(t, errors.Is(grpcerr.FromStatus(err), daos.ErrNotleader), "%v", err)
		}
		require.True(t, time.Now().Before(deadline), "no leader took the join")
		time.Sleep(20 * time.Millisecond)
	}
}

// The system key is made once, is the same on every replica, through a
// change of leader and a restart, goes to joining servers, and appears in
// no query.
func TestSystemKeyMadeOnceAndKept(t *testing.T) {
	nodes := make([]*msNode, 3)
	var addrs []string
	for i := range nodes {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		nodes[i] = &msNode{addr: l.Addr().String(), dir: t.TempDir(), lis: l}
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

	first := joinOn(t, nodes, "u0")
	key := first.SystemKey
	require.Len(t, key, system.SystemKeyLen)
	require.NotEqual(t, make([]byte, system.SystemKeyLen), key)
	assert.Equal(t, key, joinOn(t, nodes, "u1").SystemKey, "a second join made another key")
	for _, n := range nodes {
		keyEventually(t, "every replica holds the key", func() bool { return bytes.Equal(n.svc.DB().SystemKey(), key) })
	}

	// The leader goes: the next leader hands out the same key.
	var old *msNode
	for _, n := range nodes {
		if n.rep.IsLeader() {
			old = n
		}
	}
	require.NotNil(t, old)
	old.stop()
	var rest []*msNode
	for _, n := range nodes {
		if n != old {
			rest = append(rest, n)
		}
	}
	assert.Equal(t, key, joinOn(t, rest, "u2").SystemKey)

	// The old leader restarts from its directory with the same key.
	old.start(t, addrs)
	keyEventually(t, "the restarted replica holds the key", func() bool { return bytes.Equal(old.svc.DB().SystemKey(), key) })
	// A refused attempt to change it changes nothing.
	db := old.svc.DB()
	assert.Nil(t, db.Apply(&system.Command{Op: system.OpInitKey, Key: bytes.Repeat([]byte{1}, system.SystemKeyLen)}))
	assert.Equal(t, key, db.SystemKey())
	assert.Error(t, db.Apply(&system.Command{Op: system.OpInitKey, Key: []byte{1}}).(error))

	// No query shows it, in any encoding.
	var ldr *msNode
	keyEventually(t, "a leader", func() bool {
		for _, n := range nodes {
			if n.rep != nil && n.rep.IsLeader() {
				ldr = n
				return true
			}
		}
		return false
	})
	ctx := context.Background()
	var outs []proto.Message
	for _, call := range []func() (proto.Message, error){
		func() (proto.Message, error) { return ldr.svc.SystemQuery(ctx, &mgmtpb.SystemQueryReq{}) },
		func() (proto.Message, error) {
			return ldr.svc.GetAttachInfo(ctx, &mgmtpb.GetAttachInfoReq{AllRanks: true})
		},
		func() (proto.Message, error) { return ldr.svc.LeaderQuery(ctx, &mgmtpb.LeaderQueryReq{}) },
		func() (proto.Message, error) { return ldr.svc.SystemGetAttr(ctx, &mgmtpb.SystemGetAttrReq{}) },
		func() (proto.Message, error) { return ldr.svc.SystemGetProp(ctx, &mgmtpb.SystemGetPropReq{}) },
		func() (proto.Message, error) { return ldr.svc.ListPools(ctx, &mgmtpb.ListPoolsReq{}) },
	} {
		var out proto.Message
		keyEventually(t, "the query", func() bool {
			var err error
			out, err = call()
			return err == nil
		})
		outs = append(outs, out)
	}
	status, err := json.Marshal(ldr.svc.Status())
	require.NoError(t, err)
	forms := [][]byte{key, []byte(hex.EncodeToString(key)), []byte(base64.StdEncoding.EncodeToString(key)), []byte(fmt.Sprint(key))}
	for _, out := range outs {
		wire, err := proto.Marshal(out)
		require.NoError(t, err)
		js, err := protojson.Marshal(out)
		require.NoError(t, err)
		for _, f := range forms {
			assert.False(t, bytes.Contains(wire, f), "%T carries the key", out)
			assert.False(t, bytes.Contains(js, f), "%T's JSON carries the key", out)
		}
	}
	for _, f := range forms {
		assert.False(t, bytes.Contains(status, f), "Status carries the key")
	}
}

func keyEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "%s: not within 15 s", what)
		time.Sleep(20 * time.Millisecond)
	}
}
