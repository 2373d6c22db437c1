package vos

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// PunchOptions qualify a punch.
type PunchOptions struct {
	// Flags: CondPunch makes punching a key that does not exist (as of the
	// punch's epoch) DER_NONEXIST.
	Flags daos.CondFlags
	// Tx makes the punch part of a transaction.
	Tx TxID
}

// punchOp is one applied punch: of the object (no keys), of dkeys, or of
// akeys of one dkey.
type punchOp struct {
	cont  ContainerID
	oid   daos.ObjectID
	epoch daos.Epoch
	tx    TxID
	dkeys []string // object punch when empty
	akeys []string // akeys of dkeys[0] when set
}

// PunchObject hides every key of the object written at or before epoch
// from reads at or after epoch.
func (p *Pool) PunchObject(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, opts PunchOptions) error {
	return p.punch(ctx, &punchOp{cont: cont, oid: oid, epoch: epoch, tx: opts.Tx}, opts.Flags)
}

// PunchDkeys punches whole dkeys of the object.
func (p *Pool) PunchDkeys(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, dkeys [][]byte, opts PunchOptions) error {
	if len(dkeys) == 0 || len(dkeys) > MaxIODs {
		return fmt.Errorf("punch dkeys of %s/%s: %w", cont, oid, daos.Errorf(daos.ErrInval, "%d dkeys (want 1 to %d)", len(dkeys), MaxIODs))
	}
	op := &punchOp{cont: cont, oid: oid, epoch: epoch, tx: opts.Tx}
	var err error
	if op.dkeys, err = uniqueKeys("dkey", dkeys); err != nil {
		return fmt.Errorf("punch dkeys of %s/%s: %w", cont, oid, err)
	}
	for _, k := range dkeys {
		if err := checkDkey(oid, k); err != nil {
			return fmt.Errorf("punch dkeys of %s/%s: %w", cont, oid, err)
		}
	}
	return p.punch(ctx, op, opts.Flags)
}

// PunchAkeys punches akeys of one dkey.
func (p *Pool) PunchAkeys(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, dkeyName []byte, akeys [][]byte, opts PunchOptions) error {
	if err := checkDkey(oid, dkeyName); err != nil {
		return fmt.Errorf("punch akeys of %s/%s: %w", cont, oid, err)
	}
	if len(akeys) == 0 || len(akeys) > MaxIODs {
		return fmt.Errorf("punch akeys of %s/%s: %w", cont, oid, daos.Errorf(daos.ErrInval, "%d akeys (want 1 to %d)", len(akeys), MaxIODs))
	}
	op := &punchOp{cont: cont, oid: oid, epoch: epoch, tx: opts.Tx, dkeys: []string{string(dkeyName)}}
	var err error
	if op.akeys, err = uniqueKeys("akey", akeys); err != nil {
		return fmt.Errorf("punch akeys of %s/%s: %w", cont, oid, err)
	}
	return p.punch(ctx, op, opts.Flags)
}

// uniqueKeys checks keys and drops repeats (a key punched twice in one
// call is punched once).
func uniqueKeys(what string, keys [][]byte) ([]string, error) {
	out := make([]string, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if err := checkKey(what, k); err != nil {
			return nil, err
		}
		if !seen[string(k)] {
			seen[string(k)] = true
			out = append(out, string(k))
		}
	}
	return out, nil
}

