package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// The pool administration methods dmg reaches through the management
// service: properties, ACL, eviction, target exclusion, drain and
// reintegration, per-target query. Each translates the control plane's
// request into a pool service command (sent to the service leader as an
// admin command) or query, and the outcome into the reply's DER status.
//
// Evicted handles: the pool service forgets the pool handles and the
// container handles opened under them at once, and its leader tells every
// engine of the pool which container handles closed before it answers
// (poolhost, revoke.go), so I/O through them fails with DER_NO_HDL from
// then on. An engine the leader cannot reach within a second keeps them
// until its handle cache expires (handleTTL, 30 s); the leader logs it.

// poolAdminMethods are the handlers poolmgmt.go provides, for the table
// in pool.go.
func (e *Engine) poolAdminMethods() map[drpc.Method]drpc.Handler {
	return map[drpc.Method]drpc.Handler{
		drpc.MethodPoolGetProp:      e.poolGetProp,
		drpc.MethodPoolSetProp:      e.poolSetProp,
		drpc.MethodPoolGetACL:       e.poolGetACL,
		drpc.MethodPoolOverwriteACL: e.poolModifyACL(poolsvc.OpACLOverwrite),
		drpc.MethodPoolUpdateACL:    e.poolModifyACL(poolsvc.OpACLUpdate),
		drpc.MethodPoolDeleteACL:    e.poolDeleteACL,
		drpc.MethodPoolEvict:        e.poolEvict,
		drpc.MethodPoolExclude:      e.poolExclude,
		drpc.MethodPoolDrain:        e.poolDrain,
		drpc.MethodPoolReintegrate:  e.poolReintegrate,
		drpc.MethodPoolQueryTargets: e.poolQueryTargets,
		drpc.MethodPoolExtend:       e.poolExtend,
		drpc.MethodPoolUpgrade:      e.poolUpgrade,
		drpc.MethodContSetOwner:     e.contSetOwner, // contmgmt.go
	}
}

// adminCall is one administration request's pool, service replicas and
// deadline.
type adminCall struct {
	e    *Engine
	pool poolhost.UUID
	svc  []uint32
}

// startAdmin parses the pool's UUID; the context it gives is bounded by
// poolOpTimeout.
func (e *Engine) startAdmin(ctx context.Context, id string, svc []uint32) (*adminCall, context.Context, context.CancelFunc, error) {
	u, err := target.ParseUUID(id)
	if err != nil {
		return nil, ctx, func() {}, err
	}
	ctx, cancel := context.WithTimeout(ctx, poolOpTimeout)
	return &adminCall{e: e, pool: poolhost.UUID(u), svc: svc}, ctx, cancel, nil
}

func (a *adminCall) query(ctx context.Context, what string, out any) error {
	return a.e.serviceQuery(ctx, a.pool, a.svc, poolsvc.Query{What: what}, out)
}

// apply runs c at the service leader and gives its JSON result.
func (a *adminCall) apply(ctx context.Context, c *poolsvc.Command) ([]byte, error) {
	c.Time = time.Now().UTC()
	replicas := a.e.member.replicaURIs(ctx, a.svc)
	body, err := c.Encode()
	if err != nil {
		return nil, err
	}
	return (&poolhost.Client{EP: a.e.dp.ep}).AdminApply(ctx, a.pool, replicas, body)
}

// failed logs a refused administration request and gives its status.
func (e *Engine) failed(what, pool string, err error) int32 {
	e.opts.Logger.Warn("pool "+what+" failed", "pool", pool, "err", err)
	return derOf(err)
}

// wireProp is a stored property as the control plane carries it.
func wireProp(d *system.PoolPropDef, p poolsvc.Prop) *mgmtpb.PoolProperty {
	w := &mgmtpb.PoolProperty{Number: d.Number}
	if d.String || d.Number == system.PoolPropSvcList {
		w.Value = &mgmtpb.PoolProperty_Strval{Strval: p.Str}
	} else {
		w.Value = &mgmtpb.PoolProperty_Numval{Numval: p.Num}
	}
	return w
}

