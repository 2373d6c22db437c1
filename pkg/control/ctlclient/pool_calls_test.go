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
	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
)

type fakePools struct {
	fakeMgmt
}

func (f *fakePools) PoolCreate(_ context.Context, r *mgmtpb.PoolCreateReq) (*mgmtpb.PoolCreateResp, error) {
	f.sys = append(f.sys, r.Sys)
	return nil, grpcerr.Errorf(daos.ErrNosys, "pool service not available")
}

func (f *fakePools) PoolQuery(_ context.Context, r *mgmtpb.PoolQueryReq) (*mgmtpb.PoolQueryResp, error) {
	f.sys = append(f.sys, r.Sys)
	return &mgmtpb.PoolQueryResp{Status: -1005}, nil
}

func (f *fakePools) PoolGetACL(_ context.Context, r *mgmtpb.GetACLReq) (*mgmtpb.ACLResp, error) {
	f.sys = append(f.sys, r.Sys)
	return &mgmtpb.ACLResp{ACL: &mgmtpb.AccessControlList{Entries: []string{"A::OWNER@:rw"}}}, nil
}

func servePools(t *testing.T, f *fakePools) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	mgmtpb.RegisterMgmtSvcServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func TestPoolCalls(t *testing.T) {
	f := &fakePools{}
	ms := ctlclient.NewWith([]string{servePools(t, f)}, insecure.NewCredentials()).Mgmt("sysA")
	ctx := context.Background()

	_, err := ms.PoolCreate(ctx, &mgmtpb.PoolCreateReq{})
	require.True(t, errors.Is(err, daos.ErrNosys), "%v", err)
	require.Contains(t, err.Error(), "pool service not available")

	// A refusal in the reply's status is an error too.
	_, err = ms.PoolQuery(ctx, &mgmtpb.PoolQueryReq{Id: "tank"})
	require.True(t, errors.Is(err, daos.ErrNonexist), "%v", err)
	require.Contains(t, err.Error(), "pool query")

	acl, err := ms.PoolGetACL(ctx, &mgmtpb.GetACLReq{Id: "tank"})
	require.NoError(t, err)
	require.Equal(t, []string{"A::OWNER@:rw"}, acl.ACL.Entries)
	require.Equal(t, []string{"sysA", "sysA", "sysA"}, f.sys)
}
