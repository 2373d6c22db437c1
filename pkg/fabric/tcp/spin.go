package tcp

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// spinReader reads a connection. While spinning is on (a caller expects
// its reply shortly), an empty socket is read again instead of parking
// the goroutine in the network poller, so a reply that comes meanwhile
// is read by a running thread rather than one the kernel must wake.
type spinReader struct {
	c     net.Conn
	rc    syscall.RawConn // nil: the connection has no descriptor; never spin
	until atomic.Int64    // monoNow until which reads spin; 0: not spinning
	// waiters, when set, counts the callers waiting for replies on the
	// whole endpoint: the poll stops as soon as another joins, since
	// replies then keep the reader busy and the newcomers need the CPU.
	waiters *atomic.Int32

	// The current read's state, for pollOnce.
	poll   func(fd uintptr) bool
	p      []byte
	n      int
	rerr   error
	polled bool
}

func newSpinReader(c net.Conn) *spinReader {
	r := &spinReader{c: c}
	if sc, ok := c.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			r.rc = rc
		}
	}
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

// Read is net.Conn's Read, polling while spinning. Deadlines apply as
// they do to the connection's own reads. Reads do not run concurrently
// (the session's rdTok), so the poll's state lives in the reader.
//
// The read itself is a raw system call, as a non-blocking socket read
// never blocks: the runtime's system-call bookkeeping would otherwise wake
// its monitor thread from its idle sleep on almost every read of a
// process that waits for its peers most of the time (an engine), a futex
// wake-up per read.
func (r *spinReader) Read(p []byte) (int, error) {
	if r.rc == nil || len(p) == 0 {
		return r.c.Read(p)
	}
	if r.poll == nil {
		r.poll = r.pollOnce // bound once: a method value allocates
	}
	// At most what a small write sends: the copy holds the processor.
	r.p = p[:min(len(p), smallWrite)]
	defer func() { r.p = nil }()
	for {
		r.n, r.rerr, r.polled = 0, nil, false
		err := r.rc.Read(r.poll)
		switch {
		case err != nil:
			// A deadline or a closed connection, as Read reports them.
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: err}
		case r.polled:
			continue
		case r.rerr != nil:
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: os.NewSyscallError("read", r.rerr)}
		case r.n == 0:
			return 0, io.EOF
		}
		return r.n, nil
	}
}

// pollOnce is one read attempt, for RawConn.Read: true ends the call
// (data, an error, or an empty socket while still spinning: polled),
// false waits for the socket to become readable.
func (r *spinReader) pollOnce(fd uintptr) bool {
	n, _, err := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
	r.n = int(n)
	switch err {
	case 0:
		raceAcquireIO()
		return true
	case syscall.EINTR:
		r.polled = true
		return true
	case syscall.EAGAIN:
		if r.spinning() {
			r.polled = true
			return true
		}
		return false // park until the socket is readable
	}
	r.n, r.rerr = 0, err
	return true
}