// poolGetProp answers MGMT POOL_GET_PROP: the properties asked for (all
// stored ones when none is named), in the order asked.
func (e *Engine) poolGetProp(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolGetPropReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	fail := func(err error) ([]byte, error) {
		return proto.Marshal(&mgmtpb.PoolGetPropResp{Status: e.failed("get-prop", req.Id, err)})
	}
	a, ctx, cancel, err := e.startAdmin(ctx, req.Id, req.SvcRanks)
	defer cancel()
	if err != nil {
		return fail(err)
	}
	var props map[string]poolsvc.Prop
	if err := a.query(ctx, "props", &props); err != nil {
		return fail(err)
	}
	var numbers []uint32
	for _, p := range req.Properties {
		numbers = append(numbers, p.GetNumber())
	}
	if len(numbers) == 0 {
		for _, n := range system.PoolPropNames() {
			d, _ := system.LookupPoolProp(n)
			numbers = append(numbers, d.Number)
		}
	}
	resp := &mgmtpb.PoolGetPropResp{}
	for _, n := range numbers {
		d, ok := system.PoolPropByNumber(n)
		if !ok {
			return fail(daos.Errorf(daos.ErrInval, "pool get-prop: unknown pool property number %d", n))
		}
		if p, ok := props[d.Name]; ok {
			resp.Properties = append(resp.Properties, wireProp(d, p))
		}
	}
	return proto.Marshal(resp)
}

// poolSetProp answers MGMT POOL_SET_PROP; the pool service refuses
// read-only and create-only properties.
func (e *Engine) poolSetProp(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolSetPropReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	fail := func(err error) ([]byte, error) {
		return proto.Marshal(&mgmtpb.PoolSetPropResp{Status: e.failed("set-prop", req.Id, err)})
	}
	a, ctx, cancel, err := e.startAdmin(ctx, req.Id, req.SvcRanks)
	defer cancel()
	if err != nil {
		return fail(err)
	}
	props := map[string]string{}
	for _, p := range req.Properties {
		d, err := system.CheckPoolProp(p, false)
		if err != nil {
			return fail(err)
		}
		props[d.Name] = d.Format(p)
	}
	if _, err := a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpSetProps, Props: props}); err != nil {
		return fail(err)
	}
	e.opts.Logger.Info("pool properties set", "pool", req.Id, "props", props)
	return proto.Marshal(&mgmtpb.PoolSetPropResp{})
}

// aclResp reads the pool's ACL, owner and group into an ACL reply.
func (a *adminCall) aclResp(ctx context.Context) (*mgmtpb.ACLResp, error) {
	var info poolsvc.PoolInfo
	if err := a.query(ctx, "info", &info); err != nil {
		return nil, err
	}
	return &mgmtpb.ACLResp{ACL: &mgmtpb.AccessControlList{Entries: info.ACL, OwnerUser: info.Owner, OwnerGroup: info.Group}}, nil
}

// poolGetACL answers MGMT POOL_GET_ACL.
func (e *Engine) poolGetACL(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.GetACLReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	a, ctx, cancel, err := e.startAdmin(ctx, req.Id, req.SvcRanks)
	defer cancel()
	var resp *mgmtpb.ACLResp
	if err == nil {
		resp, err = a.aclResp(ctx)
	}
	if err != nil {
		return proto.Marshal(&mgmtpb.ACLResp{Status: e.failed("get-acl", req.Id, err)})
	}
	return proto.Marshal(resp)
}

// poolModifyACL answers MGMT POOL_OVERWRITE_ACL and POOL_UPDATE_ACL with
// the ACL as it is afterwards.
func (e *Engine) poolModifyACL(op string) drpc.Handler {
	return func(ctx context.Context, body []byte) ([]byte, error) {
		req := &mgmtpb.ModifyACLReq{}
		if err := decode(body, req); err != nil {
			return nil, err
		}
		return e.aclChange(ctx, req.Id, req.SvcRanks, &poolsvc.Command{Op: op, ACL: req.ACL})
	}
}

// poolDeleteACL answers MGMT POOL_DELETE_ACL.
func (e *Engine) poolDeleteACL(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.DeleteACLReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	return e.aclChange(ctx, req.Id, req.SvcRanks, &poolsvc.Command{Op: poolsvc.OpACLDelete, Principal: req.Principal})
}

