package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/gopool"
)

// Event queues (daos_eq_* and daos_event_*).
//
// The caller makes an EQ and events bound to it, launches operations on
// the events and harvests completed events with Poll. Any client
// operation can run asynchronously: Launch takes a function of a context,
// which runs on its own goroutine; the function's error becomes the
// event's result. One goroutine can keep thousands of operations in
// flight and poll them.
//
// Memory: an EQ holds its running events and its completed, unpolled
// events; nothing else grows. Events are the caller's and are reused
// after completion without being made again (as DAOS events are caller
// memory); Poll fills a slice the caller provides.
//
// Life of an event: Ready, Launch → Running, the function returns →
// Completed (Aborted if it was aborted), Poll or Test harvests it →
// Ready again (its Err stays readable until the next Launch). Launching an
// event that is running or completed but not yet harvested is refused
// with DER_BUSY, so one event never has two results pending.

// EventStatus is daos_ev_status_t.
type EventStatus int

// Event states, numbered as daos_ev_status_t.
const (
	EventReady     EventStatus = 0
	EventRunning   EventStatus = 1
	EventCompleted EventStatus = 2
	EventAborted   EventStatus = 3
)

func (s EventStatus) String() string {
	switch s {
	case EventReady:
		return "ready"
	case EventRunning:
		return "running"
	case EventCompleted:
		return "completed"
	case EventAborted:
		return "aborted"
	}
	return fmt.Sprintf("EventStatus(%d)", int(s))
}

// Poll timeouts (DAOS_EQ_WAIT, DAOS_EQ_NOWAIT).
const (
	EQWait   time.Duration = -1
	EQNoWait time.Duration = 0
)

// EQQuery selects what EQ.Query counts (daos_eq_query_t).
type EQQuery int

// Query selections, numbered as daos_eq_query_t.
const (
	EQQueryCompleted EQQuery = 1
	EQQueryWaiting   EQQuery = 2
	EQQueryAll       EQQuery = 3
)

// EQ is an event queue.
type EQ struct {
	mu        sync.Mutex
	running   map[*Event]struct{}
	completed []*Event // in completion order, unpolled
	// changed is closed (and replaced) whenever an event completes or the
	// EQ is destroyed, waking pollers.
	changed   chan struct{}
	pollers   int // Polls waiting on changed: with none, it is left alone
	destroyed bool
	// notify, when set, is also told of those changes (outside the lock),
	// for pollers that wait elsewhere.
	notify func()
	// handoff, when set, takes every completed event instead of the
	// completed list: the event is Ready again at once and whoever
	// handoff gives it to keeps the harvesting (libdaos keeps completions
	// in C memory, so that a C thread polls without entering Go).
	handoff func(ev *Event, err error)
	// workers run the operations: goroutines are reused across events.
	workers *gopool.Pool
}

// eqIdle is how long an EQ keeps an idle operation goroutine.
const eqIdle = 5 * time.Second

// NewEQ makes an event queue (daos_eq_create).
func NewEQ() *EQ { return NewEQNotify(nil) }

// NewEQNotify makes an event queue that calls notify whenever an event
// completes or the queue is destroyed.
func NewEQNotify(notify func()) *EQ {
	return &EQ{running: map[*Event]struct{}{}, changed: make(chan struct{}), notify: notify, workers: gopool.New(eqIdle)}
}

// NewEQHandoff makes an event queue that hands every completed event,
// with its result, to handoff (on the goroutine that completed it,
// outside the queue's lock) instead of keeping it for Poll: Poll and Test
// never see it, and it can be launched again as soon as handoff is called.
func NewEQHandoff(handoff func(ev *Event, err error)) *EQ {
	eq := NewEQNotify(nil)
	eq.handoff = handoff
	return eq
}

// Event is one asynchronous operation slot.
type Event struct {
	// Tag is the caller's, set before the event is first launched (libdaos
	// keeps the C event's address there for handoff).
	Tag any

	eq *EQ         // nil: a standalone event
	mu *sync.Mutex // eq.mu, or own for a standalone event

	status  EventStatus
	err     error
	aborted bool
	// The running launch's context is ended by cancel, or by sctx's
	// cancel for a started operation on a context that never ends.
	cancel context.CancelFunc
	sctx   *startCtx
	done   chan struct{} // closed when the current launch completes
	fini   bool
}

