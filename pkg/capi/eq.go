package capi

import (
	"context"
	"time"
	"unsafe"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// event is a daos_event_t the library has initialised: its Go twin, and
// where the caller keeps it (the pointer poll hands back, which must be
// the caller's own).
type event struct {
	ev *client.Event
	c  unsafe.Pointer
	q  *eventQueue // nil for a standalone event
}

// eventQueue is what an event queue handle holds.
type eventQueue struct {
	q    *client.EQ
	byEv map[*client.Event]*event
}

// Polled is one event harvested by EQPoll: the caller's pointer and the
// operation's result.
type Polled struct {
	C   unsafe.Pointer
	Err error
}

// EQCreate is daos_eq_create; notify (may be nil) is called whenever one
// of the queue's events completes or the queue is destroyed.
func (l *Lib) EQCreate(notify func()) (uint64, error) {
	return l.add(&eventQueue{q: client.NewEQNotify(notify), byEv: map[*client.Event]*event{}})
}

// EQCreateHandoff is daos_eq_create for a C layer that keeps completions
// itself: handoff gets each completed event's C address and result (see
// client.NewEQHandoff), and EQPoll never returns them.
func (l *Lib) EQCreateHandoff(handoff func(c unsafe.Pointer, err error)) (uint64, error) {
	q := client.NewEQHandoff(func(ev *client.Event, err error) {
		if c, ok := ev.Tag.(unsafe.Pointer); ok {
			handoff(c, err)
		}
	})
	return l.add(&eventQueue{q: q, byEv: map[*client.Event]*event{}})
}

// EQDestroy is daos_eq_destroy: DER_BUSY with events in flight or not yet
// polled, unless force, which aborts them.
func (l *Lib) EQDestroy(h uint64, force bool) error {
	q, err := lookup[*eventQueue](l, h, "event queue")
	if err != nil {
		return daos.Errorf(daos.ErrNonexist, "event queue %#x: %v", h, err)
	}
	if err := q.q.Destroy(force); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.handles, h)
	for id, ev := range l.events {
		if ev.q == q {
			delete(l.events, id)
		}
	}
	return nil
}

