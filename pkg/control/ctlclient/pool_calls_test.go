package ctlclient_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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

func servePools(t *testing.T, f *fakePools) string { return serveMS(t, f) }

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

// scriptedCreates answers pool creates with errs in turn, then success,
// and keeps the UUIDs it was sent.
type scriptedCreates struct {
	mgmtpb.UnimplementedMgmtSvcServer
	mu    sync.Mutex
	errs  []error
	uuids []string
}

func (f *scriptedCreates) PoolCreate(_ context.Context, r *mgmtpb.PoolCreateReq) (*mgmtpb.PoolCreateResp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uuids = append(f.uuids, r.Uuid)
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	}
	return &mgmtpb.PoolCreateResp{SvcReps: []uint32{0}}, nil
}

// TestPoolCreateRetries: a create refused for a passing reason (no leader,
// DER_AGAIN) is sent again with the same UUID; other refusals end it, and
// so does the caller's deadline.
func TestPoolCreateRetries(t *testing.T) {
	const id = "11111111-2222-3333-4444-555555555555"
	ctx := context.Background()

	f := &scriptedCreates{errs: []error{
		grpcerr.Errorf(daos.ErrNotleader, "no management service leader answered"),
		grpcerr.Errorf(daos.ErrAgain, "an earlier leader's create may still run"),
	}}
	ms := ctlclient.NewWith([]string{serveMS(t, f)}, insecure.NewCredentials()).Mgmt("sysA")
	ms.RetryWait = time.Millisecond
	resp, err := ms.PoolCreate(ctx, &mgmtpb.PoolCreateReq{Uuid: id})
	require.NoError(t, err)
	require.Equal(t, []uint32{0}, resp.SvcReps)
	require.Equal(t, []string{id, id, id}, f.uuids)

	// Not retried: a refusal that stays.
	f = &scriptedCreates{errs: []error{grpcerr.Errorf(daos.ErrExist, "label used")}}
	ms = ctlclient.NewWith([]string{serveMS(t, f)}, insecure.NewCredentials()).Mgmt("sysA")
	ms.RetryWait = time.Millisecond
	_, err = ms.PoolCreate(ctx, &mgmtpb.PoolCreateReq{Uuid: id})
	require.True(t, errors.Is(err, daos.ErrExist), "%v", err)
	require.Len(t, f.uuids, 1)

	// Nothing listening: not retried either.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := dead.Addr().String()
	require.NoError(t, dead.Close())
	ms = ctlclient.NewWith([]string{addr}, insecure.NewCredentials()).Mgmt("sysA")
	start := time.Now()
	_, err = ms.PoolCreate(ctx, &mgmtpb.PoolCreateReq{Uuid: id})
	require.Error(t, err)
	require.Contains(t, err.Error(), "no server answered")
	require.Less(t, time.Since(start), 10*time.Second)

	// Retried until the caller's deadline, which ends it with the last
	// refusal.
	var again []error
	for range 1000 {
		again = append(again, grpcerr.Errorf(daos.ErrAgain, "still running"))
	}
	f = &scriptedCreates{errs: again}
	ms = ctlclient.NewWith([]string{serveMS(t, f)}, insecure.NewCredentials()).Mgmt("sysA")
	ms.RetryWait = 5 * time.Millisecond
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = ms.PoolCreate(dctx, &mgmtpb.PoolCreateReq{Uuid: id})
	require.True(t, errors.Is(err, daos.ErrAgain), "%v", err)
	f.mu.Lock()
	require.Greater(t, len(f.uuids), 2)
	f.mu.Unlock()
}