// NewEvent makes an event bound to eq (daos_event_init); eq nil makes a
// standalone event, observed with Test only.
func NewEvent(eq *EQ) (*Event, error) {
	ev := &Event{eq: eq}
	if eq == nil {
		ev.mu = &sync.Mutex{}
		return ev, nil
	}
	eq.mu.Lock()
	defer eq.mu.Unlock()
	if eq.destroyed {
		return nil, daos.Errorf(daos.ErrNonexist, "event init: event queue destroyed")
	}
	ev.mu = &eq.mu
	return ev, nil
}

// NewEvent makes an event bound to eq.
func (eq *EQ) NewEvent() (*Event, error) { return NewEvent(eq) }

// Launch makes an event on eq and launches fn on it.
func (eq *EQ) Launch(ctx context.Context, fn func(context.Context) error) (*Event, error) {
	ev, err := NewEvent(eq)
	if err != nil {
		return nil, err
	}
	if err := ev.Launch(ctx, fn); err != nil {
		return nil, err
	}
	return ev, nil
}

// Launch runs fn asynchronously on the event. fn gets a context that
// Abort (and a forced EQ destroy) cancels; fn must return once it is
// cancelled. A running or unharvested event is DER_BUSY; a finalised one
// DER_NO_HDL; one whose EQ was destroyed DER_NONEXIST.
func (ev *Event) Launch(ctx context.Context, fn func(context.Context) error) error {
	if fn == nil {
		return daos.Errorf(daos.ErrInval, "event launch: no operation")
	}
	cctx, done, err := ev.begin(ctx, true)
	if err != nil {
		return err
	}
	if ev.eq != nil {
		ev.eq.workers.Go(func() { ev.run(cctx, fn, done) })
	} else {
		go ev.run(cctx, fn, done)
	}
	return nil
}

// Start runs an operation that starts on the calling goroutine and ends
// later: fn starts it and arranges for end to be called exactly once with
// its result, on any goroutine. Waiting for the operation on a goroutine
// of its own, as Launch does, costs a hand-off between threads at each
// end; Start is for operations that can say when they are done
// (Object.StartUpdate). fn gets a context that Abort cancels, and must not
// block; the rules are Launch's otherwise.
func (ev *Event) Start(ctx context.Context, fn func(ctx context.Context, end func(error))) error {
	if fn == nil {
		return daos.Errorf(daos.ErrInval, "event launch: no operation")
	}
	cctx, done, err := ev.begin(ctx, false)
	if err != nil {
		return err
	}
	var ended atomic.Bool
	fn(cctx, func(err error) {
		if !ended.Swap(true) { // a second end would complete a later launch
			ev.end(err, done)
		}
	})
	return nil
}

// begin marks the event running for a launch.
func (ev *Event) begin(ctx context.Context, onGoroutine bool) (context.Context, chan struct{}, error) {
	ev.mu.Lock()
	switch {
	case ev.fini:
		ev.mu.Unlock()
		return nil, nil, daos.Errorf(daos.ErrNoHdl, "event launch: event finalised")
	case ev.eq != nil && ev.eq.destroyed:
		ev.mu.Unlock()
		return nil, nil, daos.Errorf(daos.ErrNonexist, "event launch: event queue destroyed")
	case ev.status != EventReady:
		st := ev.status
		ev.mu.Unlock()
		return nil, nil, daos.Errorf(daos.ErrBusy, "event launch: event is %s", st)
	}
	// The completion goes to whoever polls the queue: the operation's
	// goroutine has nothing to gain from polling for its replies (a
	// started operation has no goroutine waiting at all).
	if onGoroutine {
		ctx = fabric.WithoutReplyPoll(ctx)
	}
	var cctx context.Context
	if !onGoroutine && ctx.Done() == nil {
		s := &startCtx{Context: ctx}
		cctx, ev.cancel, ev.sctx = s, nil, s
	} else {
		cctx, ev.cancel = context.WithCancel(ctx)
		ev.sctx = nil
	}
	ev.status, ev.err, ev.aborted = EventRunning, nil, false
	done := make(chan struct{})
	ev.done = done
	if ev.eq != nil {
		ev.eq.running[ev] = struct{}{}
	}
	ev.mu.Unlock()
	return cctx, done, nil
}

func (ev *Event) run(ctx context.Context, fn func(context.Context) error, done chan struct{}) {
	ev.end(fn(ctx), done)
}

