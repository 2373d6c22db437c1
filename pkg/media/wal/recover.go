package wal

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// successorScanBytes bounds how far past an invalid record recovery looks for
// a later record proving that the invalid one had been durable. Four of the
// largest records: a corrupt record hides at most one record's worth of
// bytes, and the rest is slack for runs of corrupt small records.
const successorScanBytes = 4 * maxRecordBytes

// reader reads the log image. A returned slice is valid until the next call.
type reader interface {
	at(off int64, n int) ([]byte, error)
}

// memReader reads a log image that is in memory (a PMem mapping, or a test's
// byte slice).
type memReader []byte

func (m memReader) at(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off > int64(len(m)) || int64(n) > int64(len(m))-off {
		return nil, fmt.Errorf("read [%d, +%d) outside the %d-byte log", off, n, len(m))
	}
	return m[off : off+int64(n)], nil
}

// scanChunkBytes is how much of the log a search for record headers reads
// at a time.
const scanChunkBytes = 1 << 20

// nextMagic returns the first offset in [from, limit), from aligned, that
// is aligned and holds a record's magic, or limit if none does. Scans past
// the tail may cover tens of megabytes at every open, so the search runs
// over large chunks with bytes.Index rather than offset by offset. The
// caller guarantees that a header's bytes exist at every offset below
// limit.
func nextMagic(r reader, from, limit int64) (int64, error) {
	var magic [4]byte
	le.PutUint32(magic[:], recordMagic)
	for off := from; off < limit; {
		n := min(limit-off, scanChunkBytes)
		// The chunk is a multiple of the alignment (but for the last), so
		// an aligned magic never straddles two chunks; the extra bytes let
		// one at the last candidate offset be seen.
		b, err := r.at(off, int(n)+len(magic)-1)
		if err != nil {
			return 0, err
		}
		for i := 0; ; {
			j := bytes.Index(b[i:], magic[:])
			if j < 0 || int64(i+j) >= n {
				break
			}
			if p := off + int64(i+j); (p-recMagicOff)%recordAlignBytes == 0 {
				return p - recMagicOff, nil
			}
			i += j + 1
		}
		off += n
	}
	return limit, nil
}

// position is a point in the chain of records of one generation.
type position struct {
	off  int64  // where the next record starts
	next LSN    // the LSN it must carry
	prev uint32 // the checksum it must name as its predecessor's
}

// walk follows the records of generation gen from pos for as long as each is
// valid and ends by limit, handing each to fn if fn is not nil. It returns
// the position after the last valid record and, when it stopped before limit,
// stop saying why the bytes there are not the next record. err is a read
// error or fn's error.
func walk(r reader, gen uint64, pos position, limit int64, fn func(Record) error) (end position, stop, err error) {
	// Each valid record moves pos.off forward by at least a header.
	for pos.off < limit {
		h, payload, n, crc, why, err := readRecordAt(r, gen, pos, limit)
		if err != nil || why != nil {
			return pos, why, err
		}
		if fn != nil {
			rec := Record{LSN: h.lsn, Type: h.typ, Payload: payload}
			if err := fn(rec); err != nil {
				return pos, nil, fmt.Errorf("LSN %d: %w", h.lsn, err)
			}
		}
		pos = position{off: pos.off + n, next: pos.next + 1, prev: crc}
	}
	return pos, nil, nil
}

// readRecordAt decodes the record at pos if it is the valid continuation of
// the chain. why says why it is not; err is a read error.
func readRecordAt(r reader, gen uint64, pos position, limit int64) (h recordHeader, payload []byte, n int64, crc uint32, why, err error) {
	if limit-pos.off < recordHeaderBytes {
		return h, nil, 0, 0, fmt.Errorf("only %d bytes left before offset %d", limit-pos.off, limit), nil
	}
	b, err := r.at(pos.off, recordHeaderBytes)
	if err != nil {
		return h, nil, 0, 0, nil, err
	}
	h, crc, why = parseRecordHeader(b)
	switch {
	case why != nil:
	case h.gen != gen:
		why = fmt.Errorf("generation %d, expected %d", h.gen, gen)
	case h.lsn != pos.next:
		why = fmt.Errorf("LSN %d, expected %d", h.lsn, pos.next)
	case h.prev != pos.prev:
		why = fmt.Errorf("predecessor checksum %#08x, expected %#08x", h.prev, pos.prev)
	}
	if why != nil {
		return h, nil, 0, 0, why, nil
	}
	n = recordBytes(int(h.length))
	if n > limit-pos.off {
		return h, nil, 0, 0, fmt.Errorf("%d-byte record runs past offset %d", n, limit), nil
	}
	rec, err := r.at(pos.off, int(n))
	if err != nil {
		return h, nil, 0, 0, nil, err
	}
	if why := verifyRecord(rec, h, crc); why != nil {
		return h, nil, 0, 0, why, nil
	}
	return h, rec[recordHeaderBytes : recordHeaderBytes+int(h.length)], n, crc, nil, nil
}

