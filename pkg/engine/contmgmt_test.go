package engine

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// TestContSetOwner: CONT_SET_OWNER changes a container's owner and group
// by label or UUID with no handle open on it, through an engine that is
// not the pool service's, logs what changed, and answers the pool
// service's refusals with their DER codes.
func TestContSetOwner(t *testing.T) {
	engines := startPoolEngines(t, 2)
	e0, e1 := engines[0], engines[1]
	var logBuf bytes.Buffer
	e1.opts.Logger = slog.New(slog.NewTextHandler(&logBuf, nil))
	cr := &mgmtpb.PoolCreateResp{}
	callPool(t, e0, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{Uuid: testPool, Ranks: []uint32{0, 1},
		TierBytes: []uint64{64 << 20}, NumSvcReps: 1, User: "alice@", UserGroup: "staff@"}, cr)
	require.Zero(t, cr.Status)
	svc := cr.SvcReps

	// Alice makes c1 and closes her pool handle: nothing stays open.
	a, ctx, cancel, err := e0.startAdmin(context.Background(), testPool, svc)
	require.NoError(t, err)
	defer cancel()
	const ph, c1 = "aaaaaaaa-0000-4000-8000-000000000001", "cccccccc-0000-4000-8000-000000000001"
	_, err = a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpConnect, Handle: ph, Flags: poolsvc.FlagRW,
		Cred: poolsvc.Cred{User: "alice@", Groups: []string{"staff@"}}})
	require.NoError(t, err)
	_, err = a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContCreate, PoolHandle: ph,
		ContCreate: &poolsvc.ContCreateArgs{UUID: c1, Label: "c1"}})
	require.NoError(t, err)
	_, err = a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpDisconnect, Handle: ph})
	require.NoError(t, err)
	contByID := func(id string) *poolsvc.ContInfo {
		t.Helper()
		var ci poolsvc.ContInfo
		require.NoError(t, e0.serviceQuery(ctx, a.pool, svc, poolsvc.Query{What: "container", ID: id}, &ci))
		return &ci
	}

	setOwner := func(req *mgmtpb.ContSetOwnerReq) int32 {
		t.Helper()
		if req.PoolId == "" {
			req.PoolId = testPool
		}
		req.SvcRanks = svc
		resp := &mgmtpb.ContSetOwnerResp{}
		callPool(t, e1, drpc.MethodContSetOwner, req, resp)
		return resp.Status
	}

	require.Zero(t, setOwner(&mgmtpb.ContSetOwnerReq{ContId: "c1", OwnerUser: "bob@"}))
	ci := contByID(c1)
	assert.Equal(t, "bob@", ci.Owner)
	assert.Equal(t, "staff@", ci.Group)
	assert.Contains(t, logBuf.String(), "container owner changed by an administrator")
	assert.Contains(t, logBuf.String(), "owner=\"alice@ -> bob@\"")
	assert.Contains(t, logBuf.String(), "cont="+c1)

	require.Zero(t, setOwner(&mgmtpb.ContSetOwnerReq{ContId: c1, OwnerGroup: "admins@"}))
	ci = contByID("c1")
	assert.Equal(t, "bob@", ci.Owner)
	assert.Equal(t, "admins@", ci.Group)

	for name, tc := range map[string]struct {
		req  *mgmtpb.ContSetOwnerReq
		want daos.Errno
	}{
		"unknown container": {&mgmtpb.ContSetOwnerReq{ContId: "nosuch", OwnerUser: "carol@"}, daos.ErrNonexist},
		"bad user":          {&mgmtpb.ContSetOwnerReq{ContId: "c1", OwnerUser: "carol"}, daos.ErrInval},
		"bad group":         {&mgmtpb.ContSetOwnerReq{ContId: "c1", OwnerUser: "carol@", OwnerGroup: "a b@"}, daos.ErrInval},
		"neither":           {&mgmtpb.ContSetOwnerReq{ContId: "c1"}, daos.ErrInval},
		"pool not by UUID":  {&mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: "c1", OwnerUser: "carol@"}, daos.ErrInval},
		"pool not here":     {&mgmtpb.ContSetOwnerReq{PoolId: "22222222-2222-3333-4444-555555555555", ContId: "c1", OwnerUser: "carol@"}, daos.ErrNonexist},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, der(tc.want), setOwner(tc.req))
			ci := contByID(c1)
			assert.Equal(t, "bob@", ci.Owner, "a refusal changed nothing")
			assert.Equal(t, "admins@", ci.Group)
		})
	}
}
