package vos

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// Journal makes an operation record durable; Append returns only once it
// is. A Pool records every mutation before applying it, and replays the
// records after a restart.
type Journal interface {
	Append(ctx context.Context, typ uint8, payload []byte) error
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
	if err := p.journal.Append(ctx, typ, payload); err != nil {
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
		p.applyAggregateRange(cont, upTo, from, to)
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
