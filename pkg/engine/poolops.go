package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// poolOpTimeout bounds a pool query or destroy across engines.
const poolOpTimeout = time.Minute

// resumeProbeTimeout bounds how long a resumed destroy asks the pool
// service whether it began destroying (a service without a quorum never
// answers).
const resumeProbeTimeout = 5 * time.Second

// derOf is err's DER code, DER_MISC when it carries none.
func derOf(err error) int32 {
	code := daos.Code(err)
	if code == daos.ErrUnknown {
		code = daos.ErrMisc
	}
	return int32(code.DerCode())
}

// serviceQuery reads from pool p's service through its replicas.
func (e *Engine) serviceQuery(ctx context.Context, p poolhost.UUID, svcRanks []uint32, q poolsvc.Query, out any) error {
	_, err := e.serviceQueryLeader(ctx, p, svcRanks, q, out)
	return err
}

// serviceQueryLeader is serviceQuery that also says which replica led.
func (e *Engine) serviceQueryLeader(ctx context.Context, p poolhost.UUID, svcRanks []uint32, q poolsvc.Query, out any) (poolhost.Leader, error) {
	replicas := e.member.replicaURIs(ctx, svcRanks)
	body, _ := json.Marshal(q)
	res, leader, err := (&poolhost.Client{EP: e.dp.ep}).AdminQueryLeader(ctx, p, replicas, body)
	if err != nil {
		return leader, err
	}
	if err := json.Unmarshal(res, out); err != nil {
		return leader, daos.Errorf(daos.ErrProto, "pool service %s answer: %v", q.What, err)
	}
	return leader, nil
}

func (e *Engine) serviceApply(ctx context.Context, p poolhost.UUID, svcRanks []uint32, c *poolsvc.Command) error {
	replicas := e.member.replicaURIs(ctx, svcRanks)
	body, err := c.Encode()
	if err != nil {
		return err
	}
	_, err = (&poolhost.Client{EP: e.dp.ep}).AdminApply(ctx, p, replicas, body)
	return err
}

var serviceStates = map[string]mgmtpb.PoolServiceState{
	"Creating": mgmtpb.PoolServiceState_Creating, "Ready": mgmtpb.PoolServiceState_Ready,
	"Destroying": mgmtpb.PoolServiceState_Destroying, "TargetsExcluded": mgmtpb.PoolServiceState_TargetsExcluded,
}

// poolQuery answers MGMT POOL_QUERY: the service's view of the pool and
// the space of its shards on every enabled rank.
func (e *Engine) poolQuery(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolQueryReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	fail := func(err error) ([]byte, error) {
		return proto.Marshal(&mgmtpb.PoolQueryResp{Status: derOf(err)})
	}
	u, err := target.ParseUUID(req.Id)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, poolOpTimeout)
	defer cancel()
	var info poolsvc.PoolInfo
	leader, err := e.serviceQueryLeader(ctx, poolhost.UUID(u), req.SvcRanks, poolsvc.Query{What: "info"}, &info)
	if err != nil {
		return fail(err)
	}
	resp := &mgmtpb.PoolQueryResp{
		Uuid: info.UUID, Label: info.Label, TotalTargets: uint32(info.TotalTargets), ActiveTargets: uint32(info.ActiveTargets),
		DisabledTargets: uint32(info.DisabledTargets), Version: info.MapVersion, TotalEngines: uint32(info.TotalEngines),
		PoolLayoutVer: info.LayoutVersion, UpgradeLayoutVer: info.UpgradeVersion, SvcReps: info.SvcRanks,
		QueryMask: req.QueryMask, State: mgmtpb.PoolServiceState_Unknown,
		Rebuild: &mgmtpb.PoolRebuildStatus{State: mgmtpb.PoolRebuildStatus_IDLE},
	}
	if st, ok := serviceStates[info.State]; ok {
		resp.State = st
	}
	if info.Rebuild == "busy" {
		resp.Rebuild.State = mgmtpb.PoolRebuildStatus_BUSY
	}
	switch {
	case leader.Known:
		resp.SvcLdr, resp.Leader = leader.Rank, leader.Rank
	case len(info.SvcRanks) > 0:
		// An engine that does not name the leader: the first replica.
		resp.SvcLdr, resp.Leader = info.SvcRanks[0], info.SvcRanks[0]
	}
	resp.EnabledRanks = ranklist.Of(info.EnabledRanks...).String()
	resp.DisabledRanks = ranklist.Of(info.DisabledRanks...).String()
	space, dead, err := e.dp.pools.SpaceOfLive(ctx, poolhost.UUID(u), info.EnabledRanks, e.member.uris())
	if err != nil {
		return fail(fmt.Errorf("pool query: space: %w", err))
	}
	if len(dead) > 0 {
		// Their space is not counted; they stay enabled until excluded.
		resp.DeadRanks = ranklist.Of(dead...).String()
		e.opts.Logger.Warn("pool query: ranks did not answer", "pool", req.Id, "ranks", resp.DeadRanks)
	}
	resp.TierStats = tierStats(space)
	return proto.Marshal(resp)
}

