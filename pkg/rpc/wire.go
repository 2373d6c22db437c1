package rpc

import (
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// Every message starts with a header:
//
//	version(1) kind(1) id(uvarint)
//	request: opcode(uvarint) timeout_us(uvarint, 0: none) body...
//	reply:   status(uvarint, a DER code, 0: success)
//	         status != 0: text(bytes, at most maxErrorText) and no body
//	         status == 0: body...
//	cancel:  nothing more
const (
	wireVersion = 1

	kindRequest = 1
	kindReply   = 2
	kindCancel  = 3

	maxErrorText = 1024
	// maxHeaderLen bounds an encoded header without its error text.
	maxHeaderLen = 2 + 3*10
)

// header is the decoded header of one message.
type header struct {
	kind      byte
	id        uint64
	op        Opcode
	timeoutUS uint64
	status    daos.Errno
	text      string
}

func (h *header) encode(e *Encoder) {
	e.PutUint8(wireVersion)
	e.PutUint8(h.kind)
	e.PutUvarint(h.id)
	switch h.kind {
	case kindRequest:
		e.PutUvarint(uint64(h.op))
		e.PutUvarint(h.timeoutUS)
	case kindReply:
		e.PutUvarint(uint64(h.status))
		if h.status != daos.Success {
			text := h.text
			if len(text) > maxErrorText {
				text = text[:maxErrorText]
			}
			e.PutString(text)
		}
	}
}

// parseHeader decodes a header and returns the body after it.
func parseHeader(msg []byte) (header, []byte, error) {
	d := NewDecoder(msg)
	var h header
	if v := d.Uint8(); d.Err() == nil && v != wireVersion {
		return h, nil, fmt.Errorf("message of protocol version %d, we speak %d: %w", v, wireVersion, daos.ErrProto)
	}
	h.kind = d.Uint8()
	h.id = d.Uvarint()
	switch h.kind {
	case kindRequest:
		op := d.Uvarint()
		if op > 1<<32-1 {
			d.Fail("opcode beyond 32 bits")
		}
		h.op = Opcode(op)
		h.timeoutUS = d.Uvarint()
	case kindReply:
		st := d.Uvarint()
		if st > 1<<31-1 {
			d.Fail("status beyond 31 bits")
		}
		h.status = daos.Errno(st)
		if h.status != daos.Success {
			h.text = d.String(maxErrorText)
			if d.Err() == nil && d.Remaining() != 0 {
				d.Fail("error reply with a body")
			}
		}
	case kindCancel:
	default:
		if d.Err() == nil {
			d.Fail(fmt.Sprintf("unknown message kind %d", h.kind))
		}
	}
	if err := d.Err(); err != nil {
		return h, nil, fmt.Errorf("message header: %w", err)
	}
	return h, msg[d.off:], nil
}

// RemoteError is an error a peer's handler returned, as the caller sees
// it: the DER code and the handler's text. It wraps the code.
type RemoteError struct {
	Code daos.Errno
	Text string
}

func (e *RemoteError) Error() string {
	if e.Text == "" {
		return "remote: " + e.Code.Error()
	}
	return "remote: " + e.Text
}

func (e *RemoteError) Unwrap() error { return e.Code }
