package main

/*
#include <daos.h>
#include "dgo_ring.h"
*/
import "C"

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/rpc"
)

// Events bound to a queue travel between the C layer and the core through
// lock-free stacks in C memory (src/client/dgo_ring.h says why and how):
// the C layer submits the hot operations without calling in, and polls
// completions without calling in.

// ringState is the core's side of it: the submission stack the C layer
// registered, and each event queue's completion side by handle.
type ringState struct {
	once sync.Once
	sub  *C.struct_dgo_ring
	mu   sync.Mutex
	eqcs map[uint64]*C.struct_dgo_eqc
}

// ring is process-wide, as the C ABI is.
var ring = ringState{eqcs: map[uint64]*C.struct_dgo_eqc{}}

// evState is the event's state word, shared with the C layer.
func evState(ev *C.daos_event_t) *uint64 { return &evPrivate(ev)[C.DGO_EV_STATE] }

// evWords is the event's private space as pointers, for the words that
// hold C addresses (links and pointer arguments).
func evWords(ev *C.daos_event_t) *[20]unsafe.Pointer {
	return (*[20]unsafe.Pointer)(unsafe.Pointer(&ev.ev_private))
}

// evQueue is the completion side of the queue ev is bound to, nil for a
// standalone (or uninitialised) event.
func evQueue(ev *C.daos_event_t) *C.struct_dgo_eqc {
	if evPrivate(ev)[C.DGO_EV_MARKER] != evMarker {
		return nil
	}
	return (*C.struct_dgo_eqc)(evWords(ev)[C.DGO_EV_EQ])
}

//export dgo_set_ring
func dgo_set_ring(r *C.struct_dgo_ring) C.int {
	if r == nil {
		return rc(inval("set ring: NULL"))
	}
	err := error(nil)
	ring.once.Do(func() {
		// Non-blocking, so reads wait in the runtime's poller, not on a thread.
		f := os.NewFile(uintptr(r.efd), "libdaos-submissions")
		if f == nil {
			err = fmt.Errorf("submission eventfd %d is not a file", int(r.efd))
			return
		}
		ring.sub = r
		go dispatch(r, f)
	})
	return rc(err)
}

// dispatch launches what the C layer submits: it takes the whole stack,
// launches its events oldest first, and sleeps on the eventfd after
// telling the C layer it is about to (idle), so a submission either finds
// idle set and writes the eventfd, or is seen by the look that follows.
func dispatch(r *C.struct_dgo_ring, f *os.File) {
	head := (*unsafe.Pointer)(unsafe.Pointer(&r.head))
	idle := (*uint32)(unsafe.Pointer(&r.idle))
	var buf [8]byte
	var batch []*C.daos_event_t
	// The eventfd is read with a raw system call (it never blocks: an
	// empty one parks this goroutine in the poller), as the runtime's
	// system-call bookkeeping would wake its monitor thread in a process
	// that mostly waits, a futex wake-up per batch.
	rc, err := f.SyscallConn()
	if err != nil {
		fmt.Fprintf(os.Stderr, "libdaos: the submission eventfd: %v; asynchronous I/O stops\n", err)
		return
	}
	var rerr syscall.Errno
	readEvent := func(fd uintptr) bool {
		_, _, rerr = syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		return rerr != syscall.EAGAIN
	}
	read := func() error {
		for {
			if err := rc.Read(readEvent); err != nil {
				return err
			}
			switch rerr {
			case 0:
				return nil
			case syscall.EINTR:
				continue
			}
			return rerr
		}
	}
	for {
		atomic.StoreUint32(idle, 1)
		if atomic.LoadPointer(head) == nil {
			if err := read(); err != nil {
				fmt.Fprintf(os.Stderr, "libdaos: reading the submission eventfd: %v; asynchronous I/O stops\n", err)
				return
			}
		}
		atomic.StoreUint32(idle, 0)
		batch = batch[:0]
		for p := atomic.SwapPointer(head, nil); p != nil; {
			ev := (*C.daos_event_t)(p)
			batch = append(batch, ev)
			p = evWords(ev)[C.DGO_EV_SUBMIT]
		}
		for i := len(batch) - 1; i >= 0; i-- {
			submitted(batch[i])
		}
		clear(batch)
	}
}

