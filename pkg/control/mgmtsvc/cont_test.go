package mgmtsvc

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/security"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

// withTank is a pool service with pool "tank" created (service ranks
// 0-2) and no CONT_SET_OWNER request seen yet.
func withTank(t *testing.T) (*Service, *fakeEngine) {
	t.Helper()
	s, eng := newPoolService(t)
	eng.replies[drpc.MethodPoolCreate] = &mgmtpb.PoolCreateResp{SvcLdr: 1, SvcReps: []uint32{0, 1, 2}, TgtRanks: []uint32{0, 1, 2},
		TierBytes: []uint64{600_000_000, 9_400_000_000}}
	_, err := s.PoolCreate(context.Background(), createReq("tank"))
	require.NoError(t, err)
	return s, eng
}

func TestContSetOwner(t *testing.T) {
	for name, tc := range map[string]struct {
		req      *mgmtpb.ContSetOwnerReq
		reply    *mgmtpb.ContSetOwnerResp // the engine's; nil: DER_NOSYS
		want     daos.Errno               // 0: success
		wantText []string
		sent     *mgmtpb.ContSetOwnerReq // what the engine gets; nil: no call
	}{
		"by pool label": {
			req:   &mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: "c1", OwnerUser: "bob@", OwnerGroup: "admins@"},
			reply: &mgmtpb.ContSetOwnerResp{},
			sent: &mgmtpb.ContSetOwnerReq{PoolId: poolUUID, ContId: "c1", OwnerUser: "bob@", OwnerGroup: "admins@",
				SvcRanks: []uint32{0, 1, 2}},
		},
		"by pool UUID, group only": {
			req:   &mgmtpb.ContSetOwnerReq{PoolId: poolUUID, ContId: "cccccccc-0000-4000-8000-000000000001", OwnerGroup: "admins@"},
			reply: &mgmtpb.ContSetOwnerResp{},
			sent: &mgmtpb.ContSetOwnerReq{PoolId: poolUUID, ContId: "cccccccc-0000-4000-8000-000000000001", OwnerGroup: "admins@",
				SvcRanks: []uint32{0, 1, 2}},
		},
		"unknown pool": {
			req:  &mgmtpb.ContSetOwnerReq{PoolId: "nope", ContId: "c1", OwnerUser: "bob@"},
			want: daos.ErrNonexist, wantText: []string{`"nope"`},
		},
		"no pool": {
			req:  &mgmtpb.ContSetOwnerReq{ContId: "c1", OwnerUser: "bob@"},
			want: daos.ErrInval,
		},
		"no container": {
			req:  &mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: " ", OwnerUser: "bob@"},
			want: daos.ErrInval, wantText: []string{"no container"},
		},
		"neither user nor group": {
			req:  &mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: "c1"},
			want: daos.ErrInval, wantText: []string{"owner user and/or group"},
		},
		"unknown container": {
			req:   &mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: "nosuch", OwnerUser: "bob@"},
			reply: &mgmtpb.ContSetOwnerResp{Status: int32(daos.ErrNonexist.DerCode())},
			want:  daos.ErrNonexist, wantText: []string{"pool tank", "container nosuch"},
			sent: &mgmtpb.ContSetOwnerReq{PoolId: poolUUID, ContId: "nosuch", OwnerUser: "bob@",
				SvcRanks: []uint32{0, 1, 2}},
		},
		"bad name": {
			req:   &mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: "c1", OwnerUser: "bob"},
			reply: &mgmtpb.ContSetOwnerResp{Status: int32(daos.ErrInval.DerCode())},
			want:  daos.ErrInval,
			sent:  &mgmtpb.ContSetOwnerReq{PoolId: poolUUID, ContId: "c1", OwnerUser: "bob", SvcRanks: []uint32{0, 1, 2}},
		},
		"engine without a pool service": {
			req:  &mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: "c1", OwnerUser: "bob@"},
			want: daos.ErrNosys, wantText: []string{"pool service not available"},
			sent: &mgmtpb.ContSetOwnerReq{PoolId: poolUUID, ContId: "c1", OwnerUser: "bob@", SvcRanks: []uint32{0, 1, 2}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			s, eng := withTank(t)
			if tc.reply != nil {
				eng.replies[drpc.MethodContSetOwner] = tc.reply
			}
			resp, err := s.ContSetOwner(context.Background(), tc.req)
			if tc.want == 0 {
				require.NoError(t, err)
				assert.Zero(t, resp.Status)
			} else {
				require.Error(t, err)
				assert.Equal(t, tc.want, derOf(err), "%v", err)
				for _, w := range tc.wantText {
					assert.Contains(t, err.Error(), w)
				}
			}
			got := &mgmtpb.ContSetOwnerReq{}
			called := eng.req(t, drpc.MethodContSetOwner, got)
			if tc.sent == nil {
				assert.False(t, called, "the engine was called")
				return
			}
			require.True(t, called, "the engine was not called")
			assert.Equal(t, tc.sent.String(), got.String())
		})
	}
}

func TestContSetOwnerNeedsLeader(t *testing.T) {
	s, eng := withTank(t)
	eng.replies[drpc.MethodContSetOwner] = &mgmtpb.ContSetOwnerResp{}
	s.replica().(*localReplica).leader = false
	_, err := s.ContSetOwner(context.Background(), &mgmtpb.ContSetOwnerReq{PoolId: "tank", ContId: "c1", OwnerUser: "bob@"})
	assert.Equal(t, daos.ErrNotleader, derOf(err), "%v", err)
	assert.False(t, eng.req(t, drpc.MethodContSetOwner, &mgmtpb.ContSetOwnerReq{}))
}

// TestContSetOwnerIsAdmins: under TLS only dmg's certificate may call it.
func TestContSetOwnerIsAdmins(t *testing.T) {
	m := mgmtpb.MgmtSvc_ContSetOwner_FullMethodName
	assert.True(t, security.Allowed(m, config.ComponentAdmin))
	assert.False(t, security.Allowed(m, config.ComponentAgent))
	assert.False(t, security.Allowed(m, config.ComponentServer))
}
