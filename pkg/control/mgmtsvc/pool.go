package mgmtsvc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/drpc/drpcpb"
)

// PoolEngines reaches pool services: the leader hands pool calls to an
// engine over dRPC (MGMT POOL_*), with the gRPC request as the body and
// the gRPC reply as the answer (*server.Server's local engine).
type PoolEngines interface {
	CallEngine(ctx context.Context, method drpc.Method, body []byte) ([]byte, error)
}

// Pool sizing rules DAOS applies at create.
const (
	minSCMPerTarget  = 16 << 20
	minNVMePerTarget = 1 << 30
	defaultSvcRF     = 2
	maxSvcReplicas   = 9
)

// defaultTierRatio splits --size when dmg sends no ratio.
var defaultTierRatio = []float64{0.06, 0.94}

// cleanupTimeout bounds directory clean-up after a failed create, which
// runs even when the caller has gone.
const cleanupTimeout = 10 * time.Second

// SetPoolEngines attaches the way to the pool services (daos_server sets
// its engines once they are built, after the service).
func (s *Service) SetPoolEngines(pe PoolEngines) {
	s.mu.Lock()
	s.o.PoolEngines = pe
	s.mu.Unlock()
}

func (s *Service) poolEngines() PoolEngines {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.o.PoolEngines
}

// statusReply is every pool reply: the engine's DER status.
type statusReply interface {
	proto.Message
	GetStatus() int32
}

// callPool hands a pool request to an engine and decodes its reply; a
// refusal becomes an error with the engine's DER code. An engine without
// a pool service answers DER_NOSYS (or does not know the method).
func (s *Service) callPool(ctx context.Context, what string, method drpc.Method, req proto.Message, resp statusReply) error {
	pe := s.poolEngines()
	if pe == nil {
		return daos.Errorf(daos.ErrUnreach, "%s: this management service has no engine to reach pool services through", what)
	}
	body, err := proto.Marshal(req)
	if err != nil {
		return daos.Errorf(daos.ErrInval, "%s: encode request: %v", what, err)
	}
	out, err := pe.CallEngine(ctx, method, body)
	if err != nil {
		var se *drpc.StatusError
		if errors.As(err, &se) && (se.Status == drpcpb.Status_UNKNOWN_METHOD || se.Status == drpcpb.Status_UNKNOWN_MODULE) {
			return daos.Errorf(daos.ErrNosys, "%s: pool service not available in this engine build (the engine does not serve dRPC method %d)", what, method)
		}
		if daos.Code(err) != daos.ErrUnknown {
			return fmt.Errorf("%s: %w", what, err)
		}
		return daos.Errorf(daos.ErrUnreach, "%s: engine: %v", what, err)
	}
	if err := proto.Unmarshal(out, resp); err != nil {
		return daos.Errorf(daos.ErrProto, "%s: decode engine reply: %v", what, err)
	}
	switch st := resp.GetStatus(); {
	case st == 0:
		return nil
	case daos.Code(daos.FromCode(int(st))) == daos.ErrNosys:
		return daos.Errorf(daos.ErrNosys, "%s: pool service not available in this engine build (the engine answered DER_NOSYS)", what)
	default:
		return fmt.Errorf("%s: %w", what, daos.FromCode(int(st)))
	}
}

// findPool looks the pool up on the leader.
func (s *Service) findPool(ctx context.Context, sys, id string) (Replica, system.PoolInfo, error) {
	r, err := s.leading(ctx)
	if err != nil {
		return nil, system.PoolInfo{}, err
	}
	if err := s.checkSys(sys); err != nil {
		return nil, system.PoolInfo{}, err
	}
	if strings.TrimSpace(id) == "" {
		return nil, system.PoolInfo{}, grpcerr.Errorf(daos.ErrInval, "no pool label or UUID given")
	}
	p, err := s.o.DB.FindPool(id)
	if err != nil {
		return nil, system.PoolInfo{}, grpcerr.ToStatus(err)
	}
	return r, p, nil
}

func (s *Service) poolCmd(ctx context.Context, r Replica, op string, p system.PoolInfo) error {
	_, err := r.Apply(ctx, &system.Command{Op: op, Time: time.Now(), Pool: &p})
	return err
}

