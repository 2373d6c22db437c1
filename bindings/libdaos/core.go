package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../src/include -I${SRCDIR}/../../src/client
#include <stdlib.h>
#include <daos.h>
#include "dgo_ring.h"
*/
import "C"

import (
	"bytes"
	"context"
	"sync/atomic"
	"unsafe"

	"github.com/daos-go/daos/pkg/capi"
	"github.com/daos-go/daos/pkg/daos"
)

// lib is the process's library state: the C ABI is process-wide by
// definition (daos_init takes no context), so this is its one global.
var lib = capi.New(cGetenv)

// cGetenv reads the C environment, which the program may have changed
// since the core was loaded.
func cGetenv(name string) string {
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	if v := C.getenv(n); v != nil {
		return C.GoString(v)
	}
	return ""
}

// rc is the C return value for err.
func rc(err error) C.int { return C.int(capi.Code(err)) }

// inval is a -DER_INVAL return for a bad argument named by what.
func inval(format string, args ...any) error { return daos.Errorf(daos.ErrInval, format, args...) }

// The C event's private space holds a marker and our id for the event, so
// that a daos_event_t is found again from the caller's pointer alone.
const evMarker = 0x31746e6576656f67 // "goevent1", little endian

func evPrivate(ev *C.daos_event_t) *[20]uint64 {
	return (*[20]uint64)(unsafe.Pointer(&ev.ev_private))
}

func evID(ev *C.daos_event_t) uint64 {
	if p := evPrivate(ev); p[0] == evMarker {
		return p[1]
	}
	return 0
}

// run runs op: at once when ev is NULL (the call's return value is its
// result), else on the event, whose ev_error gets the result before the
// event completes. op must have copied every argument it needs that the
// API does not keep in use until completion (strings, arrays of
// descriptors) before run is called.
func run(ev *C.daos_event_t, op func(ctx context.Context) error) C.int {
	if ev == nil {
		return rc(op(context.Background()))
	}
	err := launch(ev, func(ctx context.Context) error {
		err := op(ctx)
		ev.ev_error = rc(err)
		return err
	})
	return rc(err)
}

// failed ends a call refused before its operation started: the error is
// the call's own without an event, and comes back through the event with
// one (as DAOS reports it: ABI.md 2.6), unless the event cannot take an operation now.
func failed(ev *C.daos_event_t, err error) C.int {
	if ev == nil {
		return rc(err)
	}
	return rc(start(ev, func(_ context.Context, end func(error)) {
		ev.ev_error = rc(err)
		end(err)
	}))
}

// cookie is a handle's value.
func cookie(h C.daos_handle_t) uint64 { return uint64(h.cookie) }

// setHandle stores h in the caller's handle.
func setHandle(out *C.daos_handle_t, h uint64) { out.cookie = C.uint64_t(h) }

// Bounds on the sizes callers give: what no buffer can be (128 TiB, the
// user space of x86-64; sums of maxIOVs of them cannot wrap), and what is
// worth copying into Go memory (keys, global handles).
const (
	maxCBuffer = 1 << 47
	maxCopy    = 1 << 30
)

// goBytes copies n bytes at p; NULL with n > 0, or n over maxCopy, is an
// error.
func goBytes(p unsafe.Pointer, n C.size_t, what string) ([]byte, error) {
	if n > maxCopy {
		return nil, inval("%s: %d bytes (at most %d)", what, n, maxCopy)
	}
	b, err := cBytes(p, n, what)
	if err != nil || b == nil {
		return nil, err
	}
	return bytes.Clone(b), nil
}

// cBytes is the caller's memory at p as a slice (no copy): for buffers the
// API keeps in use until the call completes. A NULL p with n > 0, or an n
// no memory can have, is the caller's error, which unsafe.Slice would
// turn into a panic that ends the process.
func cBytes(p unsafe.Pointer, n C.size_t, what string) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if p == nil {
		return nil, inval("%s: NULL buffer of %d bytes", what, n)
	}
	if uint64(n) > maxCBuffer || uintptr(p)+uintptr(n) < uintptr(p) {
		return nil, inval("%s: %d bytes at %p cannot be memory", what, n, p)
	}
	return unsafe.Slice((*byte)(p), int(n)), nil
}

//export dgo_init
func dgo_init() C.int { return rc(lib.Init(context.Background())) }

// dgo_fini is daos_fini. The call that tears the library down also
// forgets every queue's C side and says so in the ring (down), so that the
// C layer ends those sides: the core has just dropped their handles.
//
//export dgo_fini
func dgo_fini() C.int {
	last, err := lib.FiniLast(context.Background())
	if last {
		ring.mu.Lock()
		clear(ring.eqcs)
		ring.mu.Unlock()
		if ring.sub != nil {
			atomic.StoreUint32((*uint32)(unsafe.Pointer(&ring.sub.down)), 1)
		}
	}
	return rc(err)
}
