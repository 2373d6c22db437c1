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

// fakeMgmt answers with fixed replies and keeps the system names it saw.
type fakeMgmt struct {
	mgmtpb.UnimplementedMgmtSvcServer
	sys       []string
	setStatus int32
}

func (f *fakeMgmt) SystemQuery(_ context.Context, r *mgmtpb.SystemQueryReq) (*mgmtpb.SystemQueryResp, error) {
	f.sys = append(f.sys, r.Sys)
	return &mgmtpb.SystemQueryResp{Members: []*mgmtpb.SystemMember{{Rank: 0, State: "joined"}}}, nil
}

func (f *fakeMgmt) SystemSetAttr(_ context.Context, r *mgmtpb.SystemSetAttrReq) (*mgmtpb.DaosResp, error) {
	f.sys = append(f.sys, r.Sys)
	return &mgmtpb.DaosResp{Status: f.setStatus}, nil
}

func (f *fakeMgmt) SystemGetProp(_ context.Context, r *mgmtpb.SystemGetPropReq) (*mgmtpb.SystemGetPropResp, error) {
	f.sys = append(f.sys, r.Sys)
	return nil, grpcerr.Errorf(daos.ErrNonexist, "unknown property %q", r.Keys[0])
}

func (f *fakeMgmt) ListPools(_ context.Context, r *mgmtpb.ListPoolsReq) (*mgmtpb.ListPoolsResp, error) {
	f.sys = append(f.sys, r.Sys)
	return &mgmtpb.ListPoolsResp{Status: -1012}, nil
}

func serveMgmt(t *testing.T, f *fakeMgmt) string { return serveMS(t, f) }

// serveMS serves a management service on a loopback port until the test
// ends, and returns its address.
func serveMS(t *testing.T, f mgmtpb.MgmtSvcServer) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	mgmtpb.RegisterMgmtSvcServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func TestMgmtCalls(t *testing.T) {
	f := &fakeMgmt{}
	live := serveMgmt(t, f)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.Addr().String()
	require.NoError(t, dead.Close())

	// The dead host is skipped; every request carries the system name.
	ms := ctlclient.NewWith([]string{deadAddr, live}, insecure.NewCredentials()).Mgmt("sysA")
	ctx := context.Background()
	resp, err := ms.SystemQuery(ctx, &mgmtpb.SystemQueryReq{})
	require.NoError(t, err)
	require.Len(t, resp.Members, 1)

	require.NoError(t, ms.SystemSetAttr(ctx, map[string]string{"a": "b"}))
	f.setStatus = -1003
	err = ms.SystemSetAttr(ctx, map[string]string{"a": "b"})
	require.True(t, errors.Is(err, daos.ErrInval), "%v", err)

	_, err = ms.SystemGetProp(ctx, []string{"nope"})
	require.True(t, errors.Is(err, daos.ErrNonexist), "%v", err)
	require.Contains(t, err.Error(), "unknown property")

	_, err = ms.ListPools(ctx)
	require.True(t, errors.Is(err, daos.ErrBusy), "%v", err)

	require.Equal(t, []string{"sysA", "sysA", "sysA", "sysA", "sysA"}, f.sys)
}
