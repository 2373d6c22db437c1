package drpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// packetConn is the part of a SOCK_SEQPACKET connection the codec uses:
// each Read returns one packet and each Write sends one. *net.UnixConn
// of network "unixpacket" satisfies it; tests substitute their own.
type packetConn interface {
	Read(b []byte) (int, error)
	Write(b []byte) (int, error)
	SetDeadline(t time.Time) error
	Close() error
}

// msgConn sends and receives whole messages over a packetConn. It is not
// safe for concurrent use.
type msgConn struct {
	conn     packetConn
	maxBytes int
	rbuf     []byte
}

func newMsgConn(c packetConn, maxBytes int) *msgConn {
	// One spare byte shows whether the peer sent an oversized packet,
	// which the kernel would otherwise silently truncate.
	return &msgConn{conn: c, maxBytes: maxBytes, rbuf: make([]byte, MaxPacketBytes+1)}
}

// send writes msg as one or more packets.
func (c *msgConn) send(msg []byte) error {
	if len(msg) > c.maxBytes {
		return fmt.Errorf("send dRPC message: %d bytes exceeds the %d-byte limit", len(msg), c.maxBytes)
	}
	for _, p := range splitPackets(msg) {
		n, err := c.conn.Write(p)
		if err != nil {
			return fmt.Errorf("send dRPC packet: %w", err)
		}
		if n != len(p) {
			return fmt.Errorf("send dRPC packet: short write of %d of %d bytes", n, len(p))
		}
	}
	return nil
}

// recv reads packets until a message is complete. errPeerClosed means
// the peer closed the connection between messages.
func (c *msgConn) recv() ([]byte, error) {
	a := newAssembler(c.maxBytes)
	for {
		n, err := c.conn.Read(c.rbuf)
		if errors.Is(err, io.EOF) {
			// Go reports a zero-length read on a seqpacket socket, the
			// peer's orderly shutdown, as EOF.
			n, err = 0, nil
		}
		if err != nil {
			if a.next > 0 {
				return nil, fmt.Errorf("receive dRPC packet %d: %w", a.next, err)
			}
			return nil, err
		}
		if n == 0 {
			if a.next > 0 {
				return nil, fmt.Errorf("%w: peer closed after %d chunks", ErrMalformed, a.next)
			}
			return nil, errPeerClosed
		}
		done, err := a.add(c.rbuf[:n])
		if err != nil {
			return nil, err
		}
		if done {
			return a.message(), nil
		}
	}
}

var errPeerClosed = errors.New("peer closed the dRPC connection")

// watchContext makes blocking I/O on conn return once ctx ends: it sets
// the connection's deadline to ctx's and, on cancellation, to the past.
// The returned function must be called when the I/O is over; it reports
// whether ctx's end touched the deadline, and returns only once that is
// finished, so a late cancellation cannot reach into the next I/O's
// deadline.
func watchContext(ctx context.Context, conn packetConn) (stop func() bool) {
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline) // zero time means none
	done := make(chan struct{})
	stopWatch := context.AfterFunc(ctx, func() {
		defer close(done)
		_ = conn.SetDeadline(time.Unix(1, 0))
	})
	return func() bool {
		if stopWatch() {
			return false
		}
		<-done
		return true
	}
}

// isTimeout says whether err is a deadline expiry.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
