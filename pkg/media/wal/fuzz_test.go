package wal

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the record decoder, the header
// decoder and recovery over a log image. None may panic or read out of
// bounds; whatever decodes must re-encode to the same bytes, and recovery
// must hand out only records that decode on their own.
func FuzzDecode(f *testing.F) {
	r1 := encodeRecord(recordHeader{gen: 1, lsn: 1, acked: 1, typ: 1}, []byte("first"))
	r2 := encodeRecord(recordHeader{gen: 1, lsn: 2, acked: 2, prev: le.Uint32(r1[recCRCOff:]), typ: 2}, bytes.Repeat([]byte{0xA5}, 100))
	f.Add(r1)
	f.Add(append(append([]byte{}, r1...), r2...))
	f.Add(encodeRecord(recordHeader{gen: 1, lsn: 1, acked: 1, typ: 255}, nil))
	f.Add(r1[:len(r1)-3])
	f.Add(r2[:recordHeaderBytes])
	f.Add(logHeader{sizeBytes: minLogBytes, gen: 1, base: 1}.encode())
	f.Add(make([]byte, 64))
	f.Add([]byte("WREC"))

	f.Fuzz(func(t *testing.T, data []byte) {
		if h, payload, n, err := decodeRecord(data); err == nil {
			if n > len(data) || n != int(recordBytes(len(payload))) {
				t.Fatalf("decoded %d bytes of %d for a %d-byte payload", n, len(data), len(payload))
			}
			if again := encodeRecord(h, payload); !bytes.Equal(again, data[:n]) {
				t.Fatalf("re-encoding differs:\n got %x\nwant %x", again, data[:n])
			}
		}
		if h, err := parseLogHeader(data); err == nil {
			if again := h.encode(); !bytes.Equal(again, data[:logHeaderBytes]) {
				t.Fatalf("header re-encoding differs:\n got %x\nwant %x", again, data[:logHeaderBytes])
			}
		}
		recoverImage(t, data)
	})
}

// recoverImage lays data out as the records of a generation-1 log and runs
// recovery and replay over it.
func recoverImage(t *testing.T, data []byte) {
	img := make([]byte, dataOffset+max(alignUp(int64(len(data))), 4096))
	for slot, b := range initialHeaders(int64(len(img))) {
		copy(img[slot*headerSlotBytes:], b)
	}
	copy(img[dataOffset:], data)
	r := memReader(img)
	h, err := readLogHeader(r, "fuzz", int64(len(img)))
	if err != nil {
		return // damage that claims a newer generation: a clean refusal
	}
	rec, err := recoverLog(r, "fuzz", int64(len(img)), h)
	if err != nil {
		t.Fatalf("recovery over memory failed: %v", err)
	}
	if rec.tail.off < dataOffset || rec.tail.off > int64(len(img)) || rec.next < rec.tail.next {
		t.Fatalf("recovery ended at offset %d, next LSN %d, chain LSN %d", rec.tail.off, rec.next, rec.tail.next)
	}
	off := int64(dataOffset)
	_, _, err = walk(r, h.gen, position{off: dataOffset, next: h.base}, rec.tail.off, func(got Record) error {
		_, payload, n, err := decodeRecord(img[off:])
		if err != nil || !bytes.Equal(payload, got.Payload) {
			t.Fatalf("replayed LSN %d at offset %d does not decode on its own: %v", got.LSN, off, err)
		}
		off += int64(n)
		return nil
	})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
}
