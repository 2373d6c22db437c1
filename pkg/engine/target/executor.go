package target

import (
	"context"
	"sync/atomic"

	"github.com/daos-go/daos/pkg/daos"
)

// DefaultConcurrency is how many operations a target runs at once.
const DefaultConcurrency = 64

// Executor runs a target's operations. A DAOS target is one execution
// stream running many user-level threads, each parked while it waits for
// storage; here each operation is a goroutine and the executor bounds how
// many run at once per target, so one busy target cannot take every core
// and its operations queue in the order they arrived. (One goroutine
// running operations one at a time would serialise each target's journal
// waits and defeat VOS's group commit.)
type Executor struct {
	slots chan struct{}
	// maxWaiting bounds the operations queued for a slot: beyond it a
	// target answers DER_BUSY at once, so a flood aimed at one target
	// cannot hold every request handler of the engine (and with them
	// other targets' I/O and the pool services' raft traffic).
	maxWaiting int64
	waiting    atomic.Int64
	// Counters for telemetry.
	Started, Done, Failed atomic.Uint64
	Busy                  atomic.Int64
}

// NewExecutor makes an executor running up to n operations at once.
func NewExecutor(n int) *Executor {
	if n <= 0 {
		n = DefaultConcurrency
	}
	return &Executor{slots: make(chan struct{}, n), maxWaiting: int64(4 * n)}
}

// Run runs fn once a slot is free, or fails when ctx ends first.
func (x *Executor) Run(ctx context.Context, fn func(context.Context) error) error {
	select {
	case x.slots <- struct{}{}:
	default:
		if x.waiting.Add(1) > x.maxWaiting {
			x.waiting.Add(-1)
			return daos.Errorf(daos.ErrBusy, "target busy: %d operations already waiting", x.maxWaiting)
		}
		select {
		case x.slots <- struct{}{}:
			x.waiting.Add(-1)
		case <-ctx.Done():
			x.waiting.Add(-1)
			return daos.Errorf(daos.ErrTimedout, "target busy: %v", ctx.Err())
		}
	}
	x.Started.Add(1)
	x.Busy.Add(1)
	defer func() {
		x.Busy.Add(-1)
		<-x.slots
	}()
	err := fn(ctx)
	x.Done.Add(1)
	if err != nil {
		x.Failed.Add(1)
	}
	return err
}