func (p *Pool) punch(ctx context.Context, op *punchOp, flags daos.CondFlags) error {
	// Formatted only on failure: this is on every call's path.
	failed := func(err error) error { return fmt.Errorf("punch %s/%s: %w", op.cont, op.oid, err) }
	if op.epoch == 0 || op.epoch == daos.EpochMax {
		return failed(daos.Errorf(daos.ErrInval, "epoch %d cannot be written", op.epoch))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.container(op.cont)
	if err == nil {
		err = p.settleStaged(ctx)
	}
	if err != nil {
		return failed(err)
	}
	if err := c.checkWritable(op.epoch); err != nil {
		return failed(err)
	}
	if flags&daos.CondPunch != 0 {
		if err := checkPunchCond(c, op); err != nil {
			return failed(err)
		}
	}
	if err := p.haveSCM(punchSCMCost(c, op)); err != nil {
		return failed(err)
	}
	if err := p.record(ctx, opPunch, encodePunch(op)); err != nil {
		return failed(err)
	}
	p.applyPunch(op)
	return nil
}

// checkPunchCond: with CondPunch every punched key must exist.
func checkPunchCond(c *container, op *punchOp) error {
	v := view{epoch: op.epoch, tx: op.tx}
	latest := view{epoch: daos.EpochMax, tx: op.tx}
	o := c.object(op.oid, false)
	if len(op.dkeys) == 0 {
		at, now := o != nil && o.exists(v), o != nil && o.exists(latest)
		if at != now {
			return condRestart("object", op.epoch)
		}
		if !at {
			return daos.Errorf(daos.ErrNonexist, "conditional punch: object does not exist")
		}
		return nil
	}
	floor, lfloor := daos.Epoch(0), daos.Epoch(0)
	if o != nil {
		floor, lfloor = v.floor(0, o.punches), latest.floor(0, o.punches)
	}
	for _, dk := range op.dkeys {
		var d *dkey
		if o != nil {
			d = o.dkey(dk, false)
		}
		if len(op.akeys) == 0 {
			at, now := d != nil && d.exists(v, floor), d != nil && d.exists(latest, lfloor)
			if at != now {
				return condRestart("dkey", op.epoch)
			}
			if !at {
				return daos.Errorf(daos.ErrNonexist, "conditional punch: dkey %q does not exist", dk)
			}
			continue
		}
		for _, ak := range op.akeys {
			var a *akey
			if d != nil {
				a = d.akey(ak, false)
			}
			at := a != nil && a.exists(v, v.floor(floor, d.punchList()))
			now := a != nil && a.exists(latest, latest.floor(lfloor, d.punchList()))
			if at != now {
				return condRestart("akey", op.epoch)
			}
			if !at {
				return daos.Errorf(daos.ErrNonexist, "conditional punch: akey %q does not exist", ak)
			}
		}
	}
	return nil
}

// punchSCMCost charges each punch record and each key it has to create.
func punchSCMCost(c *container, op *punchOp) uint64 {
	o := c.object(op.oid, false)
	cost := uint64(0)
	if o == nil {
		cost += recordOverheadBytes
	}
	if len(op.dkeys) == 0 {
		return cost + recordOverheadBytes
	}
	for _, dk := range op.dkeys {
		var d *dkey
		if o != nil {
			d = o.dkey(dk, false)
		}
		if d == nil {
			cost += recordOverheadBytes + uint64(len(dk))
		}
		if len(op.akeys) == 0 {
			cost += recordOverheadBytes
			continue
		}
		for _, ak := range op.akeys {
			if d == nil || d.akey(ak, false) == nil {
				cost += recordOverheadBytes + uint64(len(ak))
			}
			cost += recordOverheadBytes
		}
	}
	return cost
}

// applyPunch records the punch; keys that do not exist yet are created so
// that a write below the punch's epoch arriving later stays hidden.
func (p *Pool) applyPunch(op *punchOp) {
	c := p.conts[op.cont]
	p.scmUsed += punchSCMCost(c, op)
	o := c.object(op.oid, true)
	o.noteWrite(op.epoch)
	c.gen++
	s := stamp{op.epoch, op.tx}
	var t *txn
	if op.tx != 0 {
		t = c.tx(op.tx)
	}
	if len(op.dkeys) == 0 {
		o.punches = append(o.punches, s)
		if t != nil {
			t.touch(o, nil)
		}
		return
	}
	for _, dk := range op.dkeys {
		d := o.dkey(dk, true)
		if t != nil {
			t.touch(o, d)
		}
		if len(op.akeys) == 0 {
			d.setPunches(append(d.punchList(), s))
			continue
		}
		for _, ak := range op.akeys {
			a := d.akey(c.intern(ak), true)
			a.setPunches(append(a.punchList(), s))
		}
	}
}
