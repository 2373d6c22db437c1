package ctlclient_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
)

type fakeConts struct {
	mgmtpb.UnimplementedMgmtSvcServer
	reqs []*mgmtpb.ContSetOwnerReq
}

func (f *fakeConts) ContSetOwner(_ context.Context, r *mgmtpb.ContSetOwnerReq) (*mgmtpb.ContSetOwnerResp, error) {
	f.reqs = append(f.reqs, r)
	if r.ContId == "nosuch" {
		return &mgmtpb.ContSetOwnerResp{Status: -1005}, nil
	}
	return &mgmtpb.ContSetOwnerResp{}, nil
}

func TestContSetOwnerCall(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	f := &fakeConts{}
	mgmtpb.RegisterMgmtSvcServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	ms := ctlclient.NewWith([]string{lis.Addr().String()}, insecure.NewCredentials()).Mgmt("sysA")
	ctx := context.Background()

	_, err = ms.ContSetOwner(ctx, &mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: "c1", OwnerUser: "bob@"})
	require.NoError(t, err)
	// A refusal in the reply's status is an error with its DER code.
	_, err = ms.ContSetOwner(ctx, &mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: "nosuch", OwnerGroup: "ops@"})
	require.True(t, errors.Is(err, daos.ErrNonexist), "%v", err)
	require.Contains(t, err.Error(), "container set-owner")
	require.Len(t, f.reqs, 2)
	require.Equal(t, "sysA", f.reqs[0].Sys, "the system name goes with the call")
	require.Equal(t, "bob@", f.reqs[0].OwnerUser)
	require.Equal(t, "ops@", f.reqs[1].OwnerGroup)
}