func (e *Engine) aclChange(ctx context.Context, id string, svc []uint32, c *poolsvc.Command) ([]byte, error) {
	a, ctx, cancel, err := e.startAdmin(ctx, id, svc)
	defer cancel()
	var resp *mgmtpb.ACLResp
	if err == nil {
		if _, err = a.apply(ctx, c); err == nil {
			resp, err = a.aclResp(ctx)
		}
	}
	if err != nil {
		return proto.Marshal(&mgmtpb.ACLResp{Status: e.failed(c.Op, id, err)})
	}
	e.opts.Logger.Info("pool ACL changed", "pool", id, "op", c.Op)
	return proto.Marshal(resp)
}

// poolEvict answers MGMT POOL_EVICT: every pool handle (or the named
// handles, or one machine's) is closed with the container handles opened
// under it. With destroy set the pool is also marked as being destroyed
// (refused while handles stay open unless force_destroy). The pool
// service tells the pool's engines which container handles went before it
// replies; an engine it cannot reach keeps them until its cache entry
// expires (handleTTL).
func (e *Engine) poolEvict(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolEvictReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	fail := func(err error) ([]byte, error) {
		return proto.Marshal(&mgmtpb.PoolEvictResp{Status: e.failed("evict", req.Id, err)})
	}
	a, ctx, cancel, err := e.startAdmin(ctx, req.Id, req.SvcRanks)
	defer cancel()
	if err != nil {
		return fail(err)
	}
	if len(req.Handles) > 0 && req.Machine != "" {
		return fail(daos.Errorf(daos.ErrInval, "pool evict: give handles or a machine, not both"))
	}
	var count int32
	if len(req.Handles) > 0 {
		for _, h := range req.Handles {
			var hd poolsvc.Handle
			if err := a.e.serviceQuery(ctx, a.pool, a.svc, poolsvc.Query{What: "handle", ID: h}, &hd); err != nil {
				if daos.Code(err) == daos.ErrNoHdl {
					continue
				}
				return fail(err)
			}
			if _, err := a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpDisconnect, Handle: h}); err != nil {
				return fail(err)
			}
			count++
		}
	} else {
		res, err := a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpEvict, Machine: req.Machine})
		if err != nil {
			return fail(err)
		}
		if err := json.Unmarshal(res, &count); err != nil {
			return fail(daos.Errorf(daos.ErrProto, "pool evict: service answered %q: %v", res, err))
		}
	}
	if req.Destroy {
		c := &poolsvc.Command{Op: poolsvc.OpDestroyBegin, Force: req.ForceDestroy}
		if _, err := a.apply(ctx, c); err != nil {
			return fail(err)
		}
	}
	e.opts.Logger.Info("pool handles evicted", "pool", req.Id, "count", count, "machine", req.Machine)
	return proto.Marshal(&mgmtpb.PoolEvictResp{Count: count})
}

// targetRefs names the targets of ranks: the listed indexes of each, or
// all of them.
func targetRefs(ranks, idx []uint32) ([]placement.TargetRef, error) {
	if len(ranks) == 0 {
		return nil, daos.Errorf(daos.ErrInval, "no ranks given")
	}
	var refs []placement.TargetRef
	for _, r := range ranks {
		if len(idx) == 0 {
			refs = append(refs, placement.TargetRef{Rank: r, Index: placement.AllTargets})
			continue
		}
		for _, i := range idx {
			refs = append(refs, placement.TargetRef{Rank: r, Index: int(i)})
		}
	}
	return refs, nil
}

// mapUpdate changes the states of targets in the pool map (the version
// rises) and gives the map version afterwards.
func (e *Engine) mapUpdate(ctx context.Context, what, mapOp, id string, svc, ranks, idx []uint32) (uint32, error) {
	refs, err := targetRefs(ranks, idx)
	if err != nil {
		return 0, fmt.Errorf("pool %s: %w", what, err)
	}
	a, ctx, cancel, err := e.startAdmin(ctx, id, svc)
	defer cancel()
	if err != nil {
		return 0, err
	}
	if _, err := a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpMapUpdate, MapOp: mapOp, Targets: refs}); err != nil {
		return 0, err
	}
	var info poolsvc.PoolInfo
	if err := a.query(ctx, "info", &info); err != nil {
		return 0, err
	}
	return info.MapVersion, nil
}

