package tcp

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawRead is a connection read with read(2) called directly on its
// non-blocking descriptor, as spinReader and bodyReader read: the
// runtime's system-call bookkeeping would otherwise wake its monitor
// thread from its idle sleep on almost every read of a process that waits
// for its peers most of the time (an engine), a futex wake-up per read.
// An empty socket is read again while again says so (polling), else the
// goroutine parks in the network poller as any read would. Reads do not
// run concurrently (the reader's owner sees to it), so the state of the
// read under way lives here.
type rawRead struct {
	c  net.Conn
	rc syscall.RawConn // nil: the connection has no descriptor; never poll
	// again reports, on an empty socket, whether to read it again rather
	// than park; between runs between two such reads (nil: nothing).
	again   func() bool
	between func()

	fn     func(fd uintptr) bool // attempt, bound once: a method value allocates
	p      []byte
	n      int
	err    error
	polled bool
}

// init sets r up for c, polling only when poll (and c has a descriptor).
func (r *rawRead) init(c net.Conn, poll bool) {
	r.c = c
	if sc, ok := c.(syscall.Conn); ok && poll {
		if rc, err := sc.SyscallConn(); err == nil {
			r.rc = rc
		}
	}
	r.fn = r.attempt
}

// read is net.Conn's Read of at most len(p) bytes, with rc (non-nil).
// Deadlines and a closed connection end it as they end the connection's
// own reads.
func (r *rawRead) read(p []byte) (int, error) {
	r.p = p
	defer func() { r.p = nil }()
	for {
		r.n, r.err, r.polled = 0, nil, false
		err := r.rc.Read(r.fn)
		switch {
		case err != nil:
			return 0, r.opError(err)
		case r.polled:
			if r.between != nil {
				r.between()
			}
			continue
		case r.err != nil:
			return 0, r.opError(os.NewSyscallError("read", r.err))
		case r.n == 0:
			return 0, io.EOF
		}
		return r.n, nil
	}
}

func (r *rawRead) opError(err error) error {
	return &net.OpError{Op: "read", Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: err}
}

// attempt is one read for RawConn.Read: true ends the call (data, an
// error, or an empty socket to be read again: polled), false parks until
// the socket is readable.
func (r *rawRead) attempt(fd uintptr) bool {
	n, _, err := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
	r.n = int(n)
	switch err {
	case 0:
		// What syscall.Read tells the race detector: the bytes came
		// from their writer, and were written here.
		raceAcquireIO()
		raceWriteIO(r.p[:r.n])
		return true
	case syscall.EINTR:
		r.polled = true
		return true
	case syscall.EAGAIN:
		if r.again() {
			r.polled = true
			return true
		}
		return false
	}
	r.n, r.err = 0, err
	return true
}