// submitted launches one submitted event; an operation refused before it
// started completes the event with its error at once.
func submitted(ev *C.daos_event_t) {
	q := evQueue(ev)
	if !atomic.CompareAndSwapUint64(evState(ev), C.DGO_EV_QUEUED, C.DGO_EV_TAKEN) || q == nil {
		return // the C layer pushes queued events of live queues only
	}
	p, w := evPrivate(ev), evWords(ev)
	a := p[C.DGO_EV_ARG0 : C.DGO_EV_ARG0+C.DGO_EV_NARGS]
	wa := w[C.DGO_EV_ARG0 : C.DGO_EV_ARG0+C.DGO_EV_NARGS]
	var code C.int
	switch p[C.DGO_EV_OP] {
	case C.DGO_OP_OBJ_UPDATE:
		code = dgo_obj_update(C.uint64_t(a[0]), C.uint64_t(a[1]), C.uint64_t(a[2]), (*C.daos_key_t)(wa[3]),
			C.uint(a[4]), (*C.daos_iod_t)(wa[5]), (*C.d_sg_list_t)(wa[6]), ev)
	case C.DGO_OP_ARRAY_WRITE:
		code = dgo_array_write(C.uint64_t(a[0]), C.uint64_t(a[1]), (*C.daos_array_iod_t)(wa[2]), (*C.d_sg_list_t)(wa[3]), ev)
	case C.DGO_OP_ARRAY_READ:
		code = dgo_array_read(C.uint64_t(a[0]), C.uint64_t(a[1]), (*C.daos_array_iod_t)(wa[2]), (*C.d_sg_list_t)(wa[3]), ev)
	default:
		code = rc(inval("submitted event: unknown operation %d", p[C.DGO_EV_OP]))
	}
	if code != 0 {
		ev.ev_error = code
		complete(q, ev)
	}
}

// launch launches fn on ev (not NULL). An event bound to a queue must be
// ready (a direct call) or taken by the dispatcher: one running or
// completed and not yet polled is DER_BUSY, as the core's own check says.
func launch(ev *C.daos_event_t, fn func(context.Context) error) error {
	return launchWith(ev, func() error { return lib.Launch(unsafe.Pointer(ev), evID(ev), fn) })
}

// start is launch for an operation fn starts on the calling thread and
// ends by calling end (client.Event.Start): no goroutine waits for it, so
// its reply completes the event where the reply is read.
func start(ev *C.daos_event_t, fn func(ctx context.Context, end func(error))) error {
	return launchWith(ev, func() error { return lib.Start(batched, unsafe.Pointer(ev), evID(ev), fn) })
}

// launchWith does launch's bookkeeping around run, which hands the
// operation to the core's event.
func launchWith(ev *C.daos_event_t, run func() error) error {
	q := evQueue(ev)
	if q == nil {
		return run()
	}
	st := evState(ev)
	out := (*int64)(unsafe.Pointer(&q.outstanding))
	direct := atomic.LoadUint64(st) == C.DGO_EV_READY
	if direct {
		// A caller's own call: the queue may be gone (then so is the
		// event, which lib.Launch reports) and q must not be touched.
		// The check and the count are made under ring.mu, which
		// dgo_eq_destroy takes to forget the queue: a destroy either
		// came first (not live) or finds this event counted, and the C
		// layer then waits for it before it frees q.
		ring.mu.Lock()
		live := ring.eqcs[evPrivate(ev)[C.DGO_EV_EQH]] == q
		if live {
			direct = atomic.CompareAndSwapUint64(st, C.DGO_EV_READY, C.DGO_EV_RUNNING)
			if direct {
				atomic.AddInt64(out, 1)
			}
		}
		ring.mu.Unlock()
		if !live {
			return run()
		}
		if direct {
			// In flight, for daos_eq_query's listing; the C layer
			// takes it off when it takes the completion.
			C.dgo_eq_inflight(q, ev)
		}
	}
	if !direct && !atomic.CompareAndSwapUint64(st, C.DGO_EV_TAKEN, C.DGO_EV_RUNNING) {
		return daos.Errorf(daos.ErrBusy, "event launch: event is in flight or completed and not polled")
	}
	if err := run(); err != nil {
		if direct {
			C.dgo_eq_landed(q, ev)
			atomic.StoreUint64(st, C.DGO_EV_READY)
			atomic.AddInt64(out, -1)
		} else {
			atomic.StoreUint64(st, C.DGO_EV_TAKEN)
		}
		return err
	}
	return nil
}

// batched is the context events start their operations with: requests
// may wait for the next flush (rpc.WithDeferredSend), which the C layer
// asks for before it waits for completions (dgo_flush), so that the
// requests a C thread starts in a row go out in one write.
var batched = rpc.WithDeferredSend(context.Background())

//export dgo_flush
func dgo_flush() C.int {
	lib.Flush()
	return 0
}

// complete hands ev, its ev_error set, to its queue's C side: pushed on
// the completion stack, no longer outstanding, and the futex word bumped
// (and sleepers woken) after both, so a poller that saw the event still
// outstanding wakes to look again. handing covers all of it: the C side
// frees q only once nothing is outstanding and nothing is being handed.
func complete(q *C.struct_dgo_eqc, ev *C.daos_event_t) {
	handing := (*int64)(unsafe.Pointer(&q.handing))
	atomic.AddInt64(handing, 1)
	atomic.StoreUint64(evState(ev), C.DGO_EV_COMPLETED)
	head := (*unsafe.Pointer)(unsafe.Pointer(&q.done))
	link := &evWords(ev)[C.DGO_EV_DONE]
	for {
		old := atomic.LoadPointer(head)
		atomic.StorePointer(link, old)
		if atomic.CompareAndSwapPointer(head, old, unsafe.Pointer(ev)) {
			break
		}
	}
	atomic.AddInt64((*int64)(unsafe.Pointer(&q.outstanding)), -1)
	seq := (*uint32)(unsafe.Pointer(&q.seq))
	// Only the push whose bump finds sleepers flagged in the word wakes
	// them (all of them: each looks again), clearing the flag; pushes
	// until one sleeps again make no call (dgo_ring.h).
	if atomic.AddUint32(seq, C.DGO_SEQ_STEP)&C.DGO_SEQ_SLEEPERS != 0 && clearSleepers(seq) {
		const futexWakePrivate = 1 | 128
		syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(seq)), futexWakePrivate, 1<<30, 0, 0, 0)
	}
	atomic.AddInt64(handing, -1)
}