// poolExclude answers MGMT POOL_EXCLUDE: the targets become DOWN (their
// data waits for a rebuild, which this build does not run yet).
func (e *Engine) poolExclude(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolExcludeReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	ver, err := e.mapUpdate(ctx, "exclude", poolsvc.MapExclude, req.Id, req.SvcRanks, req.Ranks, req.TargetIdx)
	if err != nil {
		return proto.Marshal(&mgmtpb.PoolExcludeResp{Status: e.failed("exclude", req.Id, err)})
	}
	e.opts.Logger.Info("pool targets excluded (DOWN); rebuild is not implemented yet, so they stay DOWN",
		"pool", req.Id, "ranks", req.Ranks, "targets", req.TargetIdx, "map_version", ver)
	return proto.Marshal(&mgmtpb.PoolExcludeResp{})
}

// poolDrain answers MGMT POOL_DRAIN: the targets become DRAIN (they
// serve until a rebuild moves their data off, not implemented yet).
func (e *Engine) poolDrain(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolDrainReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	ver, err := e.mapUpdate(ctx, "drain", poolsvc.MapDrain, req.Id, req.SvcRanks, req.Ranks, req.TargetIdx)
	if err != nil {
		return proto.Marshal(&mgmtpb.PoolDrainResp{Status: e.failed("drain", req.Id, err), FailedRank: firstRank(req.Ranks)})
	}
	e.opts.Logger.Info("pool targets draining (DRAIN); rebuild is not implemented yet, so their data stays",
		"pool", req.Id, "ranks", req.Ranks, "targets", req.TargetIdx, "map_version", ver)
	return proto.Marshal(&mgmtpb.PoolDrainResp{DrainedRanks: slices.Clone(req.Ranks)})
}

// poolReintegrate answers MGMT POOL_REINT: excluded or drained targets
// become UP; DAOS would then rebuild onto them and mark them UPIN, but
// rebuild is not implemented yet, so they stay UP (usable, counted
// active, the pool's rebuild state busy).
func (e *Engine) poolReintegrate(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolReintReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	ver, err := e.mapUpdate(ctx, "reintegrate", poolsvc.MapReintegrate, req.Id, req.SvcRanks, req.Ranks, req.TargetIdx)
	if err != nil {
		return proto.Marshal(&mgmtpb.PoolReintResp{Status: e.failed("reintegrate", req.Id, err), FailedRank: firstRank(req.Ranks)})
	}
	e.opts.Logger.Info("pool targets reintegrated (UP); rebuild is not implemented yet, so they stay UP, not UPIN",
		"pool", req.Id, "ranks", req.Ranks, "targets", req.TargetIdx, "map_version", ver)
	return proto.Marshal(&mgmtpb.PoolReintResp{ReintedRanks: slices.Clone(req.Ranks)})
}

func firstRank(r []uint32) uint32 {
	if len(r) == 0 {
		return 0
	}
	return r[0]
}

var protoTargetStates = map[placement.State]mgmtpb.PoolQueryTargetInfo_TargetState{
	placement.StateDownOut: mgmtpb.PoolQueryTargetInfo_DOWN_OUT, placement.StateDown: mgmtpb.PoolQueryTargetInfo_DOWN,
	placement.StateUp: mgmtpb.PoolQueryTargetInfo_UP, placement.StateUpIn: mgmtpb.PoolQueryTargetInfo_UP_IN,
	placement.StateNew: mgmtpb.PoolQueryTargetInfo_NEW, placement.StateDrain: mgmtpb.PoolQueryTargetInfo_DRAIN,
}