// PoolCreate records the new pool in the directory (Creating), has an
// engine create it, and records the result; a failed create leaves no
// entry.
func (s *Service) PoolCreate(ctx context.Context, req *mgmtpb.PoolCreateReq) (*mgmtpb.PoolCreateResp, error) {
	r, err := s.leading(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	if system.IsUUID(req.Uuid) {
		if p, err := s.o.DB.FindPool(strings.ToLower(req.Uuid)); err == nil {
			return s.createAgain(ctx, req, p)
		}
	}
	entry, ereq, err := s.planPool(req)
	if err != nil {
		return nil, grpcerr.ToStatus(err)
	}
	if _, busy := s.poolBusy.LoadOrStore(entry.UUID, opCreate); busy {
		// The same request again before the first added its entry: once
		// that one ends, this is a repeat of a create that succeeded or a
		// new try after one that failed.
		if err := s.waitCreate(ctx, entry.UUID); err != nil {
			return nil, err
		}
		return s.PoolCreate(ctx, req)
	}
	defer s.poolBusy.Delete(entry.UUID)
	if err := s.poolCmd(ctx, r, system.OpPoolAdd, entry); err != nil {
		return nil, grpcerr.ToStatus(fmt.Errorf("pool create: %w", err))
	}
	s.o.Logger.Info("pool create", "uuid", entry.UUID, "label", entry.Label, "ranks", entry.Ranks,
		"svc_reps", entry.SvcReps, "tier_bytes", entry.TierBytes)

	resp := &mgmtpb.PoolCreateResp{}
	if err := s.callPool(ctx, "pool create", drpc.MethodPoolCreate, ereq, resp); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if rerr := s.poolCmd(cctx, r, system.OpPoolRemove, entry); rerr != nil {
			s.o.Logger.Error("pool create failed and its directory entry could not be removed",
				"uuid", entry.UUID, "err", rerr)
			if errors.Is(rerr, daos.ErrNotleader) {
				// The entry stays Creating for the next leader, which
				// the caller's retry reaches (DER_NOTLEADER says so).
				return nil, grpcerr.ToStatus(fmt.Errorf("pool create: %w; the create had failed: %v", rerr, err))
			}
		}
		return nil, grpcerr.ToStatus(err)
	}
	// The pool service's own view (replicas it started, sizes it got)
	// wins over the plan.
	entry.State = system.PoolReady
	if len(resp.SvcReps) > 0 {
		entry.SvcReps = resp.SvcReps
	}
	if len(resp.TgtRanks) > 0 {
		entry.Ranks = resp.TgtRanks
	}
	if len(resp.TierBytes) > 0 {
		entry.TierBytes = resp.TierBytes
	}
	entry.MemFileBytes = resp.MemFileBytes
	if err := s.poolCmd(ctx, r, system.OpPoolUpdate, entry); err != nil {
		return nil, grpcerr.ToStatus(fmt.Errorf("pool create: record the created pool: %w", err))
	}
	resp.SvcReps, resp.TgtRanks, resp.TierBytes = entry.SvcReps, entry.Ranks, entry.TierBytes
	return resp, nil
}

// createAgain answers a create whose pool UUID is in the directory
// already. A caller's request can arrive twice (a server that forwards it
// retries when the leader changes or its connection breaks; dmg asks the
// next server when one does not answer), and the UUID is the caller's:
// the same create again gets the first one's answer, once it has one.
func (s *Service) createAgain(ctx context.Context, req *mgmtpb.PoolCreateReq, p system.PoolInfo) (*mgmtpb.PoolCreateResp, error) {
	label := ""
	for _, pr := range req.Properties {
		if pr.GetNumber() == system.PoolPropLabel {
			label = pr.GetStrval()
		}
	}
	if label != p.Label {
		return nil, grpcerr.Errorf(daos.ErrExist, "pool create: pool %s already exists (label %q)", p.UUID, p.Label)
	}
	if err := s.waitCreate(ctx, p.UUID); err != nil {
		return nil, err
	}
	p, err := s.o.DB.FindPool(p.UUID)
	switch {
	case err != nil:
		return nil, grpcerr.ToStatus(fmt.Errorf("pool create: the create of pool %s already under way failed: %w", req.Uuid, err))
	case p.State == system.PoolDestroying:
		return nil, grpcerr.Errorf(daos.ErrBusy, "pool create: pool %s (label %q) is being destroyed", p.UUID, p.Label)
	case p.State == system.PoolCreating:
		return s.adoptOrReplace(ctx, req, p)
	case p.State != system.PoolReady:
		return nil, grpcerr.Errorf(daos.ErrBusy, "pool create: pool %s (label %q) is %s", p.UUID, p.Label, p.State)
	}
	return createdReply(p), nil
}

// createdReply is the answer to a create of pool p, which is Ready.
func createdReply(p system.PoolInfo) *mgmtpb.PoolCreateResp {
	resp := &mgmtpb.PoolCreateResp{SvcReps: p.SvcReps, TgtRanks: p.Ranks, TierBytes: p.TierBytes, MemFileBytes: p.MemFileBytes}
	if len(p.SvcReps) > 0 {
		resp.SvcLdr = p.SvcReps[0]
	}
	return resp
}

// unfinishedCreateBound is how long after its start a pool create can
// still be at work on the engines: an engine gives a create 2 minutes and
// the clean-up of a failed one 30 s more (pkg/engine, poolhost). The rest
// is margin: for the clocks of two servers, and for the wait of a create
// behind another on the leader's dRPC connection to its engine, which
// takes one call at a time.
const unfinishedCreateBound = 5 * time.Minute

// adoptQueryTimeout bounds the query of an unfinished create's pool.
const adoptQueryTimeout = 10 * time.Second

