package rsvc

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// testPeerKey is the system's peer key of the tests' engines.
var testPeerKey = bytes.Repeat([]byte{0x5a}, 32)

// A fabric client without the peer key cannot take part in a group's
// raft: its vote request, which would depose the leader, is refused.
func TestRaftRefusedToClients(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := newEngine(t, 0)
	defer e.stop()
	g := GroupID{7}
	self := Member{ID: e.ep.URI().String(), Addr: e.ep.URI().String()}
	e.start(t, g, []Member{self})
	eventually(t, "a leader", func() bool { return e.rep[g].IsLeader() })
	term := e.rep[g].Term()

	cl, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}})
	require.NoError(t, err)
	defer cl.Close()
	body, err := encode(&raft.RequestVoteRequest{RPCHeader: raft.RPCHeader{ID: []byte("intruder"), Addr: []byte("intruder")},
		Term: term + 100, LastLogIndex: 1 << 40, LastLogTerm: term + 100})
	require.NoError(t, err)
	err = cl.Call(ctx, e.ep.URI(), OpRequestVote, &raftMsg{Group: g, Body: body}, &raftMsg{})
	require.True(t, errors.Is(err, daos.ErrNoPerm), "%v", err)
	require.True(t, e.rep[g].IsLeader())
	require.Equal(t, term, e.rep[g].Term())
}
