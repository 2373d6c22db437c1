package client

import (
	"bytes"
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/vos"
)

// BatchKind is what a step of a batch does.
type BatchKind = vos.BatchKind

// Batch step kinds.
const (
	BatchUpdate     = vos.BatchUpdate
	BatchPunchDkey  = vos.BatchPunchDkey
	BatchPunchAkeys = vos.BatchPunchAkeys
)

// BatchStep is one step of a batch.
type BatchStep struct {
	Kind  BatchKind
	Dkey  []byte
	IODs  []daos.IOD // updates
	Data  [][]byte   // updates: each IOD's bytes
	Akeys [][]byte   // akey punches
	// Flags are the step's conditions: CondDkeyInsert/Update (and the
	// akey ones) for updates, CondPunch for punches.
	Flags daos.CondFlags
}

// maxBatchData bounds a batch's values: they travel inline, beside the
// keys and IODs, in a message the engine accepts.
const maxBatchData = objproto.MaxInlineBytes - 64<<10

// Batch applies steps to dkeys of the object at one epoch, all or none,
// in one round trip: a failed condition anywhere leaves everything as it
// was. All dkeys must live in one group of the object (always so for
// single-group classes) and the values must be small (maxBatchData);
// otherwise it is DER_NOTSUPPORTED and the caller must do without
// atomicity.
func (o *Object) Batch(ctx context.Context, steps []BatchStep) (daos.Epoch, error) {
	if err := o.writable(); err != nil {
		return 0, err
	}
	if len(steps) == 0 || len(steps) > objproto.MaxBatchSteps {
		return 0, daos.Errorf(daos.ErrInval, "batch of %d steps (want 1 to %d)", len(steps), objproto.MaxBatchSteps)
	}
	wire := make([]objproto.BatchStep, len(steps))
	total := 0
	for i, s := range steps {
		w := objproto.BatchStep{Kind: s.Kind, Flags: s.Flags, Dkey: s.Dkey, IODs: s.IODs, Akeys: s.Akeys}
		if s.Kind == BatchUpdate {
			if len(s.Data) != len(s.IODs) {
				return 0, daos.Errorf(daos.ErrIoInval, "batch step %d: %d buffers for %d IODs", i, len(s.Data), len(s.IODs))
			}
			w.Data = bytes.Join(s.Data, nil)
			total += len(w.Data)
			if o.c.csum.On() {
				w.Csums = make([][]byte, len(s.IODs))
				for j := range s.IODs {
					var err error
					if w.Csums[j], err = o.c.csum.Compute(nil, &s.IODs[j], s.Data[j:j+1], uint64(len(s.Data[j]))); err != nil {
						return 0, fmt.Errorf("batch step %d: checksums of akey %q: %w", i, s.IODs[j].Name, err)
					}
				}
			}
		}
		wire[i] = w
	}
	if total > maxBatchData {
		return 0, daos.Errorf(daos.ErrNotsupported, "batch of %d bytes: batches carry at most %d", total, maxBatchData)
	}
	var epoch daos.Epoch
	err := o.withGroupOf(ctx, steps, func(h objproto.Header, s objclient.Shard) error {
		var err error
		epoch, err = o.c.IO.Batch(ctx, s, h, wire)
		return err
	})
	return epoch, err
}

// withGroupOf is withShard for the one group every step's dkey hashes to.
func (o *Object) withGroupOf(ctx context.Context, steps []BatchStep, fn func(objproto.Header, objclient.Shard) error) error {
	l, err := o.currentLayout()
	if err != nil {
		return err
	}
	g := l.GroupOfDkey(steps[0].Dkey)
	for _, s := range steps[1:] {
		if l.GroupOfDkey(s.Dkey) != g {
			return daos.Errorf(daos.ErrNotsupported, "object %s: batch dkeys %q and %q are in different groups",
				o.oid, steps[0].Dkey, s.Dkey)
		}
	}
	// A map refresh does not move dkeys between groups: the group count
	// is fixed by the object id.
	return o.withShard(ctx, nil, g, fn)
}
