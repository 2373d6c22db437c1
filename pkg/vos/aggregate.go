package vos

import (
	"context"
	"fmt"
	"slices"

	"github.com/daos-go/daos/pkg/daos"
)

// SetSnapshots replaces the container's list of pinned epochs (the
// container service owns snapshots; each target is told the list).
func (p *Pool) SetSnapshots(ctx context.Context, cont ContainerID, epochs []daos.Epoch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.settleStaged(ctx); err != nil {
		return fmt.Errorf("set snapshots: %w", err)
	}
	if _, err := p.container(cont); err != nil {
		return fmt.Errorf("set snapshots: %w", err)
	}
	snaps := slices.Clone(epochs)
	slices.Sort(snaps)
	snaps = slices.Compact(snaps)
	if slices.Equal(snaps, p.conts[cont].snaps) {
		return nil // unchanged: nothing to journal
	}
	if err := p.record(ctx, opSetSnapshots, encodeSnapshots(cont, snaps)); err != nil {
		return fmt.Errorf("set snapshots: %w", err)
	}
	p.conts[cont].snaps = snaps
	p.conts[cont].gen++
	return nil
}

// Snapshots returns the pinned epochs, ascending.
func (p *Pool) Snapshots(cont ContainerID) ([]daos.Epoch, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.container(cont)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.snaps), nil
}

// AggregateStats says what an aggregation removed.
type AggregateStats struct {
	VersionsRemoved uint64
	KeysRemoved     uint64
	// Skipped: nothing changed since an aggregation that left nothing
	// at or above its boundary, so this one had nothing to remove and
	// visited nothing.
	Skipped bool
}

// Aggregate removes committed versions below upTo that no view needs: the
// views are each snapshot below upTo and the newest view below upTo. What
// every view reads is unchanged; versions at or above upTo and uncommitted
// ones are not touched. From then on, writes below upTo are refused with
// DER_TX_RESTART.
func (p *Pool) Aggregate(ctx context.Context, cont ContainerID, upTo daos.Epoch) (AggregateStats, error) {
	var st AggregateStats
	if upTo == 0 {
		return st, nil
	}
	// First raise the boundary, so that no write lands below it while the
	// objects are visited.
	p.mu.Lock()
	c, err := p.container(cont)
	if err == nil {
		err = p.settleStaged(ctx)
	}
	if err == nil && c.settled && c.settledGen == c.gen {
		p.mu.Unlock()
		return AggregateStats{Skipped: true}, nil
	}
	if err == nil {
		err = p.record(ctx, opAggregate, encodeContOp(contOp{cont: cont, a: upTo}))
	}
	if err != nil {
		p.mu.Unlock()
		return st, fmt.Errorf("aggregate %s: %w", cont, err)
	}
	c.aggregated = max(c.aggregated, upTo)
	gen, visited := c.gen, c
	p.mu.Unlock()
	// Then visit the objects a few at a time, each batch one journal record,
	// so that readers and writers wait for one batch at most.
	next, more, open := daos.ObjectID{}, true, false
	for more {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("aggregate %s: %w", cont, err)
		}
		var s AggregateStats
		var left bool
		s, left, next, more, err = p.aggregateBatch(ctx, cont, upTo, next)
		if err != nil {
			return st, fmt.Errorf("aggregate %s: %w", cont, err)
		}
		open = open || left
		st.VersionsRemoved += s.VersionsRemoved
		st.KeysRemoved += s.KeysRemoved
	}
	if !open {
		p.mu.Lock()
		// The same container, not one made again under its id meanwhile.
		if c, err := p.container(cont); err == nil && c == visited && c.gen == gen {
			c.settled, c.settledGen = true, gen
		}
		p.mu.Unlock()
	}
	return st, nil
}

// aggBatchObjects is how many objects one aggregation step visits.
const aggBatchObjects = 64

// aggregateBatch aggregates up to aggBatchObjects objects from `from` on,
// says whether it left any stamp at or above upTo or uncommitted, and
// where the next batch starts.
func (p *Pool) aggregateBatch(ctx context.Context, cont ContainerID, upTo daos.Epoch, from daos.ObjectID) (st AggregateStats, left bool, next daos.ObjectID, more bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.container(cont)
	if err == nil {
		err = p.settleStaged(ctx)
	}
	if err != nil {
		return st, true, from, false, err // destroyed meanwhile
	}
	var batch []daos.ObjectID
	c.objs.AscendGreaterOrEqual(&object{oid: from}, func(o *object) bool {
		batch = append(batch, o.oid)
		return len(batch) < aggBatchObjects
	})
	if len(batch) == 0 {
		return st, false, from, false, nil
	}
	last := batch[len(batch)-1]
	if err := p.record(ctx, opAggregateRange, encodeAggRange(cont, upTo, batch[0], last)); err != nil {
		return st, true, from, false, err
	}
	st, left = p.applyAggregateRange(cont, upTo, batch[0], last)
	next, wrapped := nextOID(last)
	return st, left, next, !wrapped && len(batch) == aggBatchObjects, nil
}