// findAckedSuccessor looks in [from, scanEnd) for a valid record of
// generation gen written after record bad was durable (its acked field is
// above bad). Such a record proves that bad was acknowledged, so that an
// invalid record bad is damage, not a torn tail. Records of the same batch as
// bad, or left over from before a crash, have acked <= bad and do not count.
func findAckedSuccessor(r reader, gen uint64, bad LSN, from, scanEnd, fileEnd int64) (position, bool, error) {
	limit := min(scanEnd, fileEnd-recordHeaderBytes+1)
	for off := from; off < limit; off += recordAlignBytes {
		off, err := nextMagic(r, off, limit)
		if err != nil || off >= limit {
			return position{}, false, err
		}
		b, err := r.at(off, recordHeaderBytes)
		if err != nil {
			return position{}, false, err
		}
		h, crc, why := parseRecordHeader(b)
		if why != nil || h.gen != gen || h.lsn <= bad || h.acked <= bad {
			continue
		}
		n := recordBytes(int(h.length))
		if n > fileEnd-off {
			continue
		}
		rec, err := r.at(off, int(n))
		if err != nil {
			return position{}, false, err
		}
		if verifyRecord(rec, h, crc) == nil {
			return position{off: off, next: h.lsn, prev: h.prev}, true, nil
		}
	}
	return position{}, false, nil
}

// recovered is what recovery found in the current generation.
type recovered struct {
	tail    position // after the last valid record of the unbroken chain
	next    LSN      // LSN for the next record: past every LSN seen
	corrupt error    // a bad record in the middle, wrapping ErrCorrupt
}

// recoverLog finds the tail of generation h: the end of the chain of valid
// records from the start. An invalid record ends the chain; it is the torn
// tail unless a later record shows it had been durable, which is corruption.
func recoverLog(r reader, path string, fileBytes int64, h logHeader) (recovered, error) {
	start := position{off: dataOffset, next: h.base}
	end, stop, err := walk(r, h.gen, start, fileBytes, nil)
	if err != nil {
		return recovered{}, fmt.Errorf("scan %s: %w", path, err)
	}
	rec := recovered{tail: end, next: end.next}
	if stop == nil {
		return rec, nil
	}
	scanEnd := min(fileBytes, end.off+successorScanBytes)
	succ, found, err := findAckedSuccessor(r, h.gen, end.next, end.off+recordAlignBytes, scanEnd, fileBytes)
	if err != nil || !found {
		return rec, err
	}
	// Follow the chain after the damage only to learn its last LSN, so that
	// no LSN it used is handed out again.
	chainEnd, _, err := walk(r, h.gen, succ, fileBytes, nil)
	if err != nil {
		return recovered{}, fmt.Errorf("scan %s: %w", path, err)
	}
	rec.next = chainEnd.next
	rec.corrupt = fmt.Errorf("wal: %s: record LSN %d at offset %d is invalid (%v), yet record LSN %d at offset %d was written after it was durable: %w",
		path, end.next, end.off, stop, succ.next, succ.off, ErrCorrupt)
	return rec, nil
}

// readLogHeader picks the valid header slot with the newest generation.
func readLogHeader(r reader, path string, fileBytes int64) (logHeader, error) {
	var (
		best     logHeader
		found    bool
		otherBad error
		faults   []string
		notLog   = true // no slot even looks like ours
	)
	for slot := range headerSlots {
		off := int64(slot) * headerSlotBytes
		h, err := readLogHeaderSlot(r, slot, fileBytes)
		if err != nil {
			faults = append(faults, fmt.Sprintf("slot %d at offset %d: %v", slot, off, err))
			notLog = notLog && errors.Is(err, ErrNotLog)
			otherBad = err
			continue
		}
		if !found || h.gen > best.gen {
			best, found = h, true
		}
	}
	if !found {
		sentinel := ErrCorrupt
		if notLog {
			sentinel = ErrNotLog
		}
		return logHeader{}, fmt.Errorf("read header of %s: %s: %w", path, strings.Join(faults, "; "), sentinel)
	}
	if otherBad != nil {
		if err := checkNoNewerRecords(r, path, fileBytes, best, otherBad); err != nil {
			return logHeader{}, err
		}
	}
	return best, nil
}

