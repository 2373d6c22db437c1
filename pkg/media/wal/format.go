package wal

import (
	"fmt"

	"github.com/daos-go/daos/cgo/isal"
)

// Record layout: byte offsets inside a record (see the package documentation).
const (
	recMagicOff  = 0  // uint32 recordMagic; with the checksum, the commit word
	recCRCOff    = 4  // uint32 CRC-32C of the payload, then bytes 8..48
	recGenOff    = 8  // uint64 generation of the log the record belongs to
	recLSNOff    = 16 // uint64 LSN
	recAckedOff  = 24 // uint64 every smaller LSN was durable when written
	recPrevOff   = 32 // uint32 checksum of the previous record, 0 for the first
	recLengthOff = 36 // uint32 payload bytes
	recTypeOff   = 40 // uint8 record type, then 7 reserved zero bytes

	recordHeaderBytes = 48
	// commitWordBytes is the part of a record the PMem backend stores last.
	commitWordBytes = 8
	// recordAlignBytes keeps every record, and so every commit word, 8-byte
	// aligned: PMem only makes aligned 8-byte stores power-fail atomic.
	recordAlignBytes = 8

	// recordMagic is "WREC" as it lies on media.
	recordMagic uint32 = 0x43455257

	// maxRecordBytes is the largest record, header included.
	maxRecordBytes = recordHeaderBytes + MaxPayloadBytes
)

// Log header layout: each of the two slots holds one header.
const (
	headerSlotBytes = 4096 // one slot per 4 KiB block: a torn write of one cannot touch the other
	headerSlots     = 2
	dataOffset      = headerSlots * headerSlotBytes // first record

	hdrMagicOff    = 0  // [8]byte logMagic
	hdrVersionOff  = 8  // uint32 formatVersion
	hdrReservedOff = 12 // uint32 zero
	hdrSizeOff     = 16 // uint64 file size in bytes
	hdrGenOff      = 24 // uint64 generation
	hdrBaseOff     = 32 // uint64 LSN of the generation's first record
	hdrCRCOff      = 40 // uint32 CRC-32C of bytes 0..40
	hdrPadOff      = 44 // uint32 zero
	logHeaderBytes = 48

	formatVersion = 1
)

var logMagic = [8]byte{'D', 'G', 'O', '-', 'W', 'A', 'L', 0}

// recordHeader is the decoded fixed part of a record.
type recordHeader struct {
	gen    uint64
	lsn    LSN
	acked  LSN    // every record with a smaller LSN was durable before this one was written
	prev   uint32 // checksum of the previous record of the generation, 0 for the first
	length uint32 // payload bytes
	typ    uint8
}

// logHeader is the decoded content of one header slot.
type logHeader struct {
	sizeBytes int64
	gen       uint64
	base      LSN
}

// alignUp rounds n up to the record alignment.
func alignUp(n int64) int64 {
	return (n + recordAlignBytes - 1) &^ (recordAlignBytes - 1)
}

// recordBytes is the space a record with payloadBytes of payload takes.
func recordBytes(payloadBytes int) int64 {
	return alignUp(int64(recordHeaderBytes) + int64(payloadBytes))
}

// headerSlot is the slot that holds generation gen: generations alternate
// between the slots so that writing a new one never overwrites the current.
func headerSlot(gen uint64) int { return int(gen % headerSlots) }

// encodeRecordHeader fills dst[:recordHeaderBytes] and returns the record's
// checksum. The checksum covers the payload first and the header after, so
// that the expensive part (payloadCRC) can be computed before the record's
// LSN and predecessor are known.
func encodeRecordHeader(dst []byte, h recordHeader, payloadCRC uint32) uint32 {
	dst = dst[:recordHeaderBytes]
	le.PutUint32(dst[recMagicOff:], recordMagic)
	le.PutUint64(dst[recGenOff:], h.gen)
	le.PutUint64(dst[recLSNOff:], uint64(h.lsn))
	le.PutUint64(dst[recAckedOff:], uint64(h.acked))
	le.PutUint32(dst[recPrevOff:], h.prev)
	le.PutUint32(dst[recLengthOff:], h.length)
	dst[recTypeOff] = h.typ
	clear(dst[recTypeOff+1:])
	crc := isal.CRC32C(payloadCRC, dst[recGenOff:])
	le.PutUint32(dst[recCRCOff:], crc)
	return crc
}

// encodeRecord returns a whole record: header, payload and zero padding.
func encodeRecord(h recordHeader, payload []byte) []byte {
	buf := make([]byte, recordBytes(len(payload)))
	h.length = uint32(len(payload))
	encodeRecordHeader(buf, h, isal.CRC32C(0, payload))
	copy(buf[recordHeaderBytes:], payload)
	return buf
}