// nextOID is the object id after o; wrapped is set past the last one.
func nextOID(o daos.ObjectID) (daos.ObjectID, bool) {
	if o.Lo != ^uint64(0) {
		return daos.ObjectID{Hi: o.Hi, Lo: o.Lo + 1}, false
	}
	if o.Hi != ^uint64(0) {
		return daos.ObjectID{Hi: o.Hi + 1}, false
	}
	return o, true
}

// applyAggregateRange aggregates the objects from..to (inclusive) and says
// whether any stamp it left is at or above upTo or uncommitted (a later
// aggregation may have more to do there). It is deterministic in the
// index state, so the journal only records its arguments.
func (p *Pool) applyAggregateRange(cont ContainerID, upTo daos.Epoch, from, to daos.ObjectID) (AggregateStats, bool) {
	c := p.conts[cont]
	var views []view
	for _, s := range c.snaps {
		if s < upTo {
			views = append(views, view{epoch: s})
		}
	}
	views = append(views, view{epoch: upTo - 1})
	var st AggregateStats
	var objs []*object
	left := false
	c.objs.AscendGreaterOrEqual(&object{oid: from}, func(o *object) bool {
		if to.Less(o.oid) {
			return false
		}
		objs = append(objs, o)
		left = left || anyOpen(o.punches, upTo)
		o.dkeys.Ascend(func(d *dkey) bool {
			left = left || anyOpen(d.punchList(), upTo)
			d.akeys.Ascend(func(a *akey) bool {
				st.VersionsRemoved += p.aggregateAkey(a, views, o, d, upTo)
				left = left || a.openAfterAggregation(upTo)
				return true
			})
			return true
		})
		return true
	})
	st.KeysRemoved = p.pruneObjects(c, objs)
	return st, left
}

// openStamp is a stamp an aggregation below upTo may not touch yet.
func openStamp(s stamp, upTo daos.Epoch) bool { return s.tx != 0 || s.epoch >= upTo }

func anyOpen(ss []stamp, upTo daos.Epoch) bool {
	for _, s := range ss {
		if openStamp(s, upTo) {
			return true
		}
	}
	return false
}

// openAfterAggregation says whether any of the akey's stamps is open.
func (a *akey) openAfterAggregation(upTo daos.Epoch) bool {
	if anyOpen(a.punchList(), upTo) {
		return true
	}
	for i := range a.svs {
		if openStamp(a.svs[i].stamp, upTo) {
			return true
		}
	}
	for i := range a.extents() {
		if openStamp(a.extents()[i].stamp, upTo) {
			return true
		}
	}
	return false
}

// aggregateAkey drops the akey's versions no view needs and returns how
// many it dropped.
func (p *Pool) aggregateAkey(a *akey, views []view, o *object, d *dkey, upTo daos.Epoch) uint64 {
	floors := make([]daos.Epoch, len(views))
	for i, v := range views {
		floors[i] = v.floor(v.floor(v.floor(0, o.punches), d.punchList()), a.punchList())
	}
	candidate := func(s stamp) bool { return !openStamp(s, upTo) }

	neededSV := make(map[int]bool)
	for i, v := range views {
		if j := a.newestSV(v, floors[i]); j >= 0 {
			neededSV[j] = true
		}
	}
	neededArr := make(map[*arrRec]bool)
	for i, v := range views {
		for _, f := range visibleFragments(a.extents(), v, floors[i], daos.Recx{Idx: 0, Nr: ^uint64(0)}) {
			neededArr[f.rec] = true
		}
	}
	keepArr := make([]bool, len(a.extents()))
	for i := range a.extents() {
		r := &a.extents()[i]
		keepArr[i] = !candidate(r.stamp) || neededArr[r]
	}
	// A punched range (record size 0) stays while it still hides something
	// that stays.
	for i := range a.extents() {
		if keepArr[i] || a.extents()[i].rsize != 0 {
			continue
		}
		for j := 0; j < i; j++ {
			if keepArr[j] && a.extents()[j].rsize != 0 && a.extents()[j].epoch <= a.extents()[i].epoch && a.extents()[j].recx.Overlaps(a.extents()[i].recx) {
				keepArr[i] = true
				break
			}
		}
		for j := i + 1; j < len(a.extents()) && !keepArr[i]; j++ {
			if keepArr[j] && a.extents()[j].rsize != 0 && a.extents()[j].epoch < a.extents()[i].epoch && a.extents()[j].recx.Overlaps(a.extents()[i].recx) {
				keepArr[i] = true
			}
		}
	}
	removed := uint64(0)
	svs := a.svs[:0]
	for i, r := range a.svs {
		if !candidate(r.stamp) || neededSV[i] {
			svs = append(svs, r)
			continue
		}
		p.releaseValue(r.val)
		removed++
	}
	clear(a.svs[len(svs):])
	a.svs = svs
	arr := a.extents()[:0]
	for i, r := range a.extents() {
		if keepArr[i] {
			arr = append(arr, r)
			continue
		}
		p.releaseValue(r.val)
		removed++
	}
	clear(a.extents()[len(arr):])
	a.setExtents(arr)
	return removed
}