// tierStats sums the targets' space per tier, with the free space of the
// fullest and emptiest target and the mean.
func tierStats(ts []poolhost.TargetSpace) []*mgmtpb.StorageUsageStats {
	stat := func(media mgmtpb.StorageMediaType, total, free func(poolhost.TargetSpace) uint64) *mgmtpb.StorageUsageStats {
		s := &mgmtpb.StorageUsageStats{MediaType: media}
		var frees []uint64
		for _, t := range ts {
			s.Total += total(t)
			s.Free += free(t)
			frees = append(frees, free(t))
		}
		if len(frees) > 0 {
			s.Min, s.Max = slices.Min(frees), slices.Max(frees)
			s.Mean = s.Free / uint64(len(frees))
		}
		return s
	}
	return []*mgmtpb.StorageUsageStats{
		stat(mgmtpb.StorageMediaType_SCM, func(t poolhost.TargetSpace) uint64 { return t.SCMTotal }, func(t poolhost.TargetSpace) uint64 { return t.SCMFree }),
		stat(mgmtpb.StorageMediaType_NVME, func(t poolhost.TargetSpace) uint64 { return t.NVMeTotal }, func(t poolhost.TargetSpace) uint64 { return t.NVMeFree }),
	}
}

// poolDestroy answers MGMT POOL_DESTROY: the service refuses while
// handles are open (unless forced), then every replica and shard goes.
func (e *Engine) poolDestroy(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolDestroyReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	fail := func(err error) ([]byte, error) {
		e.opts.Logger.Warn("pool destroy failed", "pool", req.Id, "err", err)
		return proto.Marshal(&mgmtpb.PoolDestroyResp{Status: derOf(err)})
	}
	u, err := target.ParseUUID(req.Id)
	if err != nil {
		return fail(err)
	}
	p := poolhost.UUID(u)
	ctx, cancel := context.WithTimeout(ctx, poolOpTimeout)
	defer cancel()
	uris := e.member.uris()
	// teardown removes the service replicas and shards; past the service's
	// destroy_begin a failure leaves a destroy to resume, not to undo.
	teardown := func(ranks, svcRanks []uint32) ([]byte, error) {
		if err := e.dp.pools.DestroyPool(ctx, p, ranks, svcRanks, uris); err != nil {
			e.opts.Logger.Warn("pool destroy failed past its point of no return; run it again to finish", "pool", req.Id, "err", err)
			return proto.Marshal(&mgmtpb.PoolDestroyResp{Status: derOf(err), Begun: true})
		}
		e.opts.Logger.Info("pool destroyed", "pool", req.Id)
		return proto.Marshal(&mgmtpb.PoolDestroyResp{})
	}
	// Whatever is left, on every rank this engine knows: removing a
	// shard or replica that is not there is not an error.
	everywhere := func() ([]byte, error) {
		var all []uint32
		for r := range uris {
			all = append(all, r)
		}
		slices.Sort(all)
		return teardown(all, slices.Clone(req.SvcRanks))
	}
	var info poolsvc.PoolInfo
	if req.Resume {
		// The management service found the pool Destroying, which a
		// destroy still checking, or one refused whose state could not
		// be restored, leaves too: a service that answers and has not
		// begun destroying keeps its checks (the normal path below).
		// Gone, without a quorum, or past destroy_begin: finish the
		// teardown without it.
		qctx, qcancel := context.WithTimeout(ctx, resumeProbeTimeout)
		err := e.serviceQuery(qctx, p, req.SvcRanks, poolsvc.Query{What: "info"}, &info)
		qcancel()
		if err != nil || info.State == poolsvc.StateDestroying {
			if len(req.Ranks) > 0 {
				return teardown(slices.Clone(req.Ranks), slices.Clone(req.SvcRanks))
			}
			return everywhere()
		}
	} else if err := e.serviceQuery(ctx, p, req.SvcRanks, poolsvc.Query{What: "info"}, &info); err != nil {
		if errors.Is(err, daos.ErrNonexist) {
			// No replica hosts the service any more (a destroy that
			// stopped them all and then failed): finish it.
			return everywhere()
		}
		return fail(err)
	}
	if info.Containers > 0 && !req.Recursive { // --force is for open handles, not containers
		return fail(daos.Errorf(daos.ErrBusy, "pool %s has %d containers: destroy them first, or use --recursive", req.Id, info.Containers))
	}
	cmd := &poolsvc.Command{Op: poolsvc.OpDestroyBegin, Time: time.Now().UTC(), Force: req.Force}
	if err := e.serviceApply(ctx, p, req.SvcRanks, cmd); err != nil {
		return fail(err)
	}
	return teardown(append(slices.Clone(info.EnabledRanks), info.DisabledRanks...), info.SvcRanks)
}
