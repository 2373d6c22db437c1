package tcp

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/daos-go/daos/pkg/bufpool"
	"github.com/daos-go/daos/pkg/fabric"
)

// Protocol constants. A connection starts with a hello from the dialer and
// an answer from the listener; then frames flow both ways.
const (
	helloMagic   = "DGOF"
	protoVersion = 1
	helloLen     = 16 // magic(4) version(1) kind(1) reserved(2) session(8)
	answerLen    = 8  // magic(4) version(1) status(1) reserved(2)

	kindCtrl = 1
	kindBulk = 2

	answerOK             = 0
	answerBadVersion     = 1
	answerUnknownSession = 2
	answerClosing        = 3
)

// Control frames: length(4, of the payload) type(1) payload.
const (
	ctrlHeaderLen = 5
	ctrlMessage   = 1 // payload: one message for the handler
	ctrlBye       = 2 // no payload: the sender is closing this session
	ctrlEager     = 3 // payload id(8) key(8) n(8): the next message's region key comes eagerly
	ctrlEagerLen  = 24
	// ctrlByeTooLarge: no payload; the sender is closing this session
	// because a message came over its limit. The peer's calls then fail
	// with DER_OVERFLOW, which nothing retries (after a plain bye they
	// would be sent again, the oversized message with them).
	ctrlByeTooLarge = 4
)

// Bulk frames: a fixed header, followed by `chunk` data bytes for the data
// frames.
//
//	type(1) flags(1) reserved(2) chunk(4) op(8) key(8) off(8) n(8)
const (
	bulkHeaderLen = 40

	bulkReadReq   = 1 // key, off (in the region), n: send me these bytes
	bulkReadData  = 2 // off (in the transfer), chunk bytes follow; flagLast
	bulkStatus    = 3 // n: DER code ending op (0: a write landed)
	bulkWriteData = 4 // key, off (in the region), chunk bytes follow; flagLast
	bulkEagerData = 5 // op: eager id, off (in the region), n: region size, chunk bytes follow

	flagLast = 1

	// MaxChunkWire bounds a chunk a peer may send, whatever its config.
	MaxChunkWire = 64 << 20
	// MaxEagerChunkWire bounds an eager data chunk: unclaimed chunks are
	// buffered whole, in buffers of this size.
	MaxEagerChunkWire = eagerChunk
	// MaxEagerWire bounds the region an eager push may announce.
	MaxEagerWire = 1 << 30
)

type hello struct {
	kind    byte
	session uint64
}

func (h hello) encode() []byte {
	b := make([]byte, helloLen)
	copy(b, helloMagic)
	b[4], b[5] = protoVersion, h.kind
	binary.LittleEndian.PutUint64(b[8:], h.session)
	return b
}

// parseHello checks a dialer's hello; the version is returned separately
// so that a listener can answer a mismatch.
func parseHello(b []byte) (hello, byte, error) {
	if len(b) != helloLen || string(b[:4]) != helloMagic {
		return hello{}, 0, fmt.Errorf("bad hello (not a daos-go tcp peer?): %w", fabric.ErrMalformed)
	}
	h := hello{kind: b[5], session: binary.LittleEndian.Uint64(b[8:])}
	if h.kind != kindCtrl && h.kind != kindBulk {
		return hello{}, b[4], fmt.Errorf("hello names connection kind %d: %w", h.kind, fabric.ErrMalformed)
	}
	return h, b[4], nil
}

func encodeAnswer(status byte) []byte {
	b := make([]byte, answerLen)
	copy(b, helloMagic)
	b[4], b[5] = protoVersion, status
	return b
}

func parseAnswer(b []byte) (byte, error) {
	if len(b) != answerLen || string(b[:4]) != helloMagic {
		return 0, fmt.Errorf("bad answer to hello (not a daos-go tcp endpoint?): %w", fabric.ErrMalformed)
	}
	if b[4] != protoVersion {
		return 0, fmt.Errorf("peer speaks protocol version %d, we speak %d: %w", b[4], protoVersion, fabric.ErrMalformed)
	}
	return b[5], nil
}

func putCtrlHeader(b []byte, typ byte, n int) {
	binary.LittleEndian.PutUint32(b, uint32(n))
	b[4] = typ
}

// readCtrlFrame reads one control frame from r, allocating at most max
// bytes and only after the header said so.
func readCtrlFrame(r *bufio.Reader, max int) (byte, []byte, error) {
	return newFrameReader(r, max, nil).next()
}

// unexpectedEOF turns an EOF inside a frame into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

type bulkHeader struct {
	typ, flags byte
	chunk      uint32
	op         uint64
	key        uint64
	off        uint64
	n          uint64
}

func (h *bulkHeader) put(b []byte) {
	b[0], b[1], b[2], b[3] = h.typ, h.flags, 0, 0
	binary.LittleEndian.PutUint32(b[4:], h.chunk)
	binary.LittleEndian.PutUint64(b[8:], h.op)
	binary.LittleEndian.PutUint64(b[16:], h.key)
	binary.LittleEndian.PutUint64(b[24:], h.off)
	binary.LittleEndian.PutUint64(b[32:], h.n)
}

