package mgmtsvc

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/drpc"
)

// duringEngine runs before() when the engine gets method, then answers as
// the fake engine does.
type duringEngine struct {
	*fakeEngine
	method drpc.Method
	before func()
}

func (d *duringEngine) CallEngine(ctx context.Context, m drpc.Method, body []byte) ([]byte, error) {
	if m == d.method && d.before != nil {
		f := d.before
		d.before = nil
		f()
	}
	return d.fakeEngine.CallEngine(ctx, m, body)
}

// TestPoolExtendKeepsConcurrentChanges: an extend records its new ranks
// in the pool's directory entry as it is then, not as it was read before
// the engine's (long) work: a label set meanwhile stays.
func TestPoolExtendKeepsConcurrentChanges(t *testing.T) {
	s, eng := newPoolService(t)
	ctx := context.Background()
	req := createReq("lake")
	req.Ranks = []uint32{0, 1}
	eng.replies[drpc.MethodPoolCreate] = &mgmtpb.PoolCreateResp{SvcReps: []uint32{0}, TgtRanks: []uint32{0, 1},
		TierBytes: []uint64{600_000_000, 9_400_000_000}}
	_, err := s.PoolCreate(ctx, req)
	require.NoError(t, err)
	eng.replies[drpc.MethodPoolSetProp] = &mgmtpb.PoolSetPropResp{}
	eng.replies[drpc.MethodPoolExtend] = &mgmtpb.PoolExtendResp{}
	de := &duringEngine{fakeEngine: eng, method: drpc.MethodPoolExtend}
	de.before = func() {
		_, err := s.PoolSetProp(ctx, &mgmtpb.PoolSetPropReq{Id: "lake", Properties: []*mgmtpb.PoolProperty{labelProp("river")}})
		require.NoError(t, err)
	}
	s.SetPoolEngines(de)

	_, err = s.PoolExtend(ctx, &mgmtpb.PoolExtendReq{Id: "lake", Ranks: []uint32{2}})
	require.NoError(t, err)
	p, err := s.DB().FindPool("river")
	require.NoError(t, err, "the label set during the extend was lost")
	require.Equal(t, []uint32{0, 1, 2}, p.Ranks)
}