// end completes the launch whose done channel is done with err.
func (ev *Event) end(err error, done chan struct{}) {
	ev.mu.Lock()
	// The launch's context ends with it, as context.WithCancel's would
	// (anything still watching it is let go).
	ev.cancelLocked()
	ev.cancel, ev.sctx = nil, nil
	ev.status = EventCompleted
	if ev.aborted {
		ev.status = EventAborted
		if err == nil || errors.Is(err, context.Canceled) {
			err = daos.Errorf(daos.ErrCanceled, "event aborted")
		} else if !errors.Is(err, daos.ErrCanceled) {
			err = fmt.Errorf("%w (event aborted: %w)", err, daos.ErrCanceled)
		}
	}
	ev.err = err
	handoff := false
	if eq := ev.eq; eq != nil {
		delete(eq.running, ev)
		switch {
		case eq.handoff != nil:
			ev.status = EventReady
			handoff = true
		case !eq.destroyed:
			eq.completed = append(eq.completed, ev)
		default:
			ev.status = EventReady // nothing will harvest it
		}
		if eq.pollers > 0 {
			close(eq.changed)
			eq.changed = make(chan struct{})
		}
	}
	ev.mu.Unlock()
	if handoff {
		// Before done is closed: a forced Destroy returns only once every
		// aborted event has been handed over.
		ev.eq.handoff(ev, err)
	}
	close(done)
	if ev.eq != nil && ev.eq.notify != nil {
		ev.eq.notify()
	}
}

// Status is the event's state.
func (ev *Event) Status() EventStatus {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return ev.status
}

// Err is the result of the event's last completed operation (nil before
// it completes); it stays until the event is launched again.
func (ev *Event) Err() error {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.status == EventRunning {
		return nil
	}
	return ev.err
}

// Abort cancels the event's running operation (daos_event_abort): its
// context is cancelled and it completes with DER_CANCELED. An event not
// running is DER_NO_PERM, as in DAOS.
func (ev *Event) Abort() error {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.status != EventRunning {
		return daos.Errorf(daos.ErrNoPerm, "event abort: event is %s, not running", ev.status)
	}
	ev.aborted = true
	ev.cancelLocked()
	return nil
}

// cancelLocked ends the running launch's context.
func (ev *Event) cancelLocked() {
	if ev.sctx != nil {
		ev.sctx.cancel()
	} else if ev.cancel != nil {
		ev.cancel()
	}
}

// Test tells whether the event has completed (daos_event_test), waiting up
// to timeout (EQWait: until it does, EQNoWait: not at all) or until ctx
// ends. A completed event is harvested: it leaves its EQ's completed list
// (Poll will not return it) and becomes Ready; its result is Err. An
// event never launched (or already harvested) reports true at once.
func (ev *Event) Test(ctx context.Context, timeout time.Duration) (bool, error) {
	ev.mu.Lock()
	if ev.status != EventRunning {
		ev.harvestLocked()
		ev.mu.Unlock()
		return true, nil
	}
	done := ev.done
	ev.mu.Unlock()
	if timeout != EQNoWait {
		var tc <-chan time.Time
		if timeout > 0 {
			t := time.NewTimer(timeout)
			defer t.Stop()
			tc = t.C
		}
		select {
		case <-done:
		case <-tc:
		case <-ctx.Done():
			return false, daos.Errorf(daos.ErrCanceled, "event test: %v", ctx.Err())
		}
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.status == EventRunning || ev.done != done {
		return false, nil
	}
	ev.harvestLocked()
	return true, nil
}

// harvestLocked takes a completed event off its EQ's completed list.
func (ev *Event) harvestLocked() {
	if ev.status != EventCompleted && ev.status != EventAborted {
		return
	}
	ev.status = EventReady
	if eq := ev.eq; eq != nil {
		for i, e := range eq.completed {
			if e == ev {
				copy(eq.completed[i:], eq.completed[i+1:])
				eq.completed[len(eq.completed)-1] = nil
				eq.completed = eq.completed[:len(eq.completed)-1]
				break
			}
		}
	}
}

// Fini detaches the event from its EQ (daos_event_fini): DER_BUSY while
// it runs; a completed, unharvested event is taken off the EQ. A
// finalised event cannot be launched again.
func (ev *Event) Fini() error {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.status == EventRunning {
		return daos.Errorf(daos.ErrBusy, "event fini: event is running")
	}
	ev.harvestLocked()
	ev.fini = true
	return nil
}

// Poll harvests up to len(evs) completed events into evs, in completion
// order, and returns how many (daos_eq_poll). Harvested events are Ready
// again, each with its result in Err. With none completed it waits up to
// timeout (EQWait: until one completes, EQNoWait: not at all) or until
// ctx ends; with waitRunning it returns 0 at once when nothing is in
// flight either. An empty evs is DER_INVAL, a destroyed EQ DER_NONEXIST.
func (eq *EQ) Poll(ctx context.Context, waitRunning bool, timeout time.Duration, evs []*Event) (int, error) {
	if len(evs) == 0 {
		return 0, daos.Errorf(daos.ErrInval, "eq poll: no room for events")
	}
	var tc <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		tc = t.C
	}
	for {
		eq.mu.Lock()
		if eq.destroyed {
			eq.mu.Unlock()
			return 0, daos.Errorf(daos.ErrNonexist, "eq poll: event queue destroyed")
		}
		n := copy(evs, eq.completed)
		if n > 0 {
			for _, ev := range evs[:n] {
				ev.status = EventReady
			}
			rest := copy(eq.completed, eq.completed[n:])
			clear(eq.completed[rest:])
			eq.completed = eq.completed[:rest]
			eq.mu.Unlock()
			return n, nil
		}
		if (waitRunning && len(eq.running) == 0) || timeout == EQNoWait {
			eq.mu.Unlock()
			return 0, nil
		}
		changed := eq.changed
		eq.pollers++
		eq.mu.Unlock()
		var err error
		timedOut := false
		select {
		case <-changed:
		case <-tc:
			timedOut = true
		case <-ctx.Done():
			err = daos.Errorf(daos.ErrCanceled, "eq poll: %v", ctx.Err())
		}
		eq.mu.Lock()
		eq.pollers--
		eq.mu.Unlock()
		if timedOut || err != nil {
			return 0, err
		}
	}
}