// parseBulkHeader decodes and checks a bulk frame header; data frames'
// chunk sizes are bounded by MaxChunkWire.
func parseBulkHeader(b []byte) (bulkHeader, error) {
	h := bulkHeader{
		typ: b[0], flags: b[1],
		chunk: binary.LittleEndian.Uint32(b[4:]),
		op:    binary.LittleEndian.Uint64(b[8:]),
		key:   binary.LittleEndian.Uint64(b[16:]),
		off:   binary.LittleEndian.Uint64(b[24:]),
		n:     binary.LittleEndian.Uint64(b[32:]),
	}
	switch h.typ {
	case bulkReadReq, bulkStatus:
		if h.chunk != 0 {
			return h, fmt.Errorf("bulk frame type %d carries %d data bytes: %w", h.typ, h.chunk, fabric.ErrMalformed)
		}
	case bulkReadData, bulkWriteData:
		if h.chunk > MaxChunkWire {
			return h, fmt.Errorf("bulk chunk of %d bytes exceeds %d: %w", h.chunk, MaxChunkWire, fabric.ErrMalformed)
		}
	case bulkEagerData:
		if h.chunk == 0 || h.chunk > MaxEagerChunkWire {
			return h, fmt.Errorf("eager chunk of %d bytes (limit %d): %w", h.chunk, MaxEagerChunkWire, fabric.ErrMalformed)
		}
		if h.n == 0 || h.n > MaxEagerWire || h.off > h.n || uint64(h.chunk) > h.n-h.off {
			return h, fmt.Errorf("eager chunk [%d, +%d) of a %d-byte region (limit %d): %w", h.off, h.chunk, h.n, MaxEagerWire, fabric.ErrMalformed)
		}
	default:
		return h, fmt.Errorf("bulk frame of unknown type %d: %w", h.typ, fabric.ErrMalformed)
	}
	if h.flags&^flagLast != 0 {
		return h, fmt.Errorf("bulk frame with unknown flags %#x: %w", h.flags, fabric.ErrMalformed)
	}
	if h.off > 1<<62 || h.n > 1<<62 {
		return h, fmt.Errorf("bulk frame offset %d or length %d out of range: %w", h.off, h.n, fabric.ErrMalformed)
	}
	return h, nil
}

// frameReader reads control frames like readCtrlFrame, but an error (a
// read deadline that interrupts a waiting caller, say) leaves the partial
// frame in place for the next call to continue.
type frameReader struct {
	r     *bufio.Reader
	max   int
	pool  *bufpool.Pool // message memory; nil: a new slice each
	hdr   [ctrlHeaderLen]byte
	hn    int  // header bytes read
	inMsg bool // header done, reading msg
	typ   byte
	msg   []byte
	mn    int // payload bytes read
}

func newFrameReader(r *bufio.Reader, max int, pool *bufpool.Pool) *frameReader {
	return &frameReader{r: r, max: max, pool: pool}
}

// alloc is the memory for an n-byte message.
func (f *frameReader) alloc(n int) []byte {
	if f.pool == nil || f.typ != ctrlMessage {
		return make([]byte, n)
	}
	return f.pool.Get(n)
}

// next returns the next frame, or the error that stopped it.
func (f *frameReader) next() (byte, []byte, error) {
	for !f.inMsg {
		if f.hn == ctrlHeaderLen {
			n := binary.LittleEndian.Uint32(f.hdr[:])
			f.typ = f.hdr[4]
			f.hn = 0
			switch f.typ {
			case ctrlMessage:
				if uint64(n) > uint64(f.max) {
					return 0, nil, fmt.Errorf("message frame of %d bytes exceeds the limit of %d: %w", n, f.max, fabric.ErrTooLarge)
				}
			case ctrlBye, ctrlByeTooLarge:
				if n != 0 {
					return 0, nil, fmt.Errorf("bye frame with %d payload bytes: %w", n, fabric.ErrMalformed)
				}
				return f.typ, nil, nil
			case ctrlEager:
				if n != ctrlEagerLen {
					return 0, nil, fmt.Errorf("eager frame with %d payload bytes: %w", n, fabric.ErrMalformed)
				}
			default:
				return 0, nil, fmt.Errorf("control frame of unknown type %d: %w", f.typ, fabric.ErrMalformed)
			}
			f.msg, f.mn, f.inMsg = f.alloc(int(n)), 0, true
			break
		}
		n, err := f.r.Read(f.hdr[f.hn:])
		f.hn += n
		if err != nil && f.hn < ctrlHeaderLen {
			if f.hn > 0 {
				err = unexpectedEOF(err)
			}
			return 0, nil, err
		}
	}
	for f.mn < len(f.msg) {
		n, err := f.r.Read(f.msg[f.mn:])
		f.mn += n
		if err != nil && f.mn < len(f.msg) {
			return 0, nil, unexpectedEOF(err)
		}
	}
	msg := f.msg
	f.msg, f.mn, f.inMsg = nil, 0, false
	return f.typ, msg, nil
}

type eagerAnnounce struct{ id, key, n uint64 }

func (a eagerAnnounce) put(b []byte) {
	binary.LittleEndian.PutUint64(b, a.id)
	binary.LittleEndian.PutUint64(b[8:], a.key)
	binary.LittleEndian.PutUint64(b[16:], a.n)
}

// parseEagerAnnounce decodes a ctrlEager payload (its length is checked by
// the frame reader) and bounds the region size.
func parseEagerAnnounce(b []byte) (eagerAnnounce, error) {
	if len(b) != ctrlEagerLen {
		return eagerAnnounce{}, fmt.Errorf("eager frame with %d payload bytes: %w", len(b), fabric.ErrMalformed)
	}
	a := eagerAnnounce{
		id:  binary.LittleEndian.Uint64(b),
		key: binary.LittleEndian.Uint64(b[8:]),
		n:   binary.LittleEndian.Uint64(b[16:]),
	}
	if a.n == 0 || a.n > MaxEagerWire {
		return a, fmt.Errorf("eager region of %d bytes (limit %d): %w", a.n, MaxEagerWire, fabric.ErrMalformed)
	}
	return a, nil
}
