package vos

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// BatchKind is what one step of a batch does.
type BatchKind uint8

const (
	// BatchUpdate writes IODs of a dkey.
	BatchUpdate BatchKind = iota + 1
	// BatchPunchDkey punches a dkey.
	BatchPunchDkey
	// BatchPunchAkeys punches akeys of a dkey.
	BatchPunchAkeys
)

// BatchOp is one step of a batch.
type BatchOp struct {
	Kind  BatchKind
	Dkey  []byte
	IODs  []daos.IOD // BatchUpdate
	Data  [][]byte   // BatchUpdate: per IOD, as Update takes them
	Akeys [][]byte   // BatchPunchAkeys
	// Flags are the step's conditions, checked against the state before
	// the batch: CondDkeyInsert/Update (and akey ones) for updates,
	// CondPunch for punches.
	Flags daos.CondFlags
	// Csums are stored with an update's data, as UpdateOptions.Csums.
	Csums [][][]byte
}

// MaxBatchOps bounds the steps of one batch.
const MaxBatchOps = 16

// batchStep is a checked step: exactly one of u and p is set.
type batchStep struct {
	u     *updateOp
	p     *punchOp
	iods  []daos.IOD
	flags daos.CondFlags
}

// Batch applies ops to dkeys of one object at one epoch, all or none:
// every condition is checked before anything changes, the steps go to the
// journal as one record (so a crash keeps all of them or none), and no
// reader sees some without the others. A dkey may appear in several
// steps only if no akey does twice and no step punches the whole dkey.
// Values are kept in SCM whatever their size: batches are for small
// metadata such as directory entries.
func (p *Pool) Batch(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, ops []BatchOp) error {
	// Formatted only on failure: this is on every call's path.
	failed := func(err error) error { return fmt.Errorf("batch on %s/%s: %w", cont, oid, err) }
	steps, err := buildBatch(cont, oid, epoch, ops)
	if err != nil {
		return failed(err)
	}
	// Large values go to NVMe first, as for Update; if the batch is then
	// refused, their extents are given back.
	var written []extent
	for _, s := range steps {
		if s.u != nil {
			w, err := p.writeLargeValues(ctx, s.u)
			written = append(written, w...)
			if err != nil {
				p.releaseWritten(written)
				return failed(err)
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.admitBatch(ctx, cont, epoch, steps); err != nil {
		if p.nvme != nil && len(written) > 0 {
			releaseUnreferenced(p.nvme, written)
		}
		return failed(err)
	}
	if err := p.record(ctx, opBatch, encodeBatch(steps)); err != nil {
		// Like any record that may have reached the journal, its extents
		// stay allocated.
		return failed(err)
	}
	p.applyBatch(steps)
	return nil
}

func (p *Pool) releaseWritten(written []extent) {
	if len(written) == 0 {
		return
	}
	p.mu.RLock()
	nvme := p.nvme
	p.mu.RUnlock()
	if nvme != nil {
		releaseUnreferenced(nvme, written)
	}
}

// admitBatch checks every step's conditions and the space all need.
func (p *Pool) admitBatch(ctx context.Context, cont ContainerID, epoch daos.Epoch, steps []batchStep) error {
	c, err := p.container(cont)
	if err == nil {
		err = p.settleStaged(ctx)
	}
	if err == nil {
		err = c.checkWritable(epoch)
	}
	if err != nil {
		return err
	}
	cost := uint64(0)
	for _, s := range steps {
		if s.u != nil {
			if err := checkUpdateConds(c, s.u, s.iods, s.flags); err != nil {
				return fmt.Errorf("dkey %q: %w", s.u.dkey, err)
			}
			cost += p.updateSCMCost(c, s.u)
			if err := checkAkeyTypes(s.u); err != nil {
				return fmt.Errorf("dkey %q: %w", s.u.dkey, err)
			}
			// An earlier step may create the object or dkey this one
			// found absent: apply searches again.
			s.u.found.searched = false
			continue
		}
		if s.flags&daos.CondPunch != 0 {
			if err := checkPunchCond(c, s.p); err != nil {
				return err
			}
		}
		cost += punchSCMCost(c, s.p)
	}
	return p.haveSCM(cost)
}

// buildBatch checks the caller's steps and shapes them into ops.
func buildBatch(cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, ops []BatchOp) ([]batchStep, error) {
	if len(ops) == 0 || len(ops) > MaxBatchOps {
		return nil, daos.Errorf(daos.ErrInval, "%d steps (want 1 to %d)", len(ops), MaxBatchOps)
	}
	if epoch == 0 || epoch == daos.EpochMax {
		return nil, daos.Errorf(daos.ErrInval, "epoch %d cannot be written", epoch)
	}
	// Per dkey: whether it is punched whole, and the akeys touched.
	type use struct {
		whole bool
		akeys map[string]bool
	}
	uses := map[string]*use{}
	touch := func(dk []byte, whole bool, akeys []string) error {
		u := uses[string(dk)]
		if u == nil {
			u = &use{akeys: map[string]bool{}}
			uses[string(dk)] = u
		} else if whole || u.whole {
			return daos.Errorf(daos.ErrInval, "dkey %q is punched whole and used by another step", dk)
		}
		u.whole = whole
		for _, a := range akeys {
			if u.akeys[a] {
				return daos.Errorf(daos.ErrInval, "akey %q of dkey %q is in two steps", a, dk)
			}
			u.akeys[a] = true
		}
		return nil
	}
	steps := make([]batchStep, 0, len(ops))
	for i, o := range ops {
		if err := checkDkey(oid, o.Dkey); err != nil {
			return nil, fmt.Errorf("step %d: %w", i, err)
		}
		switch o.Kind {
		case BatchUpdate:
			if o.Flags&daos.CondPunch != 0 {
				return nil, daos.Errorf(daos.ErrInval, "step %d: an update takes no punch condition", i)
			}
			u, err := buildUpdate(cont, oid, epoch, o.Dkey, o.IODs, o.Data, UpdateOptions{Flags: o.Flags, Csums: o.Csums}, nil)
			if err != nil {
				return nil, fmt.Errorf("step %d: %w", i, err)
			}
			names := make([]string, len(u.akeys))
			for j := range u.akeys {
				names[j] = u.akeys[j].name
			}
			if err := touch(o.Dkey, false, names); err != nil {
				return nil, err
			}
			steps = append(steps, batchStep{u: u, iods: o.IODs, flags: o.Flags})
		case BatchPunchDkey, BatchPunchAkeys:
			if o.Flags&^daos.CondPunch != 0 {
				return nil, daos.Errorf(daos.ErrInval, "step %d: a punch takes only the punch condition", i)
			}
			pu := &punchOp{cont: cont, oid: oid, epoch: epoch, dkeys: []string{string(o.Dkey)}}
			if o.Kind == BatchPunchAkeys {
				if len(o.Akeys) == 0 || len(o.Akeys) > MaxIODs {
					return nil, daos.Errorf(daos.ErrInval, "step %d: %d akeys (want 1 to %d)", i, len(o.Akeys), MaxIODs)
				}
				var err error
				if pu.akeys, err = uniqueKeys("akey", o.Akeys); err != nil {
					return nil, fmt.Errorf("step %d: %w", i, err)
				}
			}
			if err := touch(o.Dkey, o.Kind == BatchPunchDkey, pu.akeys); err != nil {
				return nil, err
			}
			steps = append(steps, batchStep{p: pu, flags: o.Flags})
		default:
			return nil, daos.Errorf(daos.ErrInval, "step %d: unknown kind %d", i, o.Kind)
		}
	}
	return steps, nil
}

func (s batchStep) contID() ContainerID {
	if s.u != nil {
		return s.u.cont
	}
	return s.p.cont
}

func (p *Pool) applyBatch(steps []batchStep) {
	for _, s := range steps {
		if s.u != nil {
			p.applyUpdate(s.u)
		} else {
			p.applyPunch(s.p)
		}
	}
}

// encodeBatch is a count, then each step as its kind (opUpdate or
// opPunch) and its record as those operations write it.
func encodeBatch(steps []batchStep) []byte {
	var e encoder
	e.u64(uint64(len(steps)))
	for _, s := range steps {
		if s.u != nil {
			e.u64(uint64(opUpdate))
			e.bytes(appendUpdate(nil, s.u))
		} else {
			e.u64(uint64(opPunch))
			e.bytes(encodePunch(s.p))
		}
	}
	return e.b
}

// maxBatchRecord bounds one step's record when decoding.
const maxBatchRecord = 64 << 20

func decodeBatch(b []byte) ([]batchStep, error) {
	d := decoder{b: b}
	n := d.count(MaxBatchOps, 2)
	steps := make([]batchStep, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		typ := d.u64()
		rec := d.bytes(maxBatchRecord)
		if d.err != nil {
			break
		}
		switch uint8(typ) {
		case opUpdate:
			u, err := decodeUpdate(rec)
			if err != nil {
				return nil, err
			}
			steps = append(steps, batchStep{u: u})
		case opPunch:
			pu, err := decodePunch(rec)
			if err != nil {
				return nil, err
			}
			steps = append(steps, batchStep{p: pu})
		default:
			return nil, daos.Errorf(daos.ErrDfInval, "decode batch: step of type %d", typ)
		}
	}
	if err := d.finish("batch"); err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return nil, daos.Errorf(daos.ErrDfInval, "decode batch: no steps")
	}
	return steps, nil
}