// clearSleepers clears the sleepers flag of a completion word, reporting
// whether this call did (so wakes them).
func clearSleepers(seq *uint32) bool {
	for {
		v := atomic.LoadUint32(seq)
		if v&C.DGO_SEQ_SLEEPERS == 0 {
			return false
		}
		if atomic.CompareAndSwapUint32(seq, v, v&^C.DGO_SEQ_SLEEPERS) {
			return true
		}
	}
}

//export dgo_eq_create
func dgo_eq_create(eqh *C.daos_handle_t, q *C.struct_dgo_eqc) C.int {
	if eqh == nil || q == nil {
		return rc(inval("eq create: NULL handle"))
	}
	h, err := lib.EQCreateHandoff(func(c unsafe.Pointer, err error) {
		ev := (*C.daos_event_t)(c)
		ev.ev_error = rc(err)
		complete(q, ev)
	})
	if err != nil {
		return rc(err)
	}
	ring.mu.Lock()
	ring.eqcs[h] = q
	ring.mu.Unlock()
	setHandle(eqh, h)
	return 0
}

//export dgo_eq_destroy
func dgo_eq_destroy(eqh C.uint64_t, flags C.int) C.int {
	flags &= C.DAOS_EQ_DESTROY_FORCE // other bits are ignored, as DAOS does
	if err := lib.EQDestroy(uint64(eqh), flags&C.DAOS_EQ_DESTROY_FORCE != 0); err != nil {
		return rc(err)
	}
	ring.mu.Lock()
	delete(ring.eqcs, uint64(eqh))
	ring.mu.Unlock()
	return 0
}

// timeout is a poll timeout in microseconds as C gives it.
func timeout(us C.int64_t) time.Duration {
	if us < 0 {
		return -1
	}
	return time.Duration(us) * time.Microsecond
}

//export dgo_event_init
func dgo_event_init(ev *C.daos_event_t, eqh C.uint64_t, parent *C.daos_event_t) C.int {
	if ev == nil {
		return rc(inval("event init: NULL event"))
	}
	if parent != nil {
		return rc(daos.Errorf(daos.ErrNosys, "event init: parent events are not supported"))
	}
	prev := evID(ev)
	id, err := lib.EventInit(unsafe.Pointer(ev), uint64(eqh), prev)
	if err != nil {
		return rc(err)
	}
	*ev = C.daos_event_t{}
	p := evPrivate(ev)
	p[C.DGO_EV_MARKER], p[C.DGO_EV_ID] = evMarker, id
	if eqh != 0 {
		ring.mu.Lock()
		evWords(ev)[C.DGO_EV_EQ] = unsafe.Pointer(ring.eqcs[uint64(eqh)])
		ring.mu.Unlock()
		p[C.DGO_EV_EQH] = uint64(eqh)
	}
	return 0
}

//export dgo_event_fini
func dgo_event_fini(ev *C.daos_event_t) C.int {
	if ev == nil {
		return rc(inval("event fini: NULL event"))
	}
	if err := lib.EventFini(unsafe.Pointer(ev), evID(ev)); err != nil {
		return rc(err)
	}
	evPrivate(ev)[0] = 0
	return 0
}

//export dgo_event_test
func dgo_event_test(ev *C.daos_event_t, timeoutUS C.int64_t, flag *C.bool) C.int {
	if ev == nil || flag == nil {
		return rc(inval("event test: NULL event or flag"))
	}
	done, res, err := lib.EventTest(context.Background(), unsafe.Pointer(ev), evID(ev), timeout(timeoutUS))
	if err != nil {
		return rc(err)
	}
	// An event bound to a queue has ev_error written by whatever
	// completed it, the C ring's errors found before a launch included
	// (the core's event never saw those: res would be stale). A
	// standalone one completes only in the core: res, abort included.
	*flag = C.bool(done)
	if done && evWords(ev)[C.DGO_EV_EQ] == nil {
		ev.ev_error = rc(res)
	}
	return 0
}

//export dgo_event_abort
func dgo_event_abort(ev *C.daos_event_t) C.int {
	if ev == nil {
		return rc(inval("event abort: NULL event"))
	}
	return rc(lib.EventAbort(unsafe.Pointer(ev), evID(ev)))
}