// poolQueryTargets answers MGMT POOL_QUERY_TARGETS: the state of one
// rank's targets (all, or those listed) from the pool map, and their
// space from the rank's shards. A rank that cannot be reached still gets
// its targets' states, without space.
func (e *Engine) poolQueryTargets(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolQueryTargetReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	fail := func(err error) ([]byte, error) {
		return proto.Marshal(&mgmtpb.PoolQueryTargetResp{Status: e.failed("query-targets", req.Id, err)})
	}
	a, ctx, cancel, err := e.startAdmin(ctx, req.Id, req.SvcRanks)
	defer cancel()
	if err != nil {
		return fail(err)
	}
	var mr poolsvc.MapReply
	if err := a.query(ctx, "map", &mr); err != nil {
		return fail(err)
	}
	pm, err := placement.DecodePoolMap(mr.Map)
	if err != nil {
		return fail(daos.Errorf(daos.ErrProto, "pool map: %v", err))
	}
	var states []placement.State
	for _, rk := range pm.Ranks() {
		if rk.Rank == req.Rank {
			states = rk.States
		}
	}
	if states == nil {
		return fail(daos.Errorf(daos.ErrNonexist, "rank %d holds no targets of pool %s", req.Rank, req.Id))
	}
	idx := req.Targets
	if len(idx) == 0 {
		for i := range states {
			idx = append(idx, uint32(i))
		}
	}
	space, err := e.dp.pools.Space(ctx, a.pool, []uint32{req.Rank}, e.member.uris())
	if err != nil {
		e.opts.Logger.Warn("pool query-targets: no space from rank", "pool", req.Id, "rank", req.Rank, "err", err)
		space = nil
	}
	resp := &mgmtpb.PoolQueryTargetResp{}
	for _, i := range idx {
		if int(i) >= len(states) {
			return fail(daos.Errorf(daos.ErrNonexist, "rank %d has %d targets in pool %s, not %d", req.Rank, len(states), req.Id, i+1))
		}
		info := &mgmtpb.PoolQueryTargetInfo{Type: mgmtpb.PoolQueryTargetInfo_UNKNOWN, State: protoTargetStates[states[i]]}
		if int(i) < len(space) {
			s := space[i]
			info.Space = []*mgmtpb.StorageTargetUsage{
				{Total: s.SCMTotal, Free: s.SCMFree, MediaType: mgmtpb.StorageMediaType_SCM},
				{Total: s.NVMeTotal, Free: s.NVMeFree, MediaType: mgmtpb.StorageMediaType_NVME},
			}
		}
		resp.Infos = append(resp.Infos, info)
	}
	return proto.Marshal(resp)
}

// poolExtend answers MGMT POOL_EXTEND: the ranks, which must not hold
// the pool yet, get shards of the same size per rank as the pool's
// existing ranks (read from one of them; the request's tier_bytes when
// none answers), then the pool map gains their targets, NEW and at once
// UP in one new version, which the service pushes to the pool's engines.
// DAOS would then rebuild onto them and mark them UPIN; rebuild is not
// implemented yet, so they stay UP and hold only data written after the
// extend. A failure removes the shards made.
func (e *Engine) poolExtend(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolExtendReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	fail := func(err error) ([]byte, error) {
		return proto.Marshal(&mgmtpb.PoolExtendResp{Status: e.failed("extend", req.Id, err)})
	}
	a, ctx, cancel, err := e.startAdmin(ctx, req.Id, req.SvcRanks)
	defer cancel()
	if err != nil {
		return fail(err)
	}
	if len(req.Ranks) == 0 {
		return fail(daos.Errorf(daos.ErrInval, "pool extend: no ranks given"))
	}
	var mr poolsvc.MapReply
	if err := a.query(ctx, "map", &mr); err != nil {
		return fail(err)
	}
	pm, err := placement.DecodePoolMap(mr.Map)
	if err != nil {
		return fail(daos.Errorf(daos.ErrProto, "pool map: %v", err))
	}
	// Refused before any shard is made: cleaning up after a rank that
	// already holds the pool would remove its shards.
	in := map[uint32]bool{}
	var existing []uint32
	for _, r := range pm.Ranks() {
		in[r.Rank] = true
		existing = append(existing, r.Rank)
	}
	seen := map[uint32]bool{}
	for _, r := range req.Ranks {
		if in[r] {
			return fail(daos.Errorf(daos.ErrExist, "pool extend: rank %d already holds pool %s", r, req.Id))
		}
		if seen[r] {
			return fail(daos.Errorf(daos.ErrInval, "pool extend: rank %d given twice", r))
		}
		seen[r] = true
	}
	uris := e.member.urisNaming(ctx, req.Ranks)
	if err := lagging(uris, req.Ranks, "pool extend"); err != nil {
		return fail(err)
	}
	scm, nvme, err := e.rankShare(ctx, a.pool, existing, uris)
	if err != nil {
		if len(req.TierBytes) == 0 {
			return fail(fmt.Errorf("pool extend: size of the existing ranks' shards: %w", err))
		}
		scm, nvme = req.TierBytes[0], 0
		if len(req.TierBytes) > 1 {
			nvme = req.TierBytes[1]
		}
	}
	fd := rankDomains(req.FaultDomains, req.Ranks)
	var replicas []string
	for _, r := range a.svc {
		if u, ok := uris[r]; ok {
			replicas = append(replicas, u)
		}
	}
	plan := poolhost.ExtendPlan{Pool: a.pool, Ranks: req.Ranks, URIs: uris, SCMBytes: scm, NVMeBytes: nvme, Replicas: replicas,
		Command: func(targets map[uint32]uint32) ([]byte, error) {
			c := &poolsvc.Command{Op: poolsvc.OpMapUpdate, MapOp: poolsvc.MapExtend, Time: time.Now().UTC()}
			for _, r := range req.Ranks {
				c.NewRanks = append(c.NewRanks, placement.RankSpec{Rank: r, Targets: int(targets[r]), FaultPath: fd[r]})
			}
			return c.Encode()
		},
		Applied: func(ctx context.Context) bool {
			var mr poolsvc.MapReply
			if err := a.query(ctx, "map", &mr); err != nil {
				return false
			}
			pm, err := placement.DecodePoolMap(mr.Map)
			if err != nil {
				return false
			}
			for _, r := range req.Ranks {
				if _, err := pm.TargetState(r, 0); err != nil {
					return false
				}
			}
			return true
		}}
	if err := e.dp.pools.ExtendPool(ctx, plan); err != nil {
		return fail(err)
	}
	var info poolsvc.PoolInfo
	if err := a.query(ctx, "info", &info); err != nil {
		e.opts.Logger.Warn("pool extend: done, but the pool's map version could not be read", "pool", req.Id, "err", err)
	}
	e.opts.Logger.Info("pool extended: new targets UP; rebuild (moving data onto them) is not implemented yet, so they stay UP, not UPIN",
		"pool", req.Id, "ranks", req.Ranks, "scm_per_rank", scm, "nvme_per_rank", nvme, "map_version", info.MapVersion,
		"total_targets", info.TotalTargets)
	return proto.Marshal(&mgmtpb.PoolExtendResp{TierBytes: []uint64{scm, nvme}})
}

