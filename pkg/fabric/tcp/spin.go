package tcp

import (
	"net"
	"sync/atomic"
	"time"
)

// spinReader reads a connection. While spinning is on (a caller expects
// its reply shortly), an empty socket is read again instead of parking
// the goroutine in the network poller, so a reply that comes meanwhile
// is read by a running thread rather than one the kernel must wake.
type spinReader struct {
	rawRead
	until atomic.Int64 // monoNow until which reads spin; 0: not spinning
	// waiters, when set, counts the callers waiting for replies on the
	// whole endpoint: the poll stops as soon as another joins, since
	// replies then keep the reader busy and the newcomers need the CPU.
	waiters *atomic.Int32
}

func newSpinReader(c net.Conn) *spinReader {
	r := &spinReader{}
	r.init(c, true)
	r.again = r.spinning
	return r
}

// monoBase anchors monoNow; set once, never written again.
var monoBase = time.Now()

// monoNow is nanoseconds on the monotonic clock, for deadlines kept in
// atomics: a step of the wall clock must not stretch a poll.
func monoNow() int64 { return int64(time.Since(monoBase)) + 1 }

// spin makes reads poll for d from now; 0 stops polling.
func (r *spinReader) spin(d time.Duration) {
	if d <= 0 {
		r.until.Store(0)
		return
	}
	r.until.Store(monoNow() + int64(d))
}

func (r *spinReader) spinning() bool {
	u := r.until.Load()
	return u != 0 && monoNow() < u && (r.waiters == nil || r.waiters.Load() <= 1)
}

// Read is net.Conn's Read, polling while spinning (rawRead).
func (r *spinReader) Read(p []byte) (int, error) {
	if r.rc == nil || len(p) == 0 {
		return r.c.Read(p)
	}
	// At most what a small write sends: the copy holds the processor.
	return r.read(p[:min(len(p), smallWrite)])
}
