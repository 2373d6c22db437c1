package tcp

import (
	"net"
	"runtime"
	"time"
)

// bodySpin is how long the bulk reader polls an empty socket inside a
// frame's body before it parks: the sender is still writing the frame, and
// on loopback the rest comes within microseconds, where a parked reader
// costs a wake-up of its thread per stall (several per 1 MiB chunk when
// the reader keeps up with the writer).
const bodySpin = 50 * time.Microsecond

// bodyRead caps one read inside a body: the read is a raw system call,
// which the runtime does not see, so its copy holds the processor.
const bodyRead = 256 << 10

// bodyReader is the bulk connection as the bulk reader reads it: as the
// connection between frames, polling for up to bodySpin inside a frame's
// body (inBody, set by the frame's handler), yielding the processor
// between polls. Only the bulk reader's goroutine reads it.
//
// Processes with one P (emulated engines) never poll: the poller's
// yields would keep the runtime from looking at the network, so no other
// connection's data would be noticed while it polls (the runtime's own
// spinning has the same rule).
type bodyReader struct {
	rawRead
	inBody     bool
	emptySince time.Time // start of the current streak of empty reads; zero: none
}

func newBodyReader(c net.Conn) *bodyReader {
	r := &bodyReader{}
	r.init(c, runtime.GOMAXPROCS(0) > 1)
	r.again = r.stillPolling
	r.between = runtime.Gosched // a one-P engine's handlers run meanwhile
	return r
}

func (r *bodyReader) Read(p []byte) (int, error) {
	if !r.inBody || r.rc == nil || len(p) == 0 {
		return r.c.Read(p)
	}
	r.emptySince = time.Time{}
	return r.read(p[:min(len(p), bodyRead)])
}

// stillPolling is rawRead's again: within bodySpin of the first empty
// read of this Read. Timed on the monotonic clock, so that a step of the
// wall clock cannot stretch the poll.
func (r *bodyReader) stillPolling() bool {
	if r.emptySince.IsZero() {
		r.emptySince = time.Now()
	}
	if time.Since(r.emptySince) < bodySpin {
		return true
	}
	r.emptySince = time.Time{}
	return false
}