// parseRecordHeader checks what can be checked from the header alone and
// returns it with the stored checksum. Its errors say why the bytes are not a
// record; they are not wrapped in ErrCorrupt because the end of the log is
// exactly such bytes.
func parseRecordHeader(b []byte) (recordHeader, uint32, error) {
	if len(b) < recordHeaderBytes {
		return recordHeader{}, 0, fmt.Errorf("%d bytes left, a record header needs %d", len(b), recordHeaderBytes)
	}
	if m := le.Uint32(b[recMagicOff:]); m != recordMagic {
		return recordHeader{}, 0, fmt.Errorf("no record magic (found %#08x)", m)
	}
	for i := recTypeOff + 1; i < recordHeaderBytes; i++ {
		if b[i] != 0 {
			return recordHeader{}, 0, fmt.Errorf("reserved header byte %d is %#02x, not zero", i, b[i])
		}
	}
	h := recordHeader{
		gen:    le.Uint64(b[recGenOff:]),
		lsn:    LSN(le.Uint64(b[recLSNOff:])),
		acked:  LSN(le.Uint64(b[recAckedOff:])),
		prev:   le.Uint32(b[recPrevOff:]),
		length: le.Uint32(b[recLengthOff:]),
		typ:    b[recTypeOff],
	}
	if h.typ == 0 {
		return recordHeader{}, 0, fmt.Errorf("record type 0 is reserved")
	}
	if h.length > MaxPayloadBytes {
		return recordHeader{}, 0, fmt.Errorf("payload length %d exceeds the %d-byte limit", h.length, MaxPayloadBytes)
	}
	return h, le.Uint32(b[recCRCOff:]), nil
}

// verifyRecord checks the padding and the checksum of rec, the whole record
// whose header parsed as h with stored checksum crc.
func verifyRecord(rec []byte, h recordHeader, crc uint32) error {
	end := recordHeaderBytes + int(h.length)
	if int64(len(rec)) != recordBytes(int(h.length)) {
		return fmt.Errorf("record is %d bytes, its header says %d", len(rec), recordBytes(int(h.length)))
	}
	for i, c := range rec[end:] {
		if c != 0 {
			return fmt.Errorf("padding byte %d is %#02x, not zero", end+i, c)
		}
	}
	got := isal.CRC32C(isal.CRC32C(0, rec[recordHeaderBytes:end]), rec[recGenOff:recordHeaderBytes])
	if got != crc {
		return fmt.Errorf("checksum mismatch: stored %#08x, computed %#08x", crc, got)
	}
	return nil
}

// decodeRecord decodes the record at the start of b. It returns the header,
// the payload (aliasing b) and the record's size in bytes. It checks the
// record on its own; whether it belongs where it lies (generation, LSN,
// predecessor) is for the caller.
func decodeRecord(b []byte) (recordHeader, []byte, int, error) {
	h, crc, err := parseRecordHeader(b)
	if err != nil {
		return recordHeader{}, nil, 0, err
	}
	n := recordBytes(int(h.length))
	if int64(len(b)) < n {
		return recordHeader{}, nil, 0, fmt.Errorf("record of %d bytes is cut off after %d", n, len(b))
	}
	if err := verifyRecord(b[:n], h, crc); err != nil {
		return recordHeader{}, nil, 0, err
	}
	return h, b[recordHeaderBytes : recordHeaderBytes+int(h.length)], int(n), nil
}

// encode returns the bytes of a header slot.
func (h logHeader) encode() []byte {
	b := make([]byte, logHeaderBytes)
	copy(b[hdrMagicOff:], logMagic[:])
	le.PutUint32(b[hdrVersionOff:], formatVersion)
	le.PutUint64(b[hdrSizeOff:], uint64(h.sizeBytes))
	le.PutUint64(b[hdrGenOff:], h.gen)
	le.PutUint64(b[hdrBaseOff:], uint64(h.base))
	le.PutUint32(b[hdrCRCOff:], isal.CRC32C(0, b[:hdrCRCOff]))
	return b
}

// parseLogHeader decodes one header slot. Wrong magic or version wrap
// ErrNotLog; anything else wrong wraps ErrCorrupt.
func parseLogHeader(b []byte) (logHeader, error) {
	if len(b) < logHeaderBytes {
		return logHeader{}, fmt.Errorf("%d bytes, a header needs %d: %w", len(b), logHeaderBytes, ErrNotLog)
	}
	if [8]byte(b[hdrMagicOff:]) != logMagic {
		return logHeader{}, fmt.Errorf("bad magic %q: %w", b[hdrMagicOff:hdrMagicOff+8], ErrNotLog)
	}
	if v := le.Uint32(b[hdrVersionOff:]); v != formatVersion {
		return logHeader{}, fmt.Errorf("format version %d, this code reads %d: %w", v, formatVersion, ErrNotLog)
	}
	if stored, got := le.Uint32(b[hdrCRCOff:]), isal.CRC32C(0, b[:hdrCRCOff]); stored != got {
		return logHeader{}, fmt.Errorf("checksum mismatch: stored %#08x, computed %#08x: %w", stored, got, ErrCorrupt)
	}
	if le.Uint32(b[hdrReservedOff:]) != 0 || le.Uint32(b[hdrPadOff:]) != 0 {
		return logHeader{}, fmt.Errorf("reserved bytes are not zero: %w", ErrCorrupt)
	}
	h := logHeader{
		sizeBytes: int64(le.Uint64(b[hdrSizeOff:])),
		gen:       le.Uint64(b[hdrGenOff:]),
		base:      LSN(le.Uint64(b[hdrBaseOff:])),
	}
	if h.base == 0 || h.base >= maxLSN {
		return logHeader{}, fmt.Errorf("base LSN %d outside [1, %d): %w", h.base, maxLSN, ErrCorrupt)
	}
	return h, nil
}
