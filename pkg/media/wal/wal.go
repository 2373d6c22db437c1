package wal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/daos-go/daos/cgo/isal"
)

// LSN is a log sequence number. The first record of a new log gets 1; each
// record gets the next number, and Reset only ever moves forward, so an LSN
// names one record for the life of the log.
type LSN uint64

// Record is one log record as Replay hands it out.
type Record struct {
	LSN  LSN
	Type uint8 // never 0: type 0 is reserved
	// Payload is valid until the callback it was handed to returns (it
	// may be the log's own memory); copy what must be kept.
	Payload []byte
}

// MaxPayloadBytes bounds the payload of one record.
const MaxPayloadBytes = 16 << 20

// Bounds of a log's size.
const (
	minLogBytes = dataOffset + 4096
	maxLogBytes = 1 << 40
	// maxLSN keeps LSN arithmetic far from overflow; nothing reaches it.
	maxLSN = LSN(1) << 62
)

// Errors wrapped by this package, for errors.Is.
var (
	// ErrFull: the record does not fit in the space left. Write a
	// checkpoint, then Reset.
	ErrFull = errors.New("wal: log is full")
	// ErrCorrupt: bytes that were once durable do not check out (a record
	// in the middle of the log, a header or a checkpoint file).
	ErrCorrupt = errors.New("wal: corrupt")
	// ErrNotLog: the file is not a log of this format (magic or version).
	ErrNotLog = errors.New("wal: not a log file")
	// ErrTooLarge: a payload exceeds MaxPayloadBytes.
	ErrTooLarge = errors.New("wal: payload too large")
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("wal: log is closed")
)

// Everything on media is little-endian.
var le = binary.LittleEndian

// medium is what a backend provides. The Log calls stage, commit and
// writeHeader with its bookkeeping serialized (stage and writeHeader under
// Log.mu, commit by one leader at a time) and never after close.
type medium interface {
	// stage writes a record of n bytes (header, payload, zero padding) at
	// off. It need not be durable; on PMem it must not even be valid yet.
	stage(off int64, header, payload []byte, n int64) error
	// commit makes every record staged before it durable and valid; batch
	// lists the records staged since the previous commit, in order.
	commit(batch []staged) error
	// writeHeader writes one header slot and makes it durable.
	writeHeader(off int64, b []byte) error
	// settle makes the first n bytes durable. Open calls it so that what
	// recovery found, possibly left unsynced by a process that died, is
	// durable before anyone acts on it.
	settle(n int64) error
	// newReader reads the log image; each Replay gets its own.
	newReader() reader
	close() error
}

// staged is a record written but not yet committed.
type staged struct {
	off   int64
	bytes int64
	word  uint64 // the commit word: the record's first 8 bytes, little-endian
}

// Log is the write-ahead log of one target. All methods are safe for
// concurrent use.
type Log struct {
	path      string
	sizeBytes int64
	media     medium

	// ioMu keeps Reset and Close, which change or release the media under
	// everyone, apart from Append and Replay, which read-lock it.
	ioMu sync.RWMutex

	mu         sync.Mutex
	closed     bool
	gen        uint64
	base       LSN    // LSN of the generation's first record
	next       LSN    // LSN of the next record
	tail       int64  // where the next record goes
	prev       uint32 // checksum of the last record staged
	synced     LSN    // every record with a smaller LSN is durable
	syncedTail int64  // end of the last durable record
	pending    []staged
	spare      []staged
	inflight   bool          // a commit round is running (without l.mu)
	roundDone  chan struct{} // closed when that round ends; made by the first waiter
	failed     error         // sticky: a write or sync failed, nothing can be trusted
	corrupt    error         // recovery found a bad record in the middle
	header     [recordHeaderBytes]byte

	// commits counts commit rounds, for tests and benchmarks.
	commits atomic.Int64
	// beforeCommit, if set, runs before each commit; tests use it to slow
	// commits down or fail them.
	beforeCommit func() error
}

