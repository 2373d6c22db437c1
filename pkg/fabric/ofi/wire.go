package ofi

import (
	"encoding/binary"
	"fmt"

	"github.com/daos-go/daos/pkg/fabric"
)

// Every message starts with this header (little-endian):
//
//	[0]      type
//	[1]      flags (flagFromAcceptor)
//	[2:4]    protocol version
//	[4:8]    reserved, zero
//	[8:16]   session id, chosen by the dialer
//	[16:24]  sequence number of ordered types (message, bye), from 1
const hdrLen = 24

const protoVersion = 1

// Message types.
const (
	typHello    = 1 // dialer → acceptor; payload: the dialer's address
	typHelloAck = 2 // acceptor → dialer
	typMsg      = 3 // a fabric message; ordered
	typPing     = 4 // dialer → acceptor, when quiet; payload: the dialer's address
	typPong     = 5 // acceptor → dialer
	typBye      = 6 // either way: the session ends; ordered; payload: empty or a bye reason
	// typUnknown answers a ping for a session the acceptor does not have
	// (it restarted at the same address): the dialer's session is lost.
	// Without it the dialer would only notice by its pings going
	// unanswered for DeadAfter. Pings carry the dialer's address because
	// receives here do not tell the sender's (no FI_SOURCE).
	typUnknown = 7
)

// Bye reasons (a goodbye's one-byte payload).
const (
	// byeTooLarge: a message came over the receiver's limit. The sender's
	// calls fail with DER_OVERFLOW, which nothing retries (a plain
	// goodbye is a lost peer: calls would be sent again, and so would
	// the message that is too large).
	byeTooLarge = 1
)

// flagFromAcceptor marks messages sent by the accepting side of a session,
// which the receiver looks up among the sessions it dialled.
const flagFromAcceptor = 1

// maxNameLen bounds a provider address carried in a hello.
const maxNameLen = 512

// Tags: one per receive class, so that large messages land only in the
// large buffers.
const (
	tagBase  = 0x64676f0000000000 // "dgo"
	tagSmall = tagBase
	tagLarge = tagBase | 1
)

type header struct {
	typ     byte
	flags   byte
	session uint64
	seq     uint64
}

func (h header) put(b []byte) {
	b[0], b[1] = h.typ, h.flags
	binary.LittleEndian.PutUint16(b[2:], protoVersion)
	binary.LittleEndian.PutUint32(b[4:], 0)
	binary.LittleEndian.PutUint64(b[8:], h.session)
	binary.LittleEndian.PutUint64(b[16:], h.seq)
}

func parseHeader(b []byte) (header, error) {
	if len(b) < hdrLen {
		return header{}, fmt.Errorf("message of %d bytes is shorter than its %d-byte header: %w", len(b), hdrLen, fabric.ErrMalformed)
	}
	if v := binary.LittleEndian.Uint16(b[2:]); v != protoVersion {
		return header{}, fmt.Errorf("protocol version %d, want %d: %w", v, protoVersion, fabric.ErrMalformed)
	}
	h := header{typ: b[0], flags: b[1], session: binary.LittleEndian.Uint64(b[8:]), seq: binary.LittleEndian.Uint64(b[16:])}
	if h.typ < typHello || h.typ > typUnknown || h.flags&^flagFromAcceptor != 0 {
		return header{}, fmt.Errorf("unknown message type %d or flags %#x: %w", h.typ, h.flags, fabric.ErrMalformed)
	}
	return h, nil
}

// ordered reports whether messages of type t carry a sequence number.
func ordered(t byte) bool { return t == typMsg || t == typBye }
