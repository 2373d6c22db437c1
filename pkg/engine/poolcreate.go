package engine

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// PoolInit makes a new pool service's first command from the management
// service's request, every rank's targets and fault domain, and the
// service replicas chosen.
type PoolInit func(req *mgmtpb.PoolCreateReq, ranks []placement.RankSpec, svcRanks []uint32) ([]byte, error)

// poolCreateTimeout bounds a pool creation across engines.
const poolCreateTimeout = 2 * time.Minute

// poolCreate answers MGMT POOL_CREATE: shards on every rank of the plan,
// the pool service on a few of them (from distinct fault domains), and
// the service's first command.
func (e *Engine) poolCreate(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolCreateReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	fail := func(err error) ([]byte, error) {
		e.opts.Logger.Warn("pool create failed", "pool", req.Uuid, "err", err)
		code := daos.Code(err)
		if code == daos.ErrUnknown {
			code = daos.ErrMisc
		}
		return proto.Marshal(&mgmtpb.PoolCreateResp{Status: int32(code.DerCode())})
	}
	u, err := target.ParseUUID(req.Uuid)
	if err != nil {
		return fail(err)
	}
	if len(req.Ranks) == 0 || len(req.TierBytes) == 0 {
		return fail(daos.Errorf(daos.ErrInval, "pool create: no ranks or sizes in the plan"))
	}
	fd := rankDomains(req.FaultDomains, req.Ranks)
	svc := pickServiceRanks(req.Ranks, fd, req.NumSvcReps)
	scm, nvme := make([]uint64, len(req.Ranks)), make([]uint64, len(req.Ranks))
	for i := range req.Ranks {
		scm[i] = req.TierBytes[0]
		if len(req.TierBytes) > 1 {
			nvme[i] = req.TierBytes[1]
		}
	}
	// The bound covers the wait for the group map too: the management
	// service counts on a create ending within it.
	cctx, cancel := context.WithTimeout(ctx, poolCreateTimeout)
	defer cancel()
	uris := e.member.urisNaming(cctx, req.Ranks)
	if err := lagging(uris, req.Ranks, "pool create"); err != nil {
		return fail(err)
	}
	plan := poolhost.Plan{Pool: poolhost.UUID(u), Ranks: req.Ranks, URIs: uris, SCMBytes: scm, NVMeBytes: nvme,
		SvcRanks: svc, Init: func(targets map[uint32]uint32) ([]byte, error) {
			specs := make([]placement.RankSpec, 0, len(req.Ranks))
			for _, r := range req.Ranks {
				specs = append(specs, placement.RankSpec{Rank: r, Targets: int(targets[r]), FaultPath: fd[r]})
			}
			return e.opts.PoolInit(req, specs, svc)
		}}
	if err := e.dp.pools.CreatePool(cctx, plan); err != nil {
		return fail(err)
	}
	// The reply names the service's leader: the replica that answers a
	// query (the first one only if that fails; the pool is made).
	ldr := svc[0]
	var info poolsvc.PoolInfo
	lctx, lcancel := context.WithTimeout(cctx, leaderLookupTimeout)
	if leader, err := e.serviceQueryLeader(lctx, poolhost.UUID(u), svc, poolsvc.Query{What: "info"}, &info); err == nil && leader.Known {
		ldr = leader.Rank
	}
	lcancel()
	e.opts.Logger.Info("pool created", "pool", req.Uuid, "ranks", req.Ranks, "svc_ranks", svc, "svc_leader", ldr)
	return proto.Marshal(&mgmtpb.PoolCreateResp{SvcLdr: ldr, SvcReps: svc, TgtRanks: req.Ranks, TierBytes: req.TierBytes})
}

// lagging refuses a plan naming a rank the group map still lacks after
// the wait: DER_GRPVER (this engine's map is behind the system's), which
// dmg sends again.
func lagging(uris map[uint32]string, ranks []uint32, what string) error {
	for _, r := range ranks {
		if _, ok := uris[r]; !ok {
			return daos.Errorf(daos.ErrGrpver, "%s: rank %d is not in this engine's group map yet", what, r)
		}
	}
	return nil
}

// leaderLookupTimeout bounds the leader query after a pool create: the
// pool exists by then, and a slow answer must not make it look failed.
const leaderLookupTimeout = 3 * time.Second

// rankDomains reads the management service's fault-domain tree (level,
// id, children per domain, breadth first, then the ranks) into each
// rank's fault path ("/fd<id>"). A tree it cannot read makes every rank
// its own domain.
func rankDomains(tree []uint32, ranks []uint32) map[uint32]string {
	out := map[uint32]string{}
	for _, r := range ranks {
		out[r] = fmt.Sprintf("/rank%d", r)
	}
	if len(tree) < 3 {
		return out
	}
	n := int(tree[2])
	if len(tree) < 3+3*n {
		return out
	}
	pos := 3 + 3*n
	for i := 0; i < n; i++ {
		id, kids := tree[3+3*i+1], int(tree[3+3*i+2])
		for j := 0; j < kids && pos < len(tree); j++ {
			out[tree[pos]] = fmt.Sprintf("/fd%d", id)
			pos++
		}
	}
	return out
}

// pickServiceRanks chooses n ranks, spreading over fault domains first
// (in rank order within each domain), as DAOS places pool service
// replicas. n is clamped to the ranks available.
func pickServiceRanks(ranks []uint32, fd map[uint32]string, n uint32) []uint32 {
	if n == 0 {
		n = 1
	}
	if int(n) > len(ranks) {
		n = uint32(len(ranks))
	}
	var order []string
	byDomain := map[string][]uint32{}
	for _, r := range ranks {
		d := fd[r]
		if _, ok := byDomain[d]; !ok {
			order = append(order, d)
		}
		byDomain[d] = append(byDomain[d], r)
	}
	var out []uint32
	for len(out) < int(n) {
		for _, d := range order {
			if len(byDomain[d]) > 0 && len(out) < int(n) {
				out = append(out, byDomain[d][0])
				byDomain[d] = byDomain[d][1:]
			}
		}
	}
	return out
}