// Discard removes everything written or punched at epochs from..to
// (inclusive), committed or not, at every level of the container.
func (p *Pool) Discard(ctx context.Context, cont ContainerID, from, to daos.Epoch) error {
	if from > to {
		return fmt.Errorf("discard: %w", daos.Errorf(daos.ErrInval, "epoch range %d..%d is empty", from, to))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.container(cont)
	if err == nil {
		err = p.settleStaged(ctx)
	}
	if err != nil {
		return fmt.Errorf("discard: %w", err)
	}
	if from > 1 && from < c.aggregated && !slices.Contains(c.snaps, from-1) {
		// Aggregation dropped versions that the discarded ones shadowed;
		// only a range that starts just after a snapshot (whose view was
		// kept) or at or above the boundary can be undone exactly.
		return fmt.Errorf("discard %s: %w", cont, daos.Errorf(daos.ErrInval,
			"range %d..%d starts below the aggregated epoch %d and not just after a snapshot", from, to, c.aggregated))
	}
	if err := p.record(ctx, opDiscard, encodeContOp(contOp{cont: cont, a: from, b: to})); err != nil {
		return fmt.Errorf("discard %s: %w", cont, err)
	}
	p.applyDiscard(cont, from, to)
	return nil
}

func (p *Pool) applyDiscard(cont ContainerID, from, to daos.Epoch) {
	c := p.conts[cont]
	c.gen++
	keep := func(s stamp) bool { return s.epoch < from || s.epoch > to }
	c.objs.Ascend(func(o *object) bool {
		o.punches = p.filterPunches(o.punches, keep)
		o.dkeys.Ascend(func(d *dkey) bool {
			d.setPunches(p.filterPunches(d.punchList(), keep))
			d.akeys.Ascend(func(a *akey) bool {
				p.filterAkey(a, keep)
				return true
			})
			return true
		})
		return true
	})
	p.pruneEmpty(c)
}

// pruneEmpty prunes every object of the container (see pruneObjects).
func (p *Pool) pruneEmpty(c *container) uint64 {
	var objs []*object
	c.objs.Ascend(func(o *object) bool {
		objs = append(objs, o)
		return true
	})
	return p.pruneObjects(c, objs)
}

// pruneObjects removes keys and objects left with nothing and returns how
// many it removed. A key holding a transaction's stamp is never empty, so
// transactions only lose references to keys they no longer own anything in
// (the same whether the pool was replayed, loaded from a checkpoint or
// never restarted).
func (p *Pool) pruneObjects(c *container, objs []*object) uint64 {
	removed := uint64(0)
	var deadObjs []*object
	for _, o := range objs {
		var deadDkeys []*dkey
		o.dkeys.Ascend(func(d *dkey) bool {
			var deadAkeys []*akey
			d.akeys.Ascend(func(a *akey) bool {
				if len(a.svs) == 0 && len(a.extents()) == 0 && len(a.punchList()) == 0 {
					deadAkeys = append(deadAkeys, a)
				}
				return true
			})
			for _, a := range deadAkeys {
				d.akeys.Delete(a)
				p.scmUsed -= recordOverheadBytes + uint64(len(a.name))
				removed++
			}
			if d.akeys.Len() == 0 && len(d.punchList()) == 0 {
				deadDkeys = append(deadDkeys, d)
			}
			return true
		})
		for _, d := range deadDkeys {
			o.dkeys.Delete(d)
			for _, t := range c.txs {
				delete(t.dkeys, d)
			}
			p.scmUsed -= recordOverheadBytes + uint64(len(d.name))
			removed++
		}
		if o.dkeys.Len() == 0 && len(o.punches) == 0 {
			deadObjs = append(deadObjs, o)
		}
	}
	for _, o := range deadObjs {
		c.objs.Delete(o)
		for _, t := range c.txs {
			delete(t.objs, o)
		}
		p.scmUsed -= recordOverheadBytes
		removed++
	}
	return removed
}
