package tcp

import (
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
)

// spinReader reads a connection. While spinning is on (a caller expects
// its reply shortly), an empty socket is read again instead of parking
// the goroutine in the network poller, so a reply that comes meanwhile
// is read by a running thread rather than one the kernel must wake.
type spinReader struct {
	c     net.Conn
	rc    syscall.RawConn // nil: the connection has no descriptor; never spin
	until atomic.Int64    // UnixNano until which reads spin
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

// spin makes reads poll for d from now; 0 stops polling.
func (r *spinReader) spin(d time.Duration) {
	if d <= 0 {
		r.until.Store(0)
		return
	}
	r.until.Store(time.Now().Add(d).UnixNano())
}

func (r *spinReader) spinning() bool {
	u := r.until.Load()
	return u != 0 && time.Now().UnixNano() < u
}

// Read is net.Conn's Read, polling while spinning. Deadlines apply as
// they do to the connection's own reads.
func (r *spinReader) Read(p []byte) (int, error) {
	if r.rc == nil || len(p) == 0 || !r.spinning() {
		return r.c.Read(p)
	}
	for {
		var n int
		var rerr error
		polled := false
		err := r.rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.Read(int(fd), p)
			switch rerr {
			case syscall.EINTR:
				polled = true
				return true
			case syscall.EAGAIN:
				if r.spinning() {
					polled = true
					return true
				}
				return false // park until the socket is readable
			}
			return true
		})
		switch {
		case err != nil:
			// A deadline or a closed connection, as Read reports them.
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: err}
		case polled:
			// Let other goroutines of this processor run between polls.
			runtime.Gosched()
			continue
		case rerr != nil:
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: os.NewSyscallError("read", rerr)}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}
