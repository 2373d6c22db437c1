package tcp

import (
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
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
// body (inBody, set by the frame's handler). Only the bulk reader's
// goroutine reads it.
//
// Processes with one P (emulated engines) never poll: the poller's
// yields would keep the runtime from looking at the network, so no other
// connection's data would be noticed while it polls (the runtime's own
// spinning has the same rule).
type bodyReader struct {
	c      net.Conn
	rc     syscall.RawConn // nil: no descriptor or one P; never poll
	inBody bool

	fn         func(fd uintptr) bool // pollOnce, bound once
	p          []byte
	n          int
	err        error
	polled     bool
	emptySince time.Time // start of the current streak of empty reads; zero: none
}

func newBodyReader(c net.Conn) *bodyReader {
	r := &bodyReader{c: c}
	if sc, ok := c.(syscall.Conn); ok && runtime.GOMAXPROCS(0) > 1 {
		if rc, err := sc.SyscallConn(); err == nil {
			r.rc = rc
		}
	}
	r.fn = r.pollOnce
	return r
}

func (r *bodyReader) Read(p []byte) (int, error) {
	if !r.inBody || r.rc == nil || len(p) == 0 {
		return r.c.Read(p)
	}
	r.p = p[:min(len(p), bodyRead)]
	r.emptySince = time.Time{}
	defer func() { r.p = nil }()
	for {
		r.n, r.err, r.polled = 0, nil, false
		err := r.rc.Read(r.fn)
		switch {
		case err != nil:
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: err}
		case r.polled:
			// Others on this processor (a one-P engine's handlers) run
			// between polls.
			runtime.Gosched()
			continue
		case r.err != nil:
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: os.NewSyscallError("read", r.err)}
		case r.n == 0:
			return 0, io.EOF
		}
		return r.n, nil
	}
}

// pollOnce is one read attempt for RawConn.Read: true ends the call
// (data, an error, or an empty socket within the spin: polled), false
// parks until the socket is readable.
func (r *bodyReader) pollOnce(fd uintptr) bool {
	n, _, err := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
	r.n = int(n)
	switch err {
	case 0:
		raceAcquireIO()
		raceWriteIO(r.p[:r.n])
		return true
	case syscall.EINTR:
		r.polled = true
		return true
	case syscall.EAGAIN:
		// Timed on the monotonic clock: a step of the wall clock must
		// not stretch the poll.
		if r.emptySince.IsZero() {
			r.emptySince = time.Now()
		}
		if time.Since(r.emptySince) < bodySpin {
			r.polled = true
			return true
		}
		r.emptySince = time.Time{}
		return false
	}
	r.n, r.err = 0, err
	return true
}
