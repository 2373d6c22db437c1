package engine

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/vos"
)

// AggregationOptions pace the background aggregation that reclaims the
// space of versions no reader needs (DAOS's VOS aggregation).
type AggregationOptions struct {
	// Interval between passes; 0: DefaultAggInterval.
	Interval time.Duration
	// Window: epochs younger than this are never aggregated, so a write
	// stamped a little in the past (a client's own epoch, a clock a
	// little behind) still lands; 0: DefaultAggWindow.
	Window time.Duration
}

const (
	DefaultAggInterval = 10 * time.Second
	DefaultAggWindow   = 30 * time.Second
	// aggLowFree: under this share of free space a shard is aggregated
	// under the lazy strategy even while it is busy, as in DAOS.
	aggLowFree = 0.2
	// aggQueryTimeout bounds the pool service read of one pass.
	aggQueryTimeout = 10 * time.Second
)

// aggPolicyFunc reads a pool's reclaim strategy and snapshots from its
// service.
type aggPolicyFunc func(ctx context.Context, pool target.UUID) (*poolsvc.AggregationReply, error)

// aggregator runs aggregation over every container shard of an engine's
// targets, as each pool's reclaim property says: disabled never; lazy
// when the target ran no operation since the last pass or is short of
// space; time on every pass. Versions visible at a snapshot, and every
// version younger than the window, stay.
type aggregator struct {
	targets []*target.Target
	policy  aggPolicyFunc
	now     func() time.Time
	opts    AggregationOptions
	log     *slog.Logger
	// started is each target's operation count at the previous pass.
	started []uint64
}

func newAggregator(targets []*target.Target, policy aggPolicyFunc, opts AggregationOptions, log *slog.Logger) *aggregator {
	if opts.Interval <= 0 {
		opts.Interval = DefaultAggInterval
	}
	if opts.Window <= 0 {
		opts.Window = DefaultAggWindow
	}
	return &aggregator{targets: targets, policy: policy, now: time.Now, opts: opts, log: log,
		started: make([]uint64, len(targets))}
}

// run makes a pass every interval until ctx ends.
func (a *aggregator) run(ctx context.Context) {
	tick := time.NewTicker(a.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			a.pass(ctx)
		}
	}
}

// aggPassStats sums one pass.
type aggPassStats struct {
	containers, skipped int
	vos.AggregateStats
}

// pass aggregates every pool shard of every target once.
func (a *aggregator) pass(ctx context.Context) aggPassStats {
	var total aggPassStats
	// Taken before the policies are read: a snapshot created after the
	// read is stamped after this, above the boundary, so it loses nothing.
	upTo := daos.Epoch(hlc.Stamp(a.now().Add(-a.opts.Window)))
	idle := make([]bool, len(a.targets))
	for i, t := range a.targets {
		n := t.Exec.Started.Load()
		idle[i] = n == a.started[i]
		a.started[i] = n
	}
	for _, pool := range a.pools() {
		if ctx.Err() != nil {
			return total
		}
		qctx, cancel := context.WithTimeout(ctx, aggQueryTimeout)
		pol, err := a.policy(qctx, pool)
		cancel()
		if err != nil {
			a.log.Debug("aggregation: pool service not read; pool skipped this pass", "pool", pool.String(), "err", err)
			continue
		}
		if pol.Reclaim == poolsvc.ReclaimDisabled {
			continue
		}
		poolUpTo := upTo
		if pol.Now != 0 {
			// Snapshots from now on are stamped by the leader's clock:
			// the window counts from it too, should this engine's run
			// ahead.
			poolUpTo = min(poolUpTo, daos.Epoch(hlc.Stamp(hlc.Time(pol.Now).Add(-a.opts.Window))))
		}
		for i, t := range a.targets {
			shard, err := t.Shard(pool)
			if err != nil {
				continue // no shard of this pool here
			}
			if pol.Reclaim == poolsvc.ReclaimLazy && !idle[i] && !shortOfSpace(shard.Space()) {
				continue
			}
			a.shard(ctx, pool, t, shard, pol, poolUpTo, &total)
		}
	}
	if total.VersionsRemoved > 0 || total.KeysRemoved > 0 {
		a.log.Debug("aggregation pass", "containers", total.containers, "settled", total.skipped,
			"versions_removed", total.VersionsRemoved, "keys_removed", total.KeysRemoved)
	}
	return total
}

// shard aggregates the containers of one target's pool shard that the
// pool service knows (one it does not is being created or destroyed).
func (a *aggregator) shard(ctx context.Context, pool target.UUID, t *target.Target, shard *vos.Pool, pol *poolsvc.AggregationReply, upTo daos.Epoch, total *aggPassStats) {
	for _, cont := range shard.Containers() {
		eps, ok := pol.Snapshots[target.UUID(cont).String()]
		if !ok {
			continue
		}
		snaps := make([]daos.Epoch, len(eps))
		for i, e := range eps {
			snaps[i] = daos.Epoch(e)
		}
		err := shard.SetSnapshots(ctx, cont, snaps)
		var st vos.AggregateStats
		if err == nil {
			st, err = shard.Aggregate(ctx, cont, upTo)
		}
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("aggregation failed", "pool", pool.String(), "target", t.Index(),
					"container", target.UUID(cont).String(), "err", err)
			}
			continue
		}
		total.containers++
		if st.Skipped {
			total.skipped++
		}
		total.VersionsRemoved += st.VersionsRemoved
		total.KeysRemoved += st.KeysRemoved
	}
}

// aggregationPolicy reads a pool's reclaim strategy and snapshots from
// its service, as an engine.
func (e *Engine) aggregationPolicy(ctx context.Context, pool target.UUID) (*poolsvc.AggregationReply, error) {
	uris, err := e.poolServiceURIs(ctx, poolhost.UUID(pool))
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(poolsvc.Query{What: "aggregation"})
	res, _, err := (&poolhost.Client{EP: e.dp.ep}).AdminQueryLeader(ctx, poolhost.UUID(pool), uris, body)
	if err != nil {
		return nil, err
	}
	r := &poolsvc.AggregationReply{}
	if err := json.Unmarshal(res, r); err != nil {
		return nil, daos.Errorf(daos.ErrProto, "pool service aggregation answer: %v", err)
	}
	return r, nil
}

// pools lists the pools with a shard on any target, each once.
func (a *aggregator) pools() []target.UUID {
	var out []target.UUID
	for _, t := range a.targets {
		for _, p := range t.Pools() {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// shortOfSpace: a tier with less than aggLowFree of its space free.
func shortOfSpace(s vos.Space) bool {
	low := func(total, used uint64) bool {
		return total > 0 && float64(total-min(used, total)) < aggLowFree*float64(total)
	}
	return low(s.SCMTotal, s.SCMUsed) || low(s.NVMeTotal, s.NVMeUsed+s.NVMeReserved)
}
