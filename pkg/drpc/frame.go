package drpc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Limits of the wire format.
const (
	// MaxPacketBytes is the largest packet, header included
	// (UNIXCOMM_MAXMSGSIZE in DAOS).
	MaxPacketBytes = 1 << 17
	// HeaderBytes is the size of the chunk header on 64-bit hosts.
	HeaderBytes = 24
	// MaxChunkDataBytes is the payload one packet can carry.
	MaxChunkDataBytes = MaxPacketBytes - HeaderBytes
	// DefaultMaxMessageBytes bounds a whole message unless the caller
	// sets another limit.
	DefaultMaxMessageBytes = 64 << 20
)

// ErrMalformed is wrapped by every error about bytes that do not form a
// valid dRPC message.
var ErrMalformed = errors.New("malformed dRPC message")

// header is the per-packet header.
type header struct {
	totalBytes  uint64
	chunkBytes  uint64
	chunkIdx    uint32
	totalChunks uint32
}

func (h header) put(b []byte) {
	binary.NativeEndian.PutUint64(b[0:], h.totalBytes)
	binary.NativeEndian.PutUint64(b[8:], h.chunkBytes)
	binary.NativeEndian.PutUint32(b[16:], h.chunkIdx)
	binary.NativeEndian.PutUint32(b[20:], h.totalChunks)
}

func parseHeader(b []byte) header {
	return header{
		totalBytes:  binary.NativeEndian.Uint64(b[0:]),
		chunkBytes:  binary.NativeEndian.Uint64(b[8:]),
		chunkIdx:    binary.NativeEndian.Uint32(b[16:]),
		totalChunks: binary.NativeEndian.Uint32(b[20:]),
	}
}

// chunkCount is how many packets a message of n bytes takes; an empty
// message still takes one.
func chunkCount(n int) int {
	if n == 0 {
		return 1
	}
	return (n + MaxChunkDataBytes - 1) / MaxChunkDataBytes
}

// splitPackets cuts msg into packets ready to send. The packets are new
// slices; msg is not retained.
func splitPackets(msg []byte) [][]byte {
	total := chunkCount(len(msg))
	packets := make([][]byte, 0, total)
	for i := range total {
		data := msg[min(i*MaxChunkDataBytes, len(msg)):min((i+1)*MaxChunkDataBytes, len(msg))]
		p := make([]byte, HeaderBytes+len(data))
		header{
			totalBytes:  uint64(len(msg)),
			chunkBytes:  uint64(len(data)),
			chunkIdx:    uint32(i),
			totalChunks: uint32(total),
		}.put(p)
		copy(p[HeaderBytes:], data)
		packets = append(packets, p)
	}
	return packets
}

// assembler rebuilds one message from its packets, checking each header
// against the first. Its buffer grows only by the data actually
// received, so a header that claims a huge size costs nothing until the
// bytes arrive, and maxBytes bounds it even then.
type assembler struct {
	maxBytes int
	first    header
	next     uint32 // index of the chunk expected next
	buf      []byte
}

func newAssembler(maxBytes int) *assembler {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	return &assembler{maxBytes: maxBytes}
}

// add takes the next packet. It returns true when the message is
// complete; message then returns it.
func (a *assembler) add(packet []byte) (bool, error) {
	if len(packet) < HeaderBytes {
		return false, fmt.Errorf("%w: packet of %d bytes is shorter than the %d-byte header", ErrMalformed, len(packet), HeaderBytes)
	}
	if len(packet) > MaxPacketBytes {
		return false, fmt.Errorf("%w: packet of %d bytes exceeds the %d-byte limit", ErrMalformed, len(packet), MaxPacketBytes)
	}
	h := parseHeader(packet)
	data := packet[HeaderBytes:]
	if h.chunkBytes != uint64(len(data)) {
		return false, fmt.Errorf("%w: chunk header says %d data bytes, packet has %d", ErrMalformed, h.chunkBytes, len(data))
	}
	if a.next == 0 {
		if err := a.checkFirst(h); err != nil {
			return false, err
		}
		a.first = h
	} else if h.totalBytes != a.first.totalBytes || h.totalChunks != a.first.totalChunks {
		return false, fmt.Errorf("%w: chunk %d says %d bytes in %d chunks, chunk 0 said %d in %d",
			ErrMalformed, h.chunkIdx, h.totalBytes, h.totalChunks, a.first.totalBytes, a.first.totalChunks)
	}
	if h.chunkIdx != a.next {
		return false, fmt.Errorf("%w: got chunk %d, expected chunk %d", ErrMalformed, h.chunkIdx, a.next)
	}
	last := a.next+1 == h.totalChunks
	want := MaxChunkDataBytes
	if last {
		want = int(h.totalBytes) - len(a.buf)
	}
	if len(data) != want {
		return false, fmt.Errorf("%w: chunk %d of %d carries %d bytes, expected %d",
			ErrMalformed, h.chunkIdx, h.totalChunks, len(data), want)
	}
	a.buf = append(a.buf, data...)
	a.next++
	return last, nil
}

func (a *assembler) checkFirst(h header) error {
	if h.totalBytes > uint64(a.maxBytes) {
		return fmt.Errorf("%w: message of %d bytes exceeds the %d-byte limit", ErrMalformed, h.totalBytes, a.maxBytes)
	}
	if want := chunkCount(int(h.totalBytes)); int(h.totalChunks) != want {
		return fmt.Errorf("%w: %d bytes need %d chunks, header says %d", ErrMalformed, h.totalBytes, want, h.totalChunks)
	}
	return nil
}

// message returns the assembled message; the caller owns it.
func (a *assembler) message() []byte { return a.buf }
