package vos

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// txn remembers where a transaction wrote, so that commit and abort visit
// only those keys.
type txn struct {
	objs  map[*object]struct{}
	dkeys map[*dkey]struct{}
}

func (c *container) tx(id TxID) *txn {
	t := c.txs[id]
	if t == nil {
		t = &txn{objs: make(map[*object]struct{}), dkeys: make(map[*dkey]struct{})}
		c.txs[id] = t
	}
	return t
}

func (t *txn) touch(o *object, d *dkey) {
	t.objs[o] = struct{}{}
	if d != nil {
		t.dkeys[d] = struct{}{}
	}
}

// Commit makes a transaction's updates and punches visible to everyone.
// An unknown transaction is DER_NONEXIST.
func (p *Pool) Commit(ctx context.Context, cont ContainerID, id TxID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.settleStaged(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if _, _, err := p.txOf(cont, id); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if err := p.record(ctx, opCommit, encodeContOp(contOp{cont: cont, a: uint64(id)})); err != nil {
		return fmt.Errorf("commit transaction %d: %w", id, err)
	}
	p.applyCommit(cont, id)
	return nil
}

func (p *Pool) applyCommit(cont ContainerID, id TxID) {
	c := p.conts[cont]
	c.gen++
	c.txs[id].each(func(s *stamp) {
		if s.tx == id {
			s.tx = 0
		}
	})
	delete(c.txs, id)
}

// Abort removes a transaction's updates and punches as if they had never
// been made. An unknown transaction is DER_NONEXIST.
func (p *Pool) Abort(ctx context.Context, cont ContainerID, id TxID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.settleStaged(ctx); err != nil {
		return fmt.Errorf("abort: %w", err)
	}
	if _, _, err := p.txOf(cont, id); err != nil {
		return fmt.Errorf("abort: %w", err)
	}
	if err := p.record(ctx, opAbort, encodeContOp(contOp{cont: cont, a: uint64(id)})); err != nil {
		return fmt.Errorf("abort transaction %d: %w", id, err)
	}
	p.applyAbort(cont, id)
	return nil
}

func (p *Pool) applyAbort(cont ContainerID, id TxID) {
	c := p.conts[cont]
	c.gen++
	t := c.txs[id]
	keep := func(s stamp) bool { return s.tx != id }
	for o := range t.objs {
		o.punches = p.filterPunches(o.punches, keep)
	}
	for d := range t.dkeys {
		d.setPunches(p.filterPunches(d.punchList(), keep))
		d.akeys.Ascend(func(a *akey) bool {
			p.filterAkey(a, keep)
			return true
		})
	}
	delete(c.txs, id)
}

// Transactions lists the container's open (prepared, uncommitted)
// transactions.
func (p *Pool) Transactions(cont ContainerID) ([]TxID, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.readableContainer(cont)
	if err != nil {
		return nil, err
	}
	out := make([]TxID, 0, len(c.txs))
	for id := range c.txs {
		out = append(out, id)
	}
	return out, nil
}

func (p *Pool) txOf(cont ContainerID, id TxID) (*container, *txn, error) {
	c, err := p.container(cont)
	if err != nil {
		return nil, nil, err
	}
	t, ok := c.txs[id]
	if !ok || id == 0 {
		return nil, nil, daos.Errorf(daos.ErrNonexist, "transaction %d in container %s", id, cont)
	}
	return c, t, nil
}

// each visits every stamp the transaction may own.
func (t *txn) each(f func(*stamp)) {
	for o := range t.objs {
		for i := range o.punches {
			f(&o.punches[i])
		}
	}
	for d := range t.dkeys {
		for i := range d.punchList() {
			f(&d.punchList()[i])
		}
		d.akeys.Ascend(func(a *akey) bool {
			for i := range a.punchList() {
				f(&a.punchList()[i])
			}
			for i := range a.svs {
				f(&a.svs[i].stamp)
			}
			for i := range a.extents() {
				f(&a.extents()[i].stamp)
			}
			return true
		})
	}
}

// filterPunches keeps the punches keep accepts and returns the others'
// space.
func (p *Pool) filterPunches(ps []stamp, keep func(stamp) bool) []stamp {
	out := ps[:0]
	for _, s := range ps {
		if keep(s) {
			out = append(out, s)
		} else {
			p.scmUsed -= recordOverheadBytes
		}
	}
	return out
}

// filterAkey keeps the versions keep accepts and releases the others.
func (p *Pool) filterAkey(a *akey, keep func(stamp) bool) {
	a.setPunches(p.filterPunches(a.punchList(), keep))
	svs := a.svs[:0]
	for _, r := range a.svs {
		if keep(r.stamp) {
			svs = append(svs, r)
		} else {
			p.releaseValue(r.val)
		}
	}
	clear(a.svs[len(svs):])
	a.svs = svs
	arr := a.extents()[:0]
	for _, r := range a.extents() {
		if keep(r.stamp) {
			arr = append(arr, r)
		} else {
			p.releaseValue(r.val)
		}
	}
	clear(a.extents()[len(arr):])
	a.setExtents(arr)
}
