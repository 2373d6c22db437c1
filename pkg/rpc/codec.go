package rpc

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// Message is a request or reply body. EncodeRPC appends the fields in
// order; DecodeRPC reads them back in the same order and returns d.Err()
// (or its own validation error). A decoder must not keep d's byte slices
// beyond the handler's return unless it copies them: they alias the
// received message.
type Message interface {
	EncodeRPC(e *Encoder)
	DecodeRPC(d *Decoder) error
}

// Encoder appends fields to a byte slice. Fixed-width integers are little
// endian; lengths and counts are unsigned varints.
type Encoder struct {
	buf []byte
	// readable are the bulk handles put so far that let the server read
	// (pull): a transport may send their bytes along (eagerSender).
	readable []fabric.BulkHandle
}

// NewEncoder appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes is what has been encoded; it aliases the encoder's buffer.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len is the number of bytes encoded.
func (e *Encoder) Len() int { return len(e.buf) }

// Reset empties the encoder, keeping its buffer.
func (e *Encoder) Reset() {
	e.buf = e.buf[:0]
	clear(e.readable)
	e.readable = e.readable[:0]
}

func (e *Encoder) PutUint8(v uint8)   { e.buf = append(e.buf, v) }
func (e *Encoder) PutUint16(v uint16) { e.buf = binary.LittleEndian.AppendUint16(e.buf, v) }
func (e *Encoder) PutUint32(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }
func (e *Encoder) PutUint64(v uint64) { e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }
func (e *Encoder) PutUvarint(v uint64) {
	e.buf = binary.AppendUvarint(e.buf, v)
}
func (e *Encoder) PutVarint(v int64) { e.buf = binary.AppendVarint(e.buf, v) }

func (e *Encoder) PutBool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

// PutBytes writes a length and the bytes.
func (e *Encoder) PutBytes(b []byte) {
	e.PutUvarint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

// PutString writes a length and the string's bytes.
func (e *Encoder) PutString(s string) {
	e.PutUvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// PutRaw appends bytes with no length; the reader must know the size.
func (e *Encoder) PutRaw(b []byte) { e.buf = append(e.buf, b...) }

// PutHandle writes a bulk handle.
func (e *Encoder) PutHandle(h fabric.BulkHandle) {
	e.PutUint8(uint8(h.Access))
	e.PutUvarint(uint64(len(h.Segments)))
	for _, s := range h.Segments {
		e.PutUvarint(s.Addr)
		e.PutUvarint(s.Key)
		e.PutUvarint(s.Len)
	}
}

// DecodeError says where and why a message could not be decoded. It
// wraps DER_PROTO.
type DecodeError struct {
	Offset int
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("malformed message at byte %d: %s: %v", e.Offset, e.Reason, daos.ErrProto)
}

func (e *DecodeError) Unwrap() error { return daos.ErrProto }

// Decoder reads fields from a received message. The first failure sticks:
// later reads return zero values and Err reports it, so a DecodeRPC method
// can read every field and check once at the end.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder reads buf.
func NewDecoder(buf []byte) *Decoder { return &Decoder{buf: buf} }

// decoders are reused by the endpoint for request and reply bodies, which
// every call decodes through an interface (so a Decoder would escape).
var decoders = sync.Pool{New: func() any { return new(Decoder) }}

func getDecoder(buf []byte) *Decoder {
	d := decoders.Get().(*Decoder)
	*d = Decoder{buf: buf}
	return d
}

// putDecoder recycles d; what was decoded through it may keep slices of
// its buffer, never the Decoder itself.
func putDecoder(d *Decoder) {
	*d = Decoder{}
	decoders.Put(d)
}

// Err is the first decoding failure, or nil.
func (d *Decoder) Err() error { return d.err }

// Remaining is the number of bytes not read yet.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Finish checks that the message was read without error and to its end.
func (d *Decoder) Finish() error {
	if d.err == nil && d.off != len(d.buf) {
		d.fail(fmt.Sprintf("%d unexpected trailing bytes", len(d.buf)-d.off))
	}
	return d.err
}

// Fail records a validation failure found by a message's own checks.
func (d *Decoder) Fail(reason string) {
	d.fail(reason)
}

func (d *Decoder) fail(reason string) {
	if d.err == nil {
		d.err = &DecodeError{Offset: d.off, Reason: reason}
	}
}

func (d *Decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.buf)-d.off {
		d.fail(fmt.Sprintf("%s needs %d bytes, %d left", what, n, len(d.buf)-d.off))
		return nil
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

func (d *Decoder) Uint8() uint8 {
	if b := d.take(1, "uint8"); b != nil {
		return b[0]
	}
	return 0
}

func (d *Decoder) Uint16() uint16 {
	if b := d.take(2, "uint16"); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *Decoder) Uint32() uint32 {
	if b := d.take(4, "uint32"); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *Decoder) Uint64() uint64 {
	if b := d.take(8, "uint64"); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		d.fail("bad or truncated varint")
		return 0
	}
	d.off += n
	return v
}

func (d *Decoder) Varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf[d.off:])
	if n <= 0 {
		d.fail("bad or truncated varint")
		return 0
	}
	d.off += n
	return v
}