func readLogHeaderSlot(r reader, slot int, fileBytes int64) (logHeader, error) {
	off := int64(slot) * headerSlotBytes
	if fileBytes-off < logHeaderBytes {
		return logHeader{}, fmt.Errorf("file of %d bytes ends before it: %w", fileBytes, ErrNotLog)
	}
	b, err := r.at(off, logHeaderBytes)
	if err != nil {
		return logHeader{}, err
	}
	h, err := parseLogHeader(b)
	switch {
	case err != nil:
		return logHeader{}, err
	case headerSlot(h.gen) != slot:
		return logHeader{}, fmt.Errorf("generation %d belongs in slot %d: %w", h.gen, headerSlot(h.gen), ErrCorrupt)
	case h.sizeBytes != fileBytes:
		return logHeader{}, fmt.Errorf("header says %d bytes but the file has %d (truncated or extended): %w",
			h.sizeBytes, fileBytes, ErrCorrupt)
	}
	return h, nil
}

// checkNoNewerRecords guards the fallback to an older header slot. That is
// right after a Reset torn by a crash, which wrote no records of the new
// generation. If such records exist, the newer header had been durable and
// is now damaged: replaying the older generation would silently drop them.
func checkNoNewerRecords(r reader, path string, fileBytes int64, h logHeader, slotErr error) error {
	if fileBytes-dataOffset < recordHeaderBytes {
		return nil
	}
	b, err := r.at(dataOffset, recordHeaderBytes)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	first, crc, why := parseRecordHeader(b)
	n := recordBytes(int(first.length))
	if why != nil || first.gen <= h.gen || n > fileBytes-dataOffset {
		return nil
	}
	rec, err := r.at(dataOffset, int(n))
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if verifyRecord(rec, first, crc) != nil {
		return nil
	}
	return fmt.Errorf("read header of %s: the other slot is invalid (%v) but record LSN %d of generation %d, newer than %d, lies at offset %d: %w",
		path, slotErr, first.lsn, first.gen, h.gen, dataOffset, ErrCorrupt)
}

// invalidateStale zeroes the commit word of every record of generation gen
// past the tail that claims an LSN at or after the tail's: leftovers of a
// batch torn by a crash. Left alone, one could chain onto a new record that
// happens to have the same bytes as the torn one (a retried request) and
// come back on a later replay without ever having been acknowledged.
func invalidateStale(r reader, m medium, gen uint64, tail position, fileEnd int64) error {
	limit := min(fileEnd, tail.off+successorScanBytes, fileEnd-recordHeaderBytes+1)
	var zero [8]byte
	for off := tail.off; off < limit; off += recordAlignBytes {
		off, err := nextMagic(r, off, limit)
		if err != nil || off >= limit {
			return err
		}
		b, err := r.at(off, recordHeaderBytes)
		if err != nil {
			return err
		}
		h, _, why := parseRecordHeader(b)
		if why != nil || h.gen != gen || h.lsn < tail.next {
			continue
		}
		if err := m.writeHeader(off, zero[:]); err != nil {
			return err
		}
	}
	return nil
}

// openLog recovers the log on m.
func openLog(path string, fileBytes int64, m medium) (*Log, error) {
	r := m.newReader()
	h, err := readLogHeader(r, path, fileBytes)
	if err != nil {
		return nil, err
	}
	rec, err := recoverLog(r, path, fileBytes, h)
	if err != nil {
		return nil, err
	}
	if rec.corrupt == nil {
		if err := invalidateStale(r, m, h.gen, rec.tail, fileBytes); err != nil {
			return nil, fmt.Errorf("clear stale records of %s: %w", path, err)
		}
	}
	if err := m.settle(rec.tail.off); err != nil {
		return nil, fmt.Errorf("sync %s: %w", path, err)
	}
	return newLog(path, fileBytes, m, h, rec), nil
}

// initialHeaders are the two slots of a new log: generation 1 and, in the
// other slot, a valid generation 0 with the same base. Both slots are valid
// from the start, so damage to either one alone is survivable.
func initialHeaders(sizeBytes int64) [][]byte {
	return [][]byte{
		logHeader{sizeBytes: sizeBytes, gen: 0, base: 1}.encode(),
		logHeader{sizeBytes: sizeBytes, gen: 1, base: 1}.encode(),
	}
}

// freshLog is a new, empty log of generation 1.
func freshLog(path string, sizeBytes int64, m medium) *Log {
	h := logHeader{sizeBytes: sizeBytes, gen: 1, base: 1}
	return newLog(path, sizeBytes, m, h, recovered{tail: position{off: dataOffset, next: 1}, next: 1})
}
