package vos

import (
	"context"
	"errors"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// Journal makes an operation record durable; Append returns only once it
// is. A Pool records every mutation before applying it, and replays the
// records after a restart.
type Journal interface {
	Append(ctx context.Context, typ uint8, payload []byte) error
}

// stagingJournal is a Journal that can write a record and wait for it to
// be durable as two steps. Update uses that to apply the operation under
// the pool's lock and wait outside it, so that concurrent updates share
// one sync (group commit) instead of taking turns.
type stagingJournal interface {
	Journal
	Stage(ctx context.Context, typ uint8, payload []byte) (uint64, error)
	WaitDurable(ctx context.Context, lsn uint64) error
}

// stage writes an update's record without waiting for it to be durable,
// when the journal can; lsn is 0 when the record is already durable (a
// journal that cannot stage) or when there is no journal. The pool's lock
// is held; the caller applies the op, unlocks and calls awaitDurable.
func (p *Pool) stage(ctx context.Context, typ uint8, payload []byte) (sj stagingJournal, lsn uint64, err error) {
	sj, ok := p.journal.(stagingJournal)
	if !ok || p.failed != nil {
		return nil, 0, p.record(ctx, typ, payload)
	}
	if err := ctxError(ctx); err != nil {
		return nil, 0, err
	}
	// Once begun, staging runs to its end (a checkpoint may run inside):
	// a cancellation halfway would stop the pool for nothing.
	lsn, err = sj.Stage(context.WithoutCancel(ctx), typ, payload)
	if err != nil {
		p.failed = daos.Errorf(daos.ErrIo, "VOS pool stopped after a journal failure (reopen it): %v", err)
		return nil, 0, daos.Errorf(daos.ErrIo, "record operation %d in the journal: %v", typ, err)
	}
	// Readers that see the applied op also see this and wait for it
	// (readBarrier): nothing not yet durable is ever returned.
	p.pendingLSN.Store(lsn)
	return sj, lsn, nil
}

// awaitDurable waits, without the pool's lock, for record lsn. A journal
// failure stops the pool; a cancelled wait only fails this call (the
// record may still become durable, like any unacknowledged write).
func (p *Pool) awaitDurable(ctx context.Context, sj stagingJournal, lsn uint64, readLocked bool) error {
	if p.durableLSN.Load() > lsn {
		return nil
	}
	err := sj.WaitDurable(ctx, lsn)
	if err == nil {
		p.markDurable(lsn)
		return nil
	}
	if ctx.Err() != nil {
		return daos.Errorf(daos.ErrTimedout, "wait for record %d to be durable: %v", lsn, err)
	}
	if !readLocked {
		// Readers, which hold the read lock, leave this to the writer (or
		// to the next Stage, which the journal refuses as well).
		p.mu.Lock()
		if p.failed == nil {
			p.failed = daos.Errorf(daos.ErrIo, "VOS pool stopped after a journal failure (reopen it): %v", err)
		}
		p.mu.Unlock()
	}
	return daos.Errorf(daos.ErrIo, "make record %d durable: %v", lsn, err)
}

// pendingRead is what a reader holding the pool's read lock must wait for
// before returning what it read: the last staged update it may have seen.
func (p *Pool) pendingRead() (stagingJournal, uint64) {
	lsn := p.pendingLSN.Load()
	if lsn == 0 || p.durableLSN.Load() > lsn {
		return nil, 0
	}
	sj, _ := p.journal.(stagingJournal)
	return sj, lsn
}

// readBarrier waits until what pendingRead named is durable; readLocked
// says that the caller holds a lock the pool's writers may wait for (the
// read lock, or the NVMe read guard), so a failure must not take the
// pool's lock to stop it.
func (p *Pool) readBarrier(ctx context.Context, sj stagingJournal, lsn uint64, readLocked bool) error {
	if sj == nil {
		return nil
	}
	return p.awaitDurable(ctx, sj, lsn, readLocked)
}

// ctxError is ctx's end as a DAOS error, or nil while it runs.
func ctxError(ctx context.Context) error {
	switch err := ctx.Err(); {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return daos.Errorf(daos.ErrTimedout, "%v", err)
	default:
		return daos.Errorf(daos.ErrCanceled, "%v", err)
	}
}

// settleStaged is called by mutations that record synchronously, right
// after they take the pool's lock: it waits until every staged update is
// durable, so that what they check (conditions, space, existence) rests
// only on durable state. New updates cannot stage meanwhile (the lock is
// held); waiting takes one commit round at most.
func (p *Pool) settleStaged(ctx context.Context) error {
	sj, lsn := p.pendingRead()
	if sj == nil {
		return nil
	}
	err := sj.WaitDurable(context.WithoutCancel(ctx), lsn)
	if err != nil {
		if p.failed == nil {
			p.failed = daos.Errorf(daos.ErrIo, "VOS pool stopped after a journal failure (reopen it): %v", err)
		}
		return daos.Errorf(daos.ErrIo, "make record %d durable: %v", lsn, err)
	}
	p.markDurable(lsn)
	return nil
}

// markDurable records that every record up to lsn is durable; concurrent
// callers may report in any order, so it only ever raises the mark.
func (p *Pool) markDurable(lsn uint64) {
	for {
		cur := p.durableLSN.Load()
		if cur > lsn || p.durableLSN.CompareAndSwap(cur, lsn+1) {
			return
		}
	}
}

// readableContainer is container for enumerations and queries, which
// hold the read lock while they walk: first it waits until every update
// they could see is durable (no update is applied while they hold the
// lock). They take no context, so the wait, one commit round at most,
// cannot be cancelled.
func (p *Pool) readableContainer(id ContainerID) (*container, error) {
	sj, lsn := p.pendingRead()
	if err := p.readBarrier(context.Background(), sj, lsn, true); err != nil {
		return nil, err
	}
	return p.container(id)
}

// record appends an operation to the journal, if the pool has one. A
// failed append may still have reached the medium, so the pool stops
// taking mutations (fail-stop) and nothing the record refers to, such as
// NVMe extents, is given back: the next open sorts out what is durable.
func (p *Pool) record(ctx context.Context, typ uint8, payload []byte) error {
	if p.failed != nil {
		return p.failed
	}
	if p.journal == nil {
		return nil
	}
	if err := ctxError(ctx); err != nil {
		return err
	}
	// Once begun, an append runs to its end: given up while waiting, the
	// record could still become durable while the index never applied it.
	if err := p.journal.Append(context.WithoutCancel(ctx), typ, payload); err != nil {
		p.failed = daos.Errorf(daos.ErrIo, "VOS pool stopped after a journal failure (reopen it): %v", err)
		return daos.Errorf(daos.ErrIo, "record operation %d in the journal: %v", typ, err)
	}
	return nil
}

// usable reports why the pool takes no operations, if it does not.
func (p *Pool) usable() error { return p.failed }

// replayOp applies one journal record to the index. Records are checked as
// they are decoded, and against the index (a record naming a container
// that does not exist is corruption, not something to apply).
func (p *Pool) replayOp(typ uint8, payload []byte) error {
	switch typ {
	case opCreateCont, opDestroyCont, opCommit, opAbort, opAggregate, opDiscard:
		op, err := decodeContOp(payload)
		if err != nil {
			return err
		}
		return p.replayContOp(typ, op)
	case opAggregateRange:
		cont, upTo, from, to, err := decodeAggRange(payload)
		if err != nil {
			return err
		}
		if _, err := p.container(cont); err != nil {
			return corrupt("aggregation range", err)
		}
		p.applyAggregateRange(cont, upTo, from, to) // whether it settled matters to live aggregation only
	case opSetSnapshots:
		cont, snaps, err := decodeSnapshots(payload)
		if err != nil {
			return err
		}
		if _, err := p.container(cont); err != nil {
			return corrupt("snapshot list", err)
		}
		p.conts[cont].snaps = snaps
	case opUpdate:
		op, err := decodeUpdate(payload)
		if err != nil {
			return err
		}
		if _, err := p.container(op.cont); err != nil {
			return corrupt("update", err)
		}
		if p.nvme == nil && op.usesNVMe() {
			return corrupt("update", daos.Errorf(daos.ErrDfInval, "record refers to NVMe but the pool has none"))
		}
		p.applyUpdate(op)
	case opPunch:
		op, err := decodePunch(payload)
		if err != nil {
			return err
		}
		if _, err := p.container(op.cont); err != nil {
			return corrupt("punch", err)
		}
		p.applyPunch(op)
	case opBatch:
		steps, err := decodeBatch(payload)
		if err != nil {
			return err
		}
		for _, s := range steps {
			cont := s.contID()
			if _, err := p.container(cont); err != nil {
				return corrupt("batch", err)
			}
			if s.u != nil && p.nvme == nil && s.u.usesNVMe() {
				return corrupt("batch", daos.Errorf(daos.ErrDfInval, "record refers to NVMe but the pool has none"))
			}
		}
		p.applyBatch(steps)
	default:
		return daos.Errorf(daos.ErrDfInval, "unknown journal record type %d", typ)
	}
	return nil
}

func (p *Pool) replayContOp(typ uint8, op contOp) error {
	_, exists := p.conts[op.cont]
	if typ == opCreateCont {
		if exists {
			return corrupt("container create", daos.Errorf(daos.ErrExist, "container %s", op.cont))
		}
		p.applyCreateCont(op.cont)
		return nil
	}
	if !exists {
		return corrupt(fmt.Sprintf("operation %d", typ), daos.Errorf(daos.ErrNonexist, "container %s", op.cont))
	}
	switch typ {
	case opDestroyCont:
		p.applyDestroyCont(op.cont)
	case opCommit, opAbort:
		if _, ok := p.conts[op.cont].txs[TxID(op.a)]; !ok {
			return corrupt("transaction end", daos.Errorf(daos.ErrNonexist, "transaction %d", op.a))
		}
		if typ == opCommit {
			p.applyCommit(op.cont, TxID(op.a))
		} else {
			p.applyAbort(op.cont, TxID(op.a))
		}
	case opAggregate:
		c := p.conts[op.cont]
		c.aggregated = max(c.aggregated, op.a)
	case opDiscard:
		p.applyDiscard(op.cont, op.a, op.b)
	}
	return nil
}

func corrupt(what string, err error) error {
	return daos.Errorf(daos.ErrDfInval, "journal %s does not match the index: %v", what, err)
}