// newLog builds a Log from what recovery found.
func newLog(path string, sizeBytes int64, m medium, h logHeader, rec recovered) *Log {
	return &Log{
		path: path, sizeBytes: sizeBytes, media: m,
		gen: h.gen, base: h.base, next: rec.next,
		tail: rec.tail.off, prev: rec.tail.prev,
		synced: rec.tail.next, syncedTail: rec.tail.off,
		corrupt: rec.corrupt,
	}
}

// Stage writes one record at the tail and returns its LSN without waiting
// for it to be durable: WaitDurable does that, and commits records staged
// by several callers with one sync. Stage then WaitDurable is Append, with
// the caller free to do other work in between (VOS applies the operation
// to its index there, under its own lock, and waits outside it).
func (l *Log) Stage(ctx context.Context, typ uint8, payload []byte) (LSN, error) {
	if err := checkRecord(typ, payload); err != nil {
		return 0, fmt.Errorf("wal: stage in %s: %w", l.path, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("wal: stage in %s: %w", l.path, err)
	}
	payloadCRC := isal.CRC32C(0, payload)
	l.ioMu.RLock()
	defer l.ioMu.RUnlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stageLocked(typ, payload, payloadCRC)
}

// WaitDurable returns once record lsn, staged earlier, is durable, leading
// a commit round if none is running. A Reset to an LSN above lsn also
// counts: the caller declared everything below it kept elsewhere.
func (l *Log) WaitDurable(ctx context.Context, lsn LSN) error {
	l.ioMu.RLock()
	defer l.ioMu.RUnlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.synced > lsn {
		return nil
	}
	if l.closed {
		return fmt.Errorf("wal: wait for LSN %d in %s: %w", lsn, l.path, ErrClosed)
	}
	if lsn >= l.next {
		return fmt.Errorf("wal: wait for LSN %d in %s: not staged (next is %d)", lsn, l.path, l.next)
	}
	return l.awaitDurableLocked(ctx, lsn)
}

// Append writes one record and returns its LSN once the record is durable.
// Concurrent calls share syncs (group commit). On error the record is not
// acknowledged; if the error came after the record was written (a cancelled
// ctx while waiting for the sync, a failed sync), a later recovery may or may
// not find it. A full log yields an error wrapping ErrFull.
func (l *Log) Append(ctx context.Context, typ uint8, payload []byte) (LSN, error) {
	if err := checkRecord(typ, payload); err != nil {
		return 0, fmt.Errorf("wal: append to %s: %w", l.path, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("wal: append to %s: %w", l.path, err)
	}
	// Outside the locks: for big payloads this is most of the CPU work.
	payloadCRC := isal.CRC32C(0, payload)

	l.ioMu.RLock()
	defer l.ioMu.RUnlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	lsn, err := l.stageLocked(typ, payload, payloadCRC)
	if err != nil {
		return 0, err
	}
	if err := l.awaitDurableLocked(ctx, lsn); err != nil {
		return 0, err
	}
	return lsn, nil
}

func checkRecord(typ uint8, payload []byte) error {
	if typ == 0 {
		return errors.New("record type 0 is reserved")
	}
	if len(payload) > MaxPayloadBytes {
		return fmt.Errorf("%d bytes, limit %d: %w", len(payload), MaxPayloadBytes, ErrTooLarge)
	}
	return nil
}

// usableLocked says why the log cannot take or sync records, if it cannot.
func (l *Log) usableLocked(op string) error {
	switch {
	case l.closed:
		return fmt.Errorf("wal: %s %s: %w", op, l.path, ErrClosed)
	case l.failed != nil:
		return l.failed
	case l.corrupt != nil:
		return fmt.Errorf("wal: %s %s: refused until Reset: %w", op, l.path, l.corrupt)
	}
	return nil
}

// stageLocked assigns the next LSN and writes the record at the tail.
func (l *Log) stageLocked(typ uint8, payload []byte, payloadCRC uint32) (LSN, error) {
	if err := l.usableLocked("append to"); err != nil {
		return 0, err
	}
	n := recordBytes(len(payload))
	if n > l.sizeBytes-l.tail {
		return 0, fmt.Errorf("wal: append %d-byte record to %s at offset %d (%d of %d bytes used): %w",
			n, l.path, l.tail, l.tail, l.sizeBytes, ErrFull)
	}
	if l.next >= maxLSN {
		return 0, fmt.Errorf("wal: append to %s: LSN %d reached the limit %d", l.path, l.next, maxLSN)
	}
	h := recordHeader{
		gen: l.gen, lsn: l.next, acked: l.synced, prev: l.prev,
		length: uint32(len(payload)), typ: typ,
	}
	crc := encodeRecordHeader(l.header[:], h, payloadCRC)
	if err := l.media.stage(l.tail, l.header[:], payload, n); err != nil {
		l.failed = fmt.Errorf("wal: %s: write record LSN %d at offset %d: %w", l.path, h.lsn, l.tail, err)
		return 0, l.failed
	}
	l.pending = append(l.pending, staged{off: l.tail, bytes: n, word: le.Uint64(l.header[:commitWordBytes])})
	l.tail += n
	l.prev = crc
	l.next++
	return h.lsn, nil
}

// awaitDurableLocked returns once record lsn is durable, leading commit
// rounds or waiting for them. l.mu is held on entry and exit but released
// while waiting. Each pass either commits or waits for a round in flight, and
// the first round that starts after the record was staged covers it, so the
// loop ends after at most two rounds.
func (l *Log) awaitDurableLocked(ctx context.Context, lsn LSN) error {
	for l.synced <= lsn {
		if l.failed != nil {
			return l.failed
		}
		if !l.inflight {
			l.commitLocked()
			continue
		}
		// The channel is made only when someone waits: a lone appender,
		// the common case, commits without allocating.
		if l.roundDone == nil {
			l.roundDone = make(chan struct{})
		}
		done := l.roundDone
		l.mu.Unlock()
		var err error
		select {
		case <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		l.mu.Lock()
		if err != nil {
			return fmt.Errorf("wal: %s: wait for LSN %d to be durable: %w", l.path, lsn, err)
		}
	}
	return nil
}

// commitLocked runs one commit round over everything staged so far. It
// releases l.mu during the commit so that other appenders can stage the next
// batch meanwhile.
func (l *Log) commitLocked() {
	l.inflight = true
	batch := l.pending
	l.pending = l.spare[:0]
	target, targetTail := l.next, l.tail
	l.mu.Unlock()

	err := l.runCommit(batch)

	l.mu.Lock()
	l.inflight = false
	l.spare = batch[:0]
	if err != nil {
		// After a failed fsync the kernel may have dropped the dirty pages:
		// nothing written since the last good sync can be trusted.
		l.failed = fmt.Errorf("wal: %s: sync records before LSN %d (log refuses appends until reopened): %w",
			l.path, target, err)
	} else {
		l.synced, l.syncedTail = target, targetTail
	}
	if l.roundDone != nil {
		close(l.roundDone)
		l.roundDone = nil
	}
}

func (l *Log) runCommit(batch []staged) error {
	l.commits.Add(1)
	if l.beforeCommit != nil {
		if err := l.beforeCommit(); err != nil {
			return err
		}
	}
	return l.media.commit(batch)
}

// Replay calls fn for every durable record of the current generation, in LSN
// order, stopping at the first error fn returns. Records appended while it
// runs are not included. If recovery found a bad record in the middle of the
// log, Replay hands out the records before it and then returns an error
// wrapping ErrCorrupt that names its LSN and offset. fn must not call Reset
// or Close, nor Append while one of those may be pending.
func (l *Log) Replay(fn func(Record) error) error {
	l.ioMu.RLock()
	defer l.ioMu.RUnlock()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("wal: replay %s: %w", l.path, ErrClosed)
	}
	gen, start, limit, corrupt := l.gen, position{off: dataOffset, next: l.base}, l.syncedTail, l.corrupt
	l.mu.Unlock()

	end, stop, err := walk(l.media.newReader(), gen, start, limit, fn)
	if err != nil {
		return fmt.Errorf("wal: replay %s: %w", l.path, err)
	}
	if stop != nil {
		return fmt.Errorf("wal: replay %s: durable record LSN %d at offset %d is invalid (%v): %w",
			l.path, end.next, end.off, stop, ErrCorrupt)
	}
	return corrupt
}

// Reset discards every record, durably, once a checkpoint covers all records
// with an LSN below next; the next Append gets LSN next, which must be at
// least NextLSN. It waits for Appends in progress. The old records' bytes
// stay on media but belong to an older generation and are never replayed.
func (l *Log) Reset(ctx context.Context, next LSN) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("wal: reset %s: %w", l.path, err)
	}
	l.ioMu.Lock()
	defer l.ioMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return fmt.Errorf("wal: reset %s: %w", l.path, ErrClosed)
	case l.failed != nil:
		return l.failed
	case next < l.next:
		return fmt.Errorf("wal: reset %s to LSN %d: below the next LSN %d, LSNs would be reused", l.path, next, l.next)
	case next >= maxLSN:
		return fmt.Errorf("wal: reset %s to LSN %d: beyond the limit %d", l.path, next, maxLSN)
	}
	// No commit is in flight: every Append holds ioMu while it runs.
	h := logHeader{sizeBytes: l.sizeBytes, gen: l.gen + 1, base: next}
	off := int64(headerSlot(h.gen)) * headerSlotBytes
	if err := l.media.writeHeader(off, h.encode()); err != nil {
		l.failed = fmt.Errorf("wal: reset %s: write header generation %d at offset %d: %w", l.path, h.gen, off, err)
		return l.failed
	}
	l.gen, l.base, l.next = h.gen, next, next
	l.tail, l.prev, l.synced, l.syncedTail = dataOffset, 0, next, dataOffset
	// Records staged by Appends that gave up waiting are old generation now.
	l.pending = l.pending[:0]
	l.corrupt = nil
	return nil
}