// adoptOrReplace answers a create of pool p, whose entry an earlier create
// left Creating with no create or destroy of it running on this server:
// the leader that began it lost office, or died, before it recorded the
// result. The caller's retry (dmg sends the same UUID again) must not stay
// refused:
//   - a pool service that answers with the pool created means that create
//     finished on the engines, and the entry is completed;
//   - otherwise, once that create cannot be running any more, what it left
//     is torn down and the pool created anew;
//   - before then the caller is asked to try again (DER_AGAIN).
//
// Tearing down a pool whose service could not be queried for a passing
// reason loses nothing: a Creating entry was never reported created, and
// the service refuses connections to a pool the directory lists as
// Creating, so the pool holds no data.
func (s *Service) adoptOrReplace(ctx context.Context, req *mgmtpb.PoolCreateReq, p system.PoolInfo) (*mgmtpb.PoolCreateResp, error) {
	r, err := s.leading(ctx)
	if err != nil {
		return nil, err
	}
	if _, busy := s.poolBusy.LoadOrStore(p.UUID, opCreate); busy {
		if err := s.waitCreate(ctx, p.UUID); err != nil {
			return nil, err
		}
		return s.PoolCreate(ctx, req)
	}
	release := sync.OnceFunc(func() { s.poolBusy.Delete(p.UUID) })
	defer release()
	// Read again under the marker: a destroy that ended just before may
	// have changed or removed it.
	if p, err = s.o.DB.FindPool(p.UUID); err != nil || p.State != system.PoolCreating {
		release()
		return s.PoolCreate(ctx, req)
	}

	qctx, cancel := context.WithTimeout(ctx, adoptQueryTimeout)
	q := &mgmtpb.PoolQueryResp{}
	// Any of the ranks may hold a replica: the engine chose them.
	qerr := s.callPool(qctx, "pool create: query the pool of an unfinished create", drpc.MethodPoolQuery,
		&mgmtpb.PoolQueryReq{Sys: req.Sys, Id: p.UUID, SvcRanks: p.Ranks}, q)
	cancel()
	if qerr == nil && (q.State == mgmtpb.PoolServiceState_Ready || q.State == mgmtpb.PoolServiceState_TargetsExcluded) {
		p.State = system.PoolReady
		if len(q.SvcReps) > 0 {
			p.SvcReps = q.SvcReps
		}
		if err := s.poolCmd(ctx, r, system.OpPoolUpdate, p); err != nil {
			return nil, grpcerr.ToStatus(fmt.Errorf("pool create: record the pool an earlier create made: %w", err))
		}
		s.o.Logger.Info("pool create: an earlier create that was not recorded had finished; pool recorded", "uuid", p.UUID, "label", p.Label)
		resp := createdReply(p)
		// The query names the service's leader (rank 0 too, when it
		// holds a replica).
		if q.SvcLdr != 0 || slices.Contains(p.SvcReps, 0) {
			resp.SvcLdr = q.SvcLdr
		}
		return resp, nil
	}
	members := s.o.DB.Members()
	if left := mayStillRun(p, members); left > 0 {
		return nil, grpcerr.Errorf(daos.ErrAgain, "pool create: pool %s (label %q) is being created by a request to an earlier leader, whose engine may still be at work for up to %s; try again then (dmg does)",
			p.UUID, p.Label, left.Round(time.Second))
	}
	if rank, st, ok := unavailableRank(members, p.Ranks); ok {
		return nil, grpcerr.Errorf(daos.ErrAgain, "pool create: what an unfinished earlier create of pool %s (label %q) left cannot be removed while rank %d is %s; try again once it is back (dmg does)",
			p.UUID, p.Label, rank, st)
	}
	s.o.Logger.Warn("pool create: removing what an unfinished earlier create left, to create the pool anew", "uuid", p.UUID, "label", p.Label, "query", qerr)
	if err := s.destroyPool(ctx, r, p, &mgmtpb.PoolDestroyReq{Sys: req.Sys, Id: p.UUID, Force: true, Recursive: true}); err != nil {
		return nil, grpcerr.ToStatus(fmt.Errorf("pool create: removing what an unfinished earlier create of pool %s left: %w", p.UUID, grpcerr.FromStatus(err)))
	}
	release()
	return s.PoolCreate(ctx, req)
}

// mayStillRun is how much longer the create that left entry p Creating
// may still be at work on the engines (0: it cannot be). It may until
// unfinishedCreateBound has passed since it began, unless every engine
// that drove it (the leader's, recorded in the entry) has ended that run:
// restarted (a new incarnation), or reported stopped or gone by its
// server. An engine merely not heard from may still be at it.
func mayStillRun(p system.PoolInfo, members []*system.Member) time.Duration {
	left := unfinishedCreateBound - time.Since(p.CreateStart)
	if left <= 0 {
		return 0
	}
	if len(p.CreatorEngines) == 0 {
		return left // an entry from an older version: the bound alone
	}
	for _, c := range p.CreatorEngines {
		ended := false
		for _, m := range members {
			if m.Rank == c.Rank {
				ended = m.Incarnation != c.Incarnation || m.State&(system.StateStopped|system.StateErrored) != 0
			}
		}
		if !ended {
			return left
		}
	}
	return 0
}

// engineRuns lists the current runs of the engines of the server at addr.
func engineRuns(members []*system.Member, addr string) []system.RankIncarnation {
	var out []system.RankIncarnation
	for _, m := range members {
		if m.Addr == addr {
			out = append(out, system.RankIncarnation{Rank: m.Rank, Incarnation: m.Incarnation})
		}
	}
	return out
}

// unavailableRank finds a rank of ranks that is not Joined or Ready.
func unavailableRank(members []*system.Member, ranks []uint32) (uint32, system.MemberState, bool) {
	state := map[uint32]system.MemberState{}
	for _, m := range members {
		state[m.Rank] = m.State
	}
	for _, r := range ranks {
		if st, ok := state[r]; !ok || st&system.AvailableStates == 0 {
			return r, st, true
		}
	}
	return 0, 0, false
}

// What a pool UUID in poolBusy is busy with.
const (
	opCreate  = "created"
	opDestroy = "destroyed"
)