// Bool reads one byte that must be 0 or 1.
func (d *Decoder) Bool() bool {
	switch d.Uint8() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bool is neither 0 nor 1")
	return false
}

// length reads a length that must be at most max and fit in what is left.
func (d *Decoder) length(max int, what string) int {
	n := d.Uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(max) {
		d.fail(fmt.Sprintf("%s of %d bytes exceeds the limit of %d", what, n, max))
		return 0
	}
	if n > uint64(len(d.buf)-d.off) {
		d.fail(fmt.Sprintf("%s of %d bytes but only %d left", what, n, len(d.buf)-d.off))
		return 0
	}
	return int(n)
}

// Bytes reads a length-prefixed byte string of at most max bytes. The
// result aliases the message (nil for an empty string).
func (d *Decoder) Bytes(max int) []byte {
	n := d.length(max, "byte string")
	if n == 0 {
		return nil
	}
	return d.take(n, "byte string")
}

// String reads a length-prefixed string of at most max bytes (a copy).
func (d *Decoder) String(max int) string {
	return string(d.Bytes(max))
}

// Raw reads n bytes with no length prefix; the result aliases the message.
func (d *Decoder) Raw(n int) []byte { return d.take(n, "raw bytes") }

// Count reads the element count of a list whose elements take at least
// minSize bytes each; it fails if the count exceeds max or could not fit in
// the bytes left, so a caller may allocate count elements safely.
func (d *Decoder) Count(max, minSize int) int {
	n := d.Uvarint()
	if d.err != nil {
		return 0
	}
	if max < 0 {
		// A caller's mistake, which would lift the limit.
		d.fail(fmt.Sprintf("list limit %d is negative", max))
		return 0
	}
	if n > uint64(max) {
		d.fail(fmt.Sprintf("list of %d elements exceeds the limit of %d", n, max))
		return 0
	}
	if minSize > 0 && n > uint64((len(d.buf)-d.off)/minSize) {
		d.fail(fmt.Sprintf("list of %d elements cannot fit in %d bytes", n, len(d.buf)-d.off))
		return 0
	}
	return int(n)
}

// Handle reads a bulk handle and checks it.
func (d *Decoder) Handle() fabric.BulkHandle {
	var h fabric.BulkHandle
	access := fabric.Access(d.Uint8())
	if access&^fabric.AccessAll != 0 {
		d.fail(fmt.Sprintf("bulk handle access %#x", uint8(access)))
	}
	n := d.Count(fabric.MaxHandleSegments, 3)
	if d.err != nil {
		return h
	}
	h.Access = access
	if n > 0 {
		h.Segments = make([]fabric.RemoteSegment, n)
	}
	for i := range h.Segments {
		h.Segments[i] = fabric.RemoteSegment{Addr: d.Uvarint(), Key: d.Uvarint(), Len: d.Uvarint()}
	}
	if d.err == nil {
		if err := h.Check(); err != nil {
			d.fail(err.Error())
		}
	}
	return h
}

// Empty is a message with no fields.
type Empty struct{}

func (Empty) EncodeRPC(*Encoder)         {}
func (Empty) DecodeRPC(d *Decoder) error { return d.Err() }

// Raw is a message that is one byte string (the rest of the message).
type Raw struct {
	Data []byte
}

func (m *Raw) EncodeRPC(e *Encoder) { e.PutRaw(m.Data) }

// DecodeRPC takes the rest of the message, aliasing it.
func (m *Raw) DecodeRPC(d *Decoder) error {
	m.Data = d.Raw(d.Remaining())
	return d.Err()
}
