package main

/*
#include <daos.h>

typedef void (*dgo_notify_fn)(void);

static void dgo_call_notify(dgo_notify_fn f) { f(); }
*/
import "C"

import (
	"context"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// eqNotify is the C layer's function to call when an event completes: it
// waits in C for completions in daos_eq_poll (a C thread waiting inside Go
// costs a thread handoff per completion), set once at load.
var eqNotify atomic.Pointer[[0]byte]

//export dgo_set_notify
func dgo_set_notify(f C.dgo_notify_fn) C.int {
	eqNotify.Store((*[0]byte)(unsafe.Pointer(f)))
	return 0
}

func notifyC() {
	if f := eqNotify.Load(); f != nil {
		C.dgo_call_notify(C.dgo_notify_fn(unsafe.Pointer(f)))
	}
}

//export dgo_eq_create
func dgo_eq_create(eqh *C.daos_handle_t) C.int {
	if eqh == nil {
		return rc(inval("eq create: NULL handle"))
	}
	h, err := lib.EQCreate(notifyC)
	if err != nil {
		return rc(err)
	}
	setHandle(eqh, h)
	return 0
}

//export dgo_eq_destroy
func dgo_eq_destroy(eqh C.uint64_t, flags C.int) C.int {
	if flags&^C.DAOS_EQ_DESTROY_FORCE != 0 {
		return rc(inval("eq destroy: unknown flags %#x", int(flags)))
	}
	return rc(lib.EQDestroy(uint64(eqh), flags&C.DAOS_EQ_DESTROY_FORCE != 0))
}

// timeout is a poll timeout in microseconds as C gives it.
func timeout(us C.int64_t) time.Duration {
	if us < 0 {
		return -1
	}
	return time.Duration(us) * time.Microsecond
}

//export dgo_eq_poll
func dgo_eq_poll(eqh C.uint64_t, waitRunning C.int, timeoutUS C.int64_t, n C.uint, evs **C.daos_event_t, running *C.int) C.int {
	if n == 0 || evs == nil {
		return rc(inval("eq poll: no room for events"))
	}
	got, err := lib.EQPoll(context.Background(), uint64(eqh), waitRunning != 0, timeout(timeoutUS), int(n))
	if err != nil {
		return rc(err)
	}
	if len(got) == 0 && running != nil {
		// Saves the C layer, about to wait, a second call to ask.
		r, err := lib.EQQuery(uint64(eqh), client.EQQueryWaiting)
		if err != nil {
			return rc(err)
		}
		*running = C.int(r)
	}
	out := unsafe.Slice(evs, int(n))
	for i, p := range got {
		ev := (*C.daos_event_t)(p.C)
		ev.ev_error = rc(p.Err)
		out[i] = ev
	}
	return C.int(len(got))
}

//export dgo_eq_query
func dgo_eq_query(eqh C.uint64_t, query C.int, n C.uint, evs **C.daos_event_t) C.int {
	what := client.EQQuery(query)
	if what&^client.EQQueryAll != 0 || what == 0 {
		return rc(inval("eq query: unknown query %d", int(query)))
	}
	_ = n   // DAOS fills evs with the events counted; nobody we know
	_ = evs // uses that, and the count is what callers read
	cnt, err := lib.EQQuery(uint64(eqh), what)
	if err != nil {
		return rc(err)
	}
	return C.int(cnt)
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
	p[0], p[1] = evMarker, id
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
	*flag = C.bool(done)
	if done {
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