// EventInit is daos_event_init for the event at c, bound to event queue
// eqh (0: a standalone event). prev is the id an earlier EventInit left in
// the same memory, if the caller's bytes still hold one: initialising an
// event again without daos_event_fini is common, and drops the old one
// unless it is still running. The returned id is what the C layer keeps
// in the event's private space.
func (l *Lib) EventInit(c unsafe.Pointer, eqh uint64, prev uint64) (uint64, error) {
	if c == nil {
		return 0, daos.Errorf(daos.ErrInval, "event init: NULL event")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refs == 0 {
		return 0, daos.Errorf(daos.ErrUninit, "daos_init has not been called")
	}
	if old, ok := l.events[prev]; ok && old.c == c {
		if err := old.ev.Fini(); err != nil {
			return 0, err
		}
		l.dropEventLocked(prev, old)
	}
	var q *eventQueue
	if eqh != 0 {
		var ok bool
		if q, ok = l.handles[eqh].(*eventQueue); !ok {
			return 0, daos.Errorf(daos.ErrNonexist, "event init: no event queue %#x", eqh)
		}
	}
	var eq *client.EQ
	if q != nil {
		eq = q.q
	}
	ev, err := client.NewEvent(eq)
	if err != nil {
		return 0, err
	}
	ev.Tag = c
	l.nextEv++
	e := &event{ev: ev, c: c, q: q}
	l.events[l.nextEv] = e
	if q != nil {
		q.byEv[ev] = e
	}
	return l.nextEv, nil
}

func (l *Lib) dropEventLocked(id uint64, e *event) {
	delete(l.events, id)
	if e.q != nil {
		delete(e.q.byEv, e.ev)
	}
}

// eventAt finds the event with id that lives at c.
func (l *Lib) eventAt(c unsafe.Pointer, id uint64) (*event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refs == 0 {
		return nil, daos.Errorf(daos.ErrUninit, "daos_init has not been called")
	}
	e, ok := l.events[id]
	if !ok || e.c != c {
		return nil, daos.Errorf(daos.ErrInval, "event %p was not initialised with daos_event_init", c)
	}
	return e, nil
}

// EventFini is daos_event_fini: DER_BUSY while the event runs.
func (l *Lib) EventFini(c unsafe.Pointer, id uint64) error {
	e, err := l.eventAt(c, id)
	if err != nil {
		return err
	}
	if err := e.ev.Fini(); err != nil {
		return err
	}
	l.mu.Lock()
	l.dropEventLocked(id, e)
	l.mu.Unlock()
	return nil
}

// Launch runs fn on the event at c: the call returns at once and fn's
// result completes the event. fn must write its outputs before returning.
func (l *Lib) Launch(c unsafe.Pointer, id uint64, fn func(context.Context) error) error {
	e, err := l.eventAt(c, id)
	if err != nil {
		return err
	}
	return e.ev.Launch(context.Background(), fn)
}

// Start is Launch for an operation fn starts on the calling goroutine
// and ends later by calling end (client.Event.Start).
func (l *Lib) Start(ctx context.Context, c unsafe.Pointer, id uint64, fn func(ctx context.Context, end func(error))) error {
	e, err := l.eventAt(c, id)
	if err != nil {
		return err
	}
	return e.ev.Start(ctx, fn)
}

// Flush sends what operations started with Start held back for a batch:
// callers flush before they wait for completions.
func (l *Lib) Flush() {
	l.mu.Lock()
	var some [4]session // one per system attached: rarely more
	ss := some[:0]
	for _, s := range l.sessions {
		ss = append(ss, s)
	}
	l.mu.Unlock()
	for _, s := range ss {
		s.Flush()
	}
}

// EventTest is daos_event_test: whether the event has completed, waiting
// up to timeout (negative: forever); a completed event is harvested and
// its result returned.
func (l *Lib) EventTest(ctx context.Context, c unsafe.Pointer, id uint64, timeout time.Duration) (done bool, result, err error) {
	e, err := l.eventAt(c, id)
	if err != nil {
		return false, nil, err
	}
	if done, err = e.ev.Test(ctx, timeout); err != nil || !done {
		return false, nil, err
	}
	return true, e.ev.Err(), nil
}

// EventAbort is daos_event_abort.
func (l *Lib) EventAbort(c unsafe.Pointer, id uint64) error {
	e, err := l.eventAt(c, id)
	if err != nil {
		return err
	}
	return e.ev.Abort()
}

// EQPoll is daos_eq_poll: up to n completed events, waiting up to timeout
// (negative: until one completes, 0: not at all); with waitRunning it
// returns at once when nothing is in flight.
func (l *Lib) EQPoll(ctx context.Context, eqh uint64, waitRunning bool, timeout time.Duration, n int) ([]Polled, error) {
	if n <= 0 {
		return nil, daos.Errorf(daos.ErrInval, "eq poll: room for %d events", n)
	}
	q, err := lookup[*eventQueue](l, eqh, "event queue")
	if err != nil {
		return nil, daos.Errorf(daos.ErrNonexist, "eq poll: %v", err)
	}
	if timeout < 0 {
		timeout = client.EQWait
	}
	evs := make([]*client.Event, n)
	got, err := q.q.Poll(ctx, waitRunning, timeout, evs)
	if err != nil {
		return nil, err
	}
	if got == 0 {
		return nil, nil
	}
	out := make([]Polled, 0, got)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range evs[:got] {
		e, ok := q.byEv[ev]
		if !ok {
			continue // finalised while completing: nobody to hand it to
		}
		out = append(out, Polled{C: e.c, Err: ev.Err()})
	}
	return out, nil
}

// EQQuery is daos_eq_query's count (what: client.EQQuery bits).
func (l *Lib) EQQuery(eqh uint64, what client.EQQuery) (int, error) {
	q, err := lookup[*eventQueue](l, eqh, "event queue")
	if err != nil {
		return 0, daos.Errorf(daos.ErrNonexist, "eq query: %v", err)
	}
	return q.q.Query(what), nil
}
