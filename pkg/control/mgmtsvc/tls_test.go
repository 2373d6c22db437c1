package mgmtsvc

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/security"
	"github.com/daos-go/daos/pkg/control/security/certtest"
	"github.com/daos-go/daos/pkg/control/system"
)

// TestForwardingUnderTLS checks that a follower forwards an admin's call
// with its server certificate and the leader authorizes it as the admin's,
// and that nobody but a server can claim to forward for someone else.
func TestForwardingUnderTLS(t *testing.T) {
	ca, err := certtest.NewCA(t.TempDir())
	require.NoError(t, err)
	issue := func(c config.Component) config.Transport {
		tr, err := ca.Issue(c)
		require.NoError(t, err)
		return tr
	}
	serverT, adminT, agentT := issue(config.ComponentServer), issue(config.ComponentAdmin), issue(config.ComponentAgent)
	srvCreds, err := security.ServerCredentials(serverT)
	require.NoError(t, err)
	peerCreds, err := security.ClientCredentials(serverT, config.ComponentServer)
	require.NoError(t, err)

	lisA, _ := net.Listen("tcp", "127.0.0.1:0")
	lisB, _ := net.Listen("tcp", "127.0.0.1:0")
	a, b := lisA.Addr().String(), lisB.Addr().String()
	conns := NewConns(grpc.WithTransportCredentials(peerCreds))
	defer conns.Close()
	serve := func(lis net.Listener, local string, rep *localReplica) {
		s := New(Options{System: "daos_server", Local: local, Replicas: []string{a, b}, DB: rep.db, Conns: conns,
			Hosts: &fakeHosts{}, Logger: slog.New(slog.DiscardHandler), LeaderWait: 300 * time.Millisecond})
		s.SetReplica(rep)
		gs := grpc.NewServer(grpc.Creds(srvCreds), grpc.ChainUnaryInterceptor(security.UnaryAuthorizer, s.Forwarder))
		mgmtpb.RegisterMgmtSvcServer(gs, s)
		go gs.Serve(lis)
		t.Cleanup(gs.Stop)
	}
	leaderDB := system.NewDatabase()
	serve(lisA, a, &localReplica{db: leaderDB, leader: true, addr: a})
	serve(lisB, b, &localReplica{db: system.NewDatabase(), addr: a})

	client := func(tr config.Transport, c config.Component, addr string) mgmtpb.MgmtSvcClient {
		creds, err := security.ClientCredentials(tr, c)
		require.NoError(t, err)
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
		require.NoError(t, err)
		t.Cleanup(func() { cc.Close() })
		return mgmtpb.NewMgmtSvcClient(cc)
	}
	ctx := context.Background()

	// An admin asks the follower: forwarded, authorized as admin.
	_, err = client(adminT, config.ComponentAdmin, b).SystemQuery(ctx, &mgmtpb.SystemQueryReq{})
	require.NoError(t, err)
	// A server's join through the follower reaches the leader.
	_, err = client(serverT, config.ComponentServer, b).Join(ctx, &mgmtpb.JoinReq{Uuid: "u0", Rank: system.NilRank, Addr: b})
	require.NoError(t, err)
	assert.Len(t, leaderDB.Members(), 1)

	// An agent may not query members, directly or through a follower.
	for _, addr := range []string{a, b} {
		_, err = client(agentT, config.ComponentAgent, addr).SystemQuery(ctx, &mgmtpb.SystemQueryReq{})
		assert.Equal(t, codes.PermissionDenied, status.Code(err), "agent via %s: %v", addr, err)
	}
	// An agent claiming to forward for an admin is still an agent.
	fake := metadata.AppendToOutgoingContext(ctx, security.ForwardedForKey, string(config.ComponentAdmin))
	_, err = client(agentT, config.ComponentAgent, a).SystemStop(fake, &mgmtpb.SystemStopReq{})
	assert.Equal(t, codes.PermissionDenied, status.Code(err), "%v", err)
	// An agent may ask for attach info through a follower: forwarded for
	// the agent, allowed for the agent.
	_, err = client(agentT, config.ComponentAgent, b).GetAttachInfo(ctx, &mgmtpb.GetAttachInfoReq{})
	require.NoError(t, err)
}
