package drpc

import (
	"bytes"
	"errors"
	"testing"
)

func mkPacket(h header, data []byte) []byte {
	p := make([]byte, HeaderBytes+len(data))
	h.put(p)
	copy(p[HeaderBytes:], data)
	return p
}

func TestSplitAndAssemble(t *testing.T) {
	for name, size := range map[string]int{
		"empty":          0,
		"small":          10,
		"one full chunk": MaxChunkDataBytes,
		"one more":       MaxChunkDataBytes + 1,
		"three chunks":   2*MaxChunkDataBytes + 77,
	} {
		t.Run(name, func(t *testing.T) {
			msg := bytes.Repeat([]byte{0xa5}, size)
			for i := range msg {
				msg[i] = byte(i * 7)
			}
			packets := splitPackets(msg)
			if len(packets) != chunkCount(size) {
				t.Fatalf("got %d packets, want %d", len(packets), chunkCount(size))
			}
			a := newAssembler(0)
			for i, p := range packets {
				if len(p) > MaxPacketBytes {
					t.Fatalf("packet %d has %d bytes", i, len(p))
				}
				done, err := a.add(p)
				if err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				if done != (i == len(packets)-1) {
					t.Fatalf("packet %d: done=%v", i, done)
				}
			}
			if !bytes.Equal(a.message(), msg) {
				t.Fatal("reassembled message differs")
			}
		})
	}
}

func TestAssemblerRejects(t *testing.T) {
	full := bytes.Repeat([]byte{1}, MaxChunkDataBytes)
	two := uint64(MaxChunkDataBytes + 5)
	for name, tc := range map[string]struct {
		limit   int
		packets [][]byte
	}{
		"short packet":       {packets: [][]byte{make([]byte, HeaderBytes-1)}},
		"huge packet":        {packets: [][]byte{make([]byte, MaxPacketBytes+1)}},
		"chunk size lie":     {packets: [][]byte{mkPacket(header{totalBytes: 4, chunkBytes: 5, totalChunks: 1}, []byte{1, 2, 3, 4})}},
		"total too big":      {limit: 100, packets: [][]byte{mkPacket(header{totalBytes: 101, chunkBytes: 1, totalChunks: 1}, []byte{1})}},
		"absurd total":       {packets: [][]byte{mkPacket(header{totalBytes: 1 << 62, chunkBytes: 1, totalChunks: 1}, []byte{1})}},
		"wrong chunk count":  {packets: [][]byte{mkPacket(header{totalBytes: 3, chunkBytes: 3, totalChunks: 2}, []byte{1, 2, 3})}},
		"first chunk not 0":  {packets: [][]byte{mkPacket(header{totalBytes: 3, chunkBytes: 3, chunkIdx: 1, totalChunks: 1}, []byte{1, 2, 3})}},
		"short last chunk":   {packets: [][]byte{mkPacket(header{totalBytes: 3, chunkBytes: 2, totalChunks: 1}, []byte{1, 2})}},
		"short middle chunk": {packets: [][]byte{mkPacket(header{totalBytes: two, chunkBytes: 10, totalChunks: 2}, full[:10])}},
		"chunk out of order": {packets: [][]byte{
			mkPacket(header{totalBytes: two, chunkBytes: uint64(len(full)), totalChunks: 2}, full),
			mkPacket(header{totalBytes: two, chunkBytes: 5, chunkIdx: 2, totalChunks: 2}, full[:5]),
		}},
		"total changes": {packets: [][]byte{
			mkPacket(header{totalBytes: two, chunkBytes: uint64(len(full)), totalChunks: 2}, full),
			mkPacket(header{totalBytes: two + 1, chunkBytes: 6, chunkIdx: 1, totalChunks: 2}, full[:6]),
		}},
	} {
		t.Run(name, func(t *testing.T) {
			a := newAssembler(tc.limit)
			var err error
			for _, p := range tc.packets {
				if _, err = a.add(p); err != nil {
					break
				}
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

// FuzzAssembler feeds arbitrary packets to the frame parser: it must
// never panic, never hold more than the limit, and anything it accepts
// must round-trip through splitPackets.
func FuzzAssembler(f *testing.F) {
	for _, p := range splitPackets([]byte("hello dRPC")) {
		f.Add(p, uint16(len(p)))
	}
	f.Add(mkPacket(header{totalBytes: 1 << 40, chunkBytes: 0, totalChunks: 1}, nil), uint16(HeaderBytes))
	f.Add([]byte{}, uint16(0))
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		const limit = 1 << 20
		a := newAssembler(limit)
		// Cut the input into two packets at cut to exercise multi-chunk
		// state as well as single packets.
		c := min(int(cut), len(in))
		for _, p := range [][]byte{in[:c], in[c:]} {
			done, err := a.add(p)
			if len(a.buf) > limit {
				t.Fatalf("buffered %d bytes past the %d limit", len(a.buf), limit)
			}
			if err != nil {
				return
			}
			if done {
				again := newAssembler(limit)
				for _, q := range splitPackets(a.message()) {
					if _, err := again.add(q); err != nil {
						t.Fatalf("accepted message does not round-trip: %v", err)
					}
				}
				return
			}
		}
	})
}