// waitCreate waits until no create or destroy of pool uuid runs on this
// server.
func (s *Service) waitCreate(ctx context.Context, uuid string) error {
	for {
		if _, busy := s.poolBusy.Load(uuid); !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return grpcerr.ToStatus(fmt.Errorf("pool create: waiting for the create of pool %s already under way: %w", uuid, ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// planPool checks a create request against the directory and the
// membership and works out the ranks, sizes and service replicas.
func (s *Service) planPool(req *mgmtpb.PoolCreateReq) (system.PoolInfo, *mgmtpb.PoolCreateReq, error) {
	var entry system.PoolInfo
	if !system.IsUUID(req.Uuid) {
		return entry, nil, daos.Errorf(daos.ErrInval, "pool create: invalid pool UUID %q", req.Uuid)
	}
	label, svcRF := "", uint64(defaultSvcRF)
	seen := map[uint32]bool{}
	for _, p := range req.Properties {
		d, err := system.CheckPoolProp(p, true)
		if err != nil {
			return entry, nil, fmt.Errorf("pool create: %w", err)
		}
		if seen[d.Number] {
			return entry, nil, daos.Errorf(daos.ErrInval, "pool create: property %s given twice", d.Name)
		}
		seen[d.Number] = true
		switch d.Number {
		case system.PoolPropLabel:
			label = p.GetStrval()
		case system.PoolPropSvcRedunFac:
			svcRF = p.GetNumval()
		}
	}
	if label == "" {
		return entry, nil, daos.Errorf(daos.ErrInval, "pool create: no label (the label property is required)")
	}
	if p, err := s.o.DB.FindPool(label); err == nil {
		if p.State == system.PoolCreating {
			return entry, nil, daos.Errorf(daos.ErrExist, "pool create: label %q is already used by pool %s, which is still Creating: a create under way, or one that did not finish (once it cannot be running, dmg pool destroy --force %s removes it)", label, p.UUID, label)
		}
		return entry, nil, daos.Errorf(daos.ErrExist, "pool create: label %q is already used by pool %s", label, p.UUID)
	}
	if p, err := s.o.DB.FindPool(req.Uuid); err == nil {
		return entry, nil, daos.Errorf(daos.ErrExist, "pool create: pool %s already exists (label %q)", req.Uuid, p.Label)
	}

	members := s.o.DB.Members()
	ranks, err := pickRanks(members, req.Ranks, req.NumRanks)
	if err != nil {
		return entry, nil, fmt.Errorf("pool create: %w", err)
	}
	tiers, err := perRankTiers(req, len(ranks))
	if err != nil {
		return entry, nil, fmt.Errorf("pool create: %w", err)
	}
	nsvc, err := svcReplicaCount(req.NumSvcReps, svcRF, len(ranks))
	if err != nil {
		return entry, nil, fmt.Errorf("pool create: %w", err)
	}
	entry = system.PoolInfo{UUID: strings.ToLower(req.Uuid), Label: label, State: system.PoolCreating,
		Ranks: ranks, TierBytes: tiers, SvcReps: pickSvcRanks(members, ranks, nsvc),
		CreateStart: time.Now(), CreatorEngines: engineRuns(members, s.o.Local)}

	// The engine gets the plan: explicit ranks and per-rank sizes.
	ereq := proto.Clone(req).(*mgmtpb.PoolCreateReq)
	ereq.Ranks, ereq.NumRanks, ereq.TierBytes = ranks, uint32(len(ranks)), tiers
	ereq.TotalBytes, ereq.TierRatio, ereq.NumSvcReps = 0, nil, nsvc
	ereq.FaultDomains = faultDomainTree(members, ranks)
	return entry, ereq, nil
}

// pickRanks takes the asked ranks, which must be available members, or
// the available members (the first n of them when n is set).
func pickRanks(members []*system.Member, asked []uint32, n uint32) ([]uint32, error) {
	byRank := map[uint32]*system.Member{}
	var avail []uint32
	for _, m := range members {
		byRank[m.Rank] = m
		if m.State&system.AvailableStates != 0 {
			avail = append(avail, m.Rank)
		}
	}
	if len(asked) > 0 {
		if n > 0 {
			return nil, daos.Errorf(daos.ErrInval, "give either the ranks or their number, not both")
		}
		out := slices.Clone(asked)
		slices.Sort(out)
		out = slices.Compact(out)
		for _, r := range out {
			m, ok := byRank[r]
			switch {
			case !ok:
				return nil, daos.Errorf(daos.ErrNonexist, "rank %d is not a member of the system", r)
			case m.State&system.AvailableStates == 0:
				return nil, daos.Errorf(daos.ErrInval, "rank %d is %s; pools are created on Joined or Ready ranks", r, m.State)
			}
		}
		return out, nil
	}
	if len(avail) == 0 {
		return nil, daos.Errorf(daos.ErrInval, "no ranks are Joined or Ready to hold the pool")
	}
	if n > 0 {
		if int(n) > len(avail) {
			return nil, daos.Errorf(daos.ErrInval, "%d ranks asked for, only %d are Joined or Ready", n, len(avail))
		}
		avail = avail[:n]
	}
	return avail, nil
}

// perRankTiers works out each rank's bytes per tier: --size split by the
// tier ratio over the ranks, or the per-rank sizes given.
func perRankTiers(req *mgmtpb.PoolCreateReq, nranks int) ([]uint64, error) {
	var tiers []uint64
	switch {
	case req.TotalBytes > 0 && len(req.TierBytes) > 0:
		return nil, daos.Errorf(daos.ErrInval, "give either the total size or the per-rank tier sizes, not both")
	case req.TotalBytes > 0:
		ratio := req.TierRatio
		if len(ratio) == 0 {
			ratio = defaultTierRatio
		}
		var sum float64
		for _, r := range ratio {
			if r < 0 || r > 1 {
				return nil, daos.Errorf(daos.ErrInval, "tier ratio %v out of range", ratio)
			}
			sum += r
		}
		if sum < 0.999 || sum > 1.001 {
			return nil, daos.Errorf(daos.ErrInval, "tier ratios %v do not add up to 100%%", ratio)
		}
		for _, r := range ratio {
			tiers = append(tiers, uint64(float64(req.TotalBytes)*r)/uint64(nranks))
		}
	case len(req.TierBytes) > 0:
		tiers = slices.Clone(req.TierBytes)
	default:
		return nil, daos.Errorf(daos.ErrInval, "no pool size given")
	}
	if len(tiers) > 2 {
		return nil, daos.Errorf(daos.ErrInval, "%d storage tiers given, a pool has at most 2", len(tiers))
	}
	// The per-target minimums, checked for one target per rank; the
	// engine checks them again with its real number of targets.
	if tiers[0] < minSCMPerTarget {
		return nil, daos.Errorf(daos.ErrInval, "%d bytes of SCM per rank is below the minimum of %d (16 MiB) per target", tiers[0], minSCMPerTarget)
	}
	if len(tiers) > 1 && tiers[1] != 0 && tiers[1] < minNVMePerTarget {
		return nil, daos.Errorf(daos.ErrInval, "%d bytes of NVMe per rank is below the minimum of %d (1 GiB) per target", tiers[1], minNVMePerTarget)
	}
	return tiers, nil
}

// svcReplicaCount is the number of pool service replicas: the one asked
// (odd, at most 9 and at most the ranks), or 2*svc_rf+1 clamped to the
// ranks and kept odd.
func svcReplicaCount(asked uint32, svcRF uint64, nranks int) (uint32, error) {
	if asked > 0 {
		switch {
		case asked%2 == 0 || asked > maxSvcReplicas:
			return 0, daos.Errorf(daos.ErrInval, "%d pool service replicas: the number must be odd, from 1 to %d", asked, maxSvcReplicas)
		case int(asked) > nranks:
			return 0, daos.Errorf(daos.ErrInval, "%d pool service replicas asked, the pool has only %d ranks", asked, nranks)
		}
		return asked, nil
	}
	n := int(2*svcRF + 1)
	if n > nranks {
		n = nranks
	}
	if n%2 == 0 {
		n--
	}
	return uint32(n), nil
}

// pickSvcRanks spreads the replicas over fault domains: one rank from
// each domain in turn, lowest ranks first, so losing one domain loses as
// few replicas as possible.
func pickSvcRanks(members []*system.Member, ranks []uint32, n uint32) []uint32 {
	fd := map[uint32]string{}
	for _, m := range members {
		fd[m.Rank] = m.FaultDomain
	}
	var domains []string
	byDomain := map[string][]uint32{}
	for _, r := range ranks {
		d := fd[r]
		if _, ok := byDomain[d]; !ok {
			domains = append(domains, d)
		}
		byDomain[d] = append(byDomain[d], r)
	}
	var out []uint32
	for len(out) < int(n) {
		for _, d := range domains {
			if len(byDomain[d]) > 0 && len(out) < int(n) {
				out = append(out, byDomain[d][0])
				byDomain[d] = byDomain[d][1:]
			}
		}
	}
	slices.Sort(out)
	return out
}

// faultDomainTree flattens the ranks' fault domains in DAOS's minimal
// form: the root (level, id, children), then each domain (level, id,
// children), then the ranks, breadth first. Domains are one level deep
// here (the fault path as a whole names the domain).
func faultDomainTree(members []*system.Member, ranks []uint32) []uint32 {
	fd := map[uint32]string{}
	for _, m := range members {
		fd[m.Rank] = m.FaultDomain
	}
	byDomain := map[string][]uint32{}
	for _, r := range ranks {
		byDomain[fd[r]] = append(byDomain[fd[r]], r)
	}
	names := make([]string, 0, len(byDomain))
	for d := range byDomain {
		names = append(names, d)
	}
	sort.Strings(names)
	tree := []uint32{2, 0, uint32(len(names))}
	for i, d := range names {
		tree = append(tree, 1, uint32(i+1), uint32(len(byDomain[d])))
	}
	for _, d := range names {
		tree = append(tree, byDomain[d]...)
	}
	return tree
}

// destroyRefusal says what a pool service's DER_BUSY refusal of a destroy
// means (the engine's reply carries only the code): containers left
// without --recursive, or handles open without --force.
func destroyRefusal(err error, req *mgmtpb.PoolDestroyReq) error {
	if !errors.Is(err, daos.ErrBusy) {
		return err
	}
	switch {
	case req.Force && !req.Recursive:
		return fmt.Errorf("pool %s has containers: destroy them first, or add --recursive: %w", req.Id, err)
	case !req.Force && !req.Recursive:
		return fmt.Errorf("pool %s has containers (add --recursive) or open handles (add --force): %w", req.Id, err)
	case !req.Force:
		return fmt.Errorf("pool %s has open handles: close them, or add --force: %w", req.Id, err)
	}
	return err
}

// PoolDestroy has the pool service destroy the pool, then drops it from
// the directory. An entry left in Creating by a create that failed
// half-way is dropped once the engines hold nothing of it.
func (s *Service) PoolDestroy(ctx context.Context, req *mgmtpb.PoolDestroyReq) (*mgmtpb.PoolDestroyResp, error) {
	r, p, err := s.findPool(ctx, req.Sys, req.Id)
	if err != nil {
		return nil, err
	}
	if op, busy := s.poolBusy.LoadOrStore(p.UUID, opDestroy); busy {
		return nil, grpcerr.Errorf(daos.ErrBusy, "pool destroy: pool %q is being %s here", req.Id, op)
	}
	defer s.poolBusy.Delete(p.UUID)
	// Read again under the marker: a create or destroy that ended just
	// before may have changed or removed it.
	if p, err = s.o.DB.FindPool(p.UUID); err != nil {
		return nil, grpcerr.ToStatus(err)
	}
	if p.State == system.PoolCreating {
		if left := mayStillRun(p, s.o.DB.Members()); left > 0 {
			return nil, grpcerr.Errorf(daos.ErrBusy, "pool destroy: pool %q is being created by a request to an earlier leader, whose engine may still be at work for up to %s; try again then", req.Id, left.Round(time.Second))
		}
	}
	if err := s.destroyPool(ctx, r, p, req); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolDestroyResp{}, nil
}

// destroyPool destroys pool p (the directory's entry) on the engines and
// drops the entry.
func (s *Service) destroyPool(ctx context.Context, r Replica, p system.PoolInfo, req *mgmtpb.PoolDestroyReq) error {
	prev := p.State
	p.State = system.PoolDestroying
	if err := s.poolCmd(ctx, r, system.OpPoolUpdate, p); err != nil {
		return grpcerr.ToStatus(fmt.Errorf("pool destroy: %w", err))
	}
	ereq := proto.Clone(req).(*mgmtpb.PoolDestroyReq)
	ereq.Id, ereq.SvcRanks = p.UUID, p.SvcReps
	switch prev {
	case system.PoolDestroying:
		// A destroy failed past its point of no return: the engine
		// finishes it without the pool service, which may be gone.
		ereq.Resume, ereq.Ranks = true, p.Ranks
	case system.PoolCreating:
		// A create that did not finish: its service may be missing,
		// without a quorum, or never initialised, and its replicas on
		// any of the ranks (the engine chose them), so whatever is
		// there goes without the service's checks unless it answers.
		ereq.Resume, ereq.Ranks, ereq.SvcRanks = true, p.Ranks, p.Ranks
	}
	eresp := &mgmtpb.PoolDestroyResp{}
	err := s.callPool(ctx, "pool destroy", drpc.MethodPoolDestroy, ereq, eresp)
	stale := prev == system.PoolCreating && (errors.Is(err, daos.ErrNosys) || errors.Is(err, daos.ErrNonexist))
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err != nil && (eresp.Begun || prev == system.PoolDestroying) {
		// Left Destroying: the next destroy resumes it.
		s.o.Logger.Warn("pool destroy failed part way; run it again to finish", "uuid", p.UUID, "err", err)
		return grpcerr.ToStatus(fmt.Errorf("%w (the pool is left Destroying: run the destroy again to finish it)", err))
	}
	if err != nil && !stale {
		p.State = prev
		if uerr := s.poolCmd(cctx, r, system.OpPoolUpdate, p); uerr != nil {
			s.o.Logger.Error("pool destroy failed and the pool's state could not be restored", "uuid", p.UUID, "err", uerr)
		}
		return grpcerr.ToStatus(destroyRefusal(err, req))
	}
	if err := s.poolCmd(cctx, r, system.OpPoolRemove, p); err != nil {
		return grpcerr.ToStatus(fmt.Errorf("pool destroy: %w", err))
	}
	s.o.Logger.Info("pool destroyed", "uuid", p.UUID, "label", p.Label)
	return nil
}

// PoolSetProp checks the properties (known, settable after create) and a
// new label's uniqueness, has the pool service set them, then records a
// new label in the directory.
func (s *Service) PoolSetProp(ctx context.Context, req *mgmtpb.PoolSetPropReq) (*mgmtpb.PoolSetPropResp, error) {
	r, p, err := s.findPool(ctx, req.Sys, req.Id)
	if err != nil {
		return nil, err
	}
	if len(req.Properties) == 0 {
		return nil, grpcerr.Errorf(daos.ErrInval, "pool set-prop: no properties given")
	}
	newLabel := ""
	for _, pp := range req.Properties {
		d, err := system.CheckPoolProp(pp, false)
		if err != nil {
			return nil, grpcerr.ToStatus(fmt.Errorf("pool set-prop: %w", err))
		}
		if d.Number == system.PoolPropLabel {
			newLabel = pp.GetStrval()
			if q, err := s.o.DB.FindPool(newLabel); err == nil && q.UUID != p.UUID {
				return nil, grpcerr.Errorf(daos.ErrExist, "pool set-prop: label %q is already used by pool %s", newLabel, q.UUID)
			}
		}
	}
	resp := &mgmtpb.PoolSetPropResp{}
	if err := s.callPool(ctx, "pool set-prop", drpc.MethodPoolSetProp, withPool(req, p), resp); err != nil {
		return nil, grpcerr.ToStatus(err)
	}
	if newLabel != "" && newLabel != p.Label {
		p.Label = newLabel
		if err := s.poolCmd(ctx, r, system.OpPoolUpdate, p); err != nil {
			return nil, grpcerr.ToStatus(fmt.Errorf("pool set-prop: record the new label: %w", err))
		}
	}
	return resp, nil
}

// PoolGetProp checks that the properties asked are known.
func (s *Service) PoolGetProp(ctx context.Context, req *mgmtpb.PoolGetPropReq) (*mgmtpb.PoolGetPropResp, error) {
	_, p, err := s.findPool(ctx, req.Sys, req.Id)
	if err != nil {
		return nil, err
	}
	for _, pp := range req.Properties {
		if _, ok := system.PoolPropByNumber(pp.GetNumber()); !ok {
			return nil, grpcerr.Errorf(daos.ErrInval, "pool get-prop: unknown pool property number %d", pp.GetNumber())
		}
	}
	return route(ctx, s, "pool get-prop", drpc.MethodPoolGetProp, withPool(req, p), &mgmtpb.PoolGetPropResp{})
}

// poolReq is every pool request routed by label or UUID.
type poolReq interface {
	proto.Message
	GetId() string
}

// withPool copies a request with the pool named by UUID and its service
// ranks filled in from the directory, as the engine expects.
func withPool[T poolReq](req T, p system.PoolInfo) T {
	c := proto.Clone(req).(T)
	m := c.ProtoReflect()
	fields := m.Descriptor().Fields()
	if f := fields.ByName("id"); f != nil {
		m.Set(f, protoreflect.ValueOfString(p.UUID))
	}
	if f := fields.ByName("svc_ranks"); f != nil {
		l := m.Mutable(f).List()
		l.Truncate(0)
		for _, r := range p.SvcReps {
			l.Append(protoreflect.ValueOfUint32(r))
		}
	}
	return c
}

// route sends a looked-up pool's request to its pool service.
func route[T poolReq, R statusReply](ctx context.Context, s *Service, what string, method drpc.Method, req T, resp R) (R, error) {
	var zero R
	if err := s.callPool(ctx, what, method, req, resp); err != nil {
		return zero, grpcerr.ToStatus(err)
	}
	return resp, nil
}

// routeByID looks the pool up and routes the request.
func routeByID[T interface {
	poolReq
	GetSys() string
}, R statusReply](ctx context.Context, s *Service, what string, method drpc.Method, req T, resp R) (R, error) {
	var zero R
	_, p, err := s.findPool(ctx, req.GetSys(), req.GetId())
	if err != nil {
		return zero, err
	}
	return route(ctx, s, what, method, withPool(req, p), resp)
}

// checkPoolRanks refuses ranks that hold no part of the pool.
func checkPoolRanks(p system.PoolInfo, ranks []uint32, what string) error {
	if len(ranks) == 0 {
		return grpcerr.Errorf(daos.ErrInval, "%s: no ranks given", what)
	}
	for _, r := range ranks {
		if !slices.Contains(p.Ranks, r) {
			return grpcerr.Errorf(daos.ErrInval, "%s: rank %d holds no targets of pool %s", what, r, p.Label)
		}
	}
	return nil
}

// PoolEvict closes the pool's handles.
func (s *Service) PoolEvict(ctx context.Context, req *mgmtpb.PoolEvictReq) (*mgmtpb.PoolEvictResp, error) {
	return routeByID(ctx, s, "pool evict", drpc.MethodPoolEvict, req, &mgmtpb.PoolEvictResp{})
}

// PoolQuery asks the pool service for the pool's state and space.
func (s *Service) PoolQuery(ctx context.Context, req *mgmtpb.PoolQueryReq) (*mgmtpb.PoolQueryResp, error) {
	return routeByID(ctx, s, "pool query", drpc.MethodPoolQuery, req, &mgmtpb.PoolQueryResp{})
}

// PoolQueryTarget asks for one rank's targets.
func (s *Service) PoolQueryTarget(ctx context.Context, req *mgmtpb.PoolQueryTargetReq) (*mgmtpb.PoolQueryTargetResp, error) {
	_, p, err := s.findPool(ctx, req.Sys, req.Id)
	if err != nil {
		return nil, err
	}
	if err := checkPoolRanks(p, []uint32{req.Rank}, "pool query-targets"); err != nil {
		return nil, err
	}
	return route(ctx, s, "pool query-targets", drpc.MethodPoolQueryTargets, withPool(req, p), &mgmtpb.PoolQueryTargetResp{})
}

// PoolExclude marks targets of the pool down.
func (s *Service) PoolExclude(ctx context.Context, req *mgmtpb.PoolExcludeReq) (*mgmtpb.PoolExcludeResp, error) {
	_, p, err := s.findPool(ctx, req.Sys, req.Id)
	if err != nil {
		return nil, err
	}
	if err := checkPoolRanks(p, req.Ranks, "pool exclude"); err != nil {
		return nil, err
	}
	return route(ctx, s, "pool exclude", drpc.MethodPoolExclude, withPool(req, p), &mgmtpb.PoolExcludeResp{})
}

// PoolDrain moves data off targets of the pool.
func (s *Service) PoolDrain(ctx context.Context, req *mgmtpb.PoolDrainReq) (*mgmtpb.PoolDrainResp, error) {
	_, p, err := s.findPool(ctx, req.Sys, req.Id)
	if err != nil {
		return nil, err
	}
	if err := checkPoolRanks(p, req.Ranks, "pool drain"); err != nil {
		return nil, err
	}
	return route(ctx, s, "pool drain", drpc.MethodPoolDrain, withPool(req, p), &mgmtpb.PoolDrainResp{})
}

// PoolReintegrate brings excluded targets of the pool back.
func (s *Service) PoolReintegrate(ctx context.Context, req *mgmtpb.PoolReintReq) (*mgmtpb.PoolReintResp, error) {
	_, p, err := s.findPool(ctx, req.Sys, req.Id)
	if err != nil {
		return nil, err
	}
	if err := checkPoolRanks(p, req.Ranks, "pool reintegrate"); err != nil {
		return nil, err
	}
	return route(ctx, s, "pool reintegrate", drpc.MethodPoolReintegrate, withPool(req, p), &mgmtpb.PoolReintResp{})
}

// PoolExtend adds ranks, which must be available members not yet in the
// pool.
func (s *Service) PoolExtend(ctx context.Context, req *mgmtpb.PoolExtendReq) (*mgmtpb.PoolExtendResp, error) {
	r, p, err := s.findPool(ctx, req.Sys, req.Id)
	if err != nil {
		return nil, err
	}
	if len(req.Ranks) == 0 {
		return nil, grpcerr.Errorf(daos.ErrInval, "pool extend: no ranks given")
	}
	if _, err := pickRanks(s.o.DB.Members(), req.Ranks, 0); err != nil {
		return nil, grpcerr.ToStatus(fmt.Errorf("pool extend: %w", err))
	}
	for _, r := range req.Ranks {
		if slices.Contains(p.Ranks, r) {
			return nil, grpcerr.Errorf(daos.ErrInval, "pool extend: rank %d already holds pool %s", r, p.Label)
		}
	}
	ereq := withPool(req, p)
	// The new ranks' place in the fault-domain tree, as at create.
	ereq.FaultDomains = faultDomainTree(s.o.DB.Members(), req.Ranks)
	resp, err := route(ctx, s, "pool extend", drpc.MethodPoolExtend, ereq, &mgmtpb.PoolExtendResp{})
	if err != nil {
		return nil, err
	}
	// The directory's entry now names the new ranks too, so that later
	// commands (query-targets, destroy) reach them. The entry is read
	// again: it may have changed while the engine worked (a label set,
	// a destroy begun), and writing back the copy read before would undo
	// that.
	if p, err = s.o.DB.FindPool(p.UUID); err != nil {
		return nil, grpcerr.ToStatus(fmt.Errorf("pool extend: record the new ranks: %w", err))
	}
	for _, rk := range req.Ranks {
		if !slices.Contains(p.Ranks, rk) {
			p.Ranks = append(p.Ranks, rk)
		}
	}
	slices.Sort(p.Ranks)
	if err := s.poolCmd(ctx, r, system.OpPoolUpdate, p); err != nil {
		return nil, grpcerr.ToStatus(fmt.Errorf("pool extend: record the new ranks: %w", err))
	}
	return resp, nil
}

// PoolUpgrade upgrades the pool's layout.
func (s *Service) PoolUpgrade(ctx context.Context, req *mgmtpb.PoolUpgradeReq) (*mgmtpb.PoolUpgradeResp, error) {
	return routeByID(ctx, s, "pool upgrade", drpc.MethodPoolUpgrade, req, &mgmtpb.PoolUpgradeResp{})
}

// PoolGetACL reads the pool's ACL.
func (s *Service) PoolGetACL(ctx context.Context, req *mgmtpb.GetACLReq) (*mgmtpb.ACLResp, error) {
	return routeByID(ctx, s, "pool get-acl", drpc.MethodPoolGetACL, req, &mgmtpb.ACLResp{})
}

// PoolOverwriteACL replaces the pool's ACL.
func (s *Service) PoolOverwriteACL(ctx context.Context, req *mgmtpb.ModifyACLReq) (*mgmtpb.ACLResp, error) {
	if len(req.ACL) == 0 {
		return nil, grpcerr.Errorf(daos.ErrInval, "pool overwrite-acl: no entries given")
	}
	return routeByID(ctx, s, "pool overwrite-acl", drpc.MethodPoolOverwriteACL, req, &mgmtpb.ACLResp{})
}

// PoolUpdateACL adds or changes entries of the pool's ACL.
func (s *Service) PoolUpdateACL(ctx context.Context, req *mgmtpb.ModifyACLReq) (*mgmtpb.ACLResp, error) {
	if len(req.ACL) == 0 {
		return nil, grpcerr.Errorf(daos.ErrInval, "pool update-acl: no entries given")
	}
	return routeByID(ctx, s, "pool update-acl", drpc.MethodPoolUpdateACL, req, &mgmtpb.ACLResp{})
}

// PoolDeleteACL removes a principal's entry from the pool's ACL.
func (s *Service) PoolDeleteACL(ctx context.Context, req *mgmtpb.DeleteACLReq) (*mgmtpb.ACLResp, error) {
	if req.Principal == "" {
		return nil, grpcerr.Errorf(daos.ErrInval, "pool delete-acl: no principal given")
	}
	return routeByID(ctx, s, "pool delete-acl", drpc.MethodPoolDeleteACL, req, &mgmtpb.ACLResp{})
}