// NextLSN is the LSN the next Append will get.
func (l *Log) NextLSN() LSN {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next
}

// BaseLSN is the LSN of the current generation's first record: every LSN
// below it was discarded by a Reset, so a recovery that starts from a
// checkpoint must have that checkpoint cover at least up to it.
func (l *Log) BaseLSN() LSN {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.base
}

// Used is the offset of the tail: bytes of the file in use, header included.
// Commits is how many commit rounds (syncs) the log has run since it was
// opened: with Appends, it tells how well group commit batches.
func (l *Log) Commits() int64 { return l.commits.Load() }

func (l *Log) Used() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tail
}

// Size is the size of the log file in bytes.
func (l *Log) Size() int64 { return l.sizeBytes }

// Close waits for Appends and Replays in progress, makes durable any record
// still staged, and releases the file. Later calls return ErrClosed.
func (l *Log) Close() error {
	l.ioMu.Lock()
	defer l.ioMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("wal: close %s: %w", l.path, ErrClosed)
	}
	l.closed = true
	var err error
	if len(l.pending) > 0 && l.failed == nil {
		if err = l.runCommit(l.pending); err == nil {
			// Staged records waited for after Close are durable now.
			l.synced, l.syncedTail = l.next, l.tail
		}
	}
	l.pending = nil
	if cerr := l.media.close(); cerr != nil || err != nil {
		return fmt.Errorf("wal: close %s: %w", l.path, errors.Join(err, cerr))
	}
	return nil
}

// checkLogSize validates the size of a new log.
func checkLogSize(sizeBytes int64) error {
	if sizeBytes < minLogBytes || sizeBytes > maxLogBytes {
		return fmt.Errorf("size %d bytes outside [%d, %d]", sizeBytes, int64(minLogBytes), int64(maxLogBytes))
	}
	return nil
}