// Query counts the EQ's events (daos_eq_query): completed and unpolled,
// in flight, or both.
func (eq *EQ) Query(what EQQuery) int {
	eq.mu.Lock()
	defer eq.mu.Unlock()
	n := 0
	if what&EQQueryCompleted != 0 {
		n += len(eq.completed)
	}
	if what&EQQueryWaiting != 0 {
		n += len(eq.running)
	}
	return n
}

// Destroy ends the EQ (daos_eq_destroy). With events in flight or
// completed and unpolled it is refused with DER_BUSY unless force, which
// aborts the running events, waits for their operations to return and
// drops the unpolled ones. A destroyed EQ is DER_NONEXIST.
func (eq *EQ) Destroy(force bool) error {
	eq.mu.Lock()
	if eq.destroyed {
		eq.mu.Unlock()
		return daos.Errorf(daos.ErrNonexist, "eq destroy: already destroyed")
	}
	if !force && (len(eq.running) > 0 || len(eq.completed) > 0) {
		r, c := len(eq.running), len(eq.completed)
		eq.mu.Unlock()
		return daos.Errorf(daos.ErrBusy, "eq destroy: %d events in flight, %d completed and not polled", r, c)
	}
	eq.destroyed = true
	var wait []chan struct{}
	for ev := range eq.running {
		ev.aborted = true
		ev.cancelLocked()
		wait = append(wait, ev.done)
	}
	for _, ev := range eq.completed {
		ev.status = EventReady
	}
	clear(eq.completed)
	eq.completed = nil
	close(eq.changed)
	eq.changed = make(chan struct{})
	eq.mu.Unlock()
	for _, d := range wait {
		<-d
	}
	if eq.notify != nil {
		eq.notify()
	}
	return nil
}

// Update launches o.Update on the event; the epoch, when epoch is not
// nil, is stored before the event completes.
func (ev *Event) Update(ctx context.Context, o *Object, dkey []byte, iods []daos.IOD, data [][]byte, flags daos.CondFlags, epoch *daos.Epoch) error {
	return ev.Launch(ctx, func(ctx context.Context) error {
		e, err := o.Update(ctx, dkey, iods, data, flags)
		if epoch != nil {
			*epoch = e
		}
		return err
	})
}

// Fetch launches o.Fetch on the event; each IOD's size lands in sizes
// (when not nil, at least len(iods) long) before the event completes.
func (ev *Event) Fetch(ctx context.Context, o *Object, epoch daos.Epoch, dkey []byte, iods []daos.IOD, bufs [][]byte, flags daos.CondFlags, sizes []uint64) error {
	if sizes != nil && len(sizes) < len(iods) {
		return daos.Errorf(daos.ErrInval, "event fetch: %d sizes for %d iods", len(sizes), len(iods))
	}
	return ev.Launch(ctx, func(ctx context.Context) error {
		s, err := o.Fetch(ctx, epoch, dkey, iods, bufs, flags)
		copy(sizes, s)
		return err
	})
}