// rankShare is the SCM and NVMe one rank of the pool holds (the sum of
// its shards), read from the first of ranks that answers.
func (e *Engine) rankShare(ctx context.Context, p poolhost.UUID, ranks []uint32, uris map[uint32]string) (scm, nvme uint64, err error) {
	err = daos.Errorf(daos.ErrNonexist, "the pool has no ranks")
	for _, r := range ranks {
		var space []poolhost.TargetSpace
		space, err = e.dp.pools.Space(ctx, p, []uint32{r}, uris)
		if err != nil {
			continue
		}
		for _, t := range space {
			scm += t.SCMTotal
			nvme += t.NVMeTotal
		}
		return scm, nvme, nil
	}
	return 0, 0, err
}

// poolUpgrade answers MGMT POOL_UPGRADE. Every pool this build creates
// has the latest layout (global_version = poolsvc.GlobalVersion), so a
// pool already there succeeds with nothing to do; converting an older
// layout is not supported (DER_NOTSUPPORTED).
func (e *Engine) poolUpgrade(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.PoolUpgradeReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	a, ctx, cancel, err := e.startAdmin(ctx, req.Id, req.SvcRanks)
	defer cancel()
	var info poolsvc.PoolInfo
	if err == nil {
		err = a.query(ctx, "info", &info)
	}
	if err == nil && info.LayoutVersion < info.UpgradeVersion {
		err = daos.Errorf(daos.ErrNotsupported, "pool upgrade from layout version %d to %d is not supported by this engine build",
			info.LayoutVersion, info.UpgradeVersion)
	}
	if err != nil {
		return proto.Marshal(&mgmtpb.PoolUpgradeResp{Status: e.failed("upgrade", req.Id, err)})
	}
	e.opts.Logger.Info("pool upgrade: layout already current", "pool", req.Id, "layout_version", info.LayoutVersion)
	return proto.Marshal(&mgmtpb.PoolUpgradeResp{})
}
