package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"github.com/daos-go/daos/cgo/pmem"
)

// pmemMedium is a log in a file mapped as persistent memory. A record is
// copied into the mapping with its commit word zero, persisted, and only then
// made valid by storing its commit word and persisting that.
type pmemMedium struct {
	path  string
	m     *pmem.Mapping
	lock  *os.File // holds the flock; the mapping has no descriptor of its own
	onDAX bool
}

// CreatePMem creates a log in a new file of sizeBytes mapped with package
// pmem (on a DAX file system, or /dev/shm for emulated PMem). It fails if
// path exists.
func CreatePMem(path string, sizeBytes int64) (*Log, error) {
	if err := checkLogSize(sizeBytes); err != nil {
		return nil, fmt.Errorf("wal: create %s: %w", path, err)
	}
	m, err := createAtomically(path, sizeBytes, func(tmp string) (medium, error) {
		mp, err := pmem.Create(tmp, sizeBytes)
		if err != nil {
			return nil, err
		}
		pm, err := newPMemMedium(path, tmp, mp)
		if err != nil {
			mp.Close()
			return nil, err
		}
		return pm, nil
	})
	if err != nil {
		return nil, fmt.Errorf("wal: create %s: %w", path, err)
	}
	return freshLog(path, sizeBytes, m), nil
}

// OpenPMem maps and recovers the log in path.
func OpenPMem(path string) (*Log, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("wal: open: %w", err)
	}
	if err := checkLogFile(fi); err != nil {
		return nil, fmt.Errorf("wal: open %s: %w", path, err)
	}
	mp, err := pmem.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wal: open %s: %w", path, err)
	}
	pm, err := newPMemMedium(path, path, mp)
	if err != nil {
		mp.Close()
		return nil, fmt.Errorf("wal: open %s: %w", path, err)
	}
	l, err := openLog(path, mp.Len(), pm)
	if err != nil {
		pm.close()
		return nil, fmt.Errorf("wal: open %s: %w", path, err)
	}
	return l, nil
}

// newPMemMedium locks the file at lockPath (the file being created, or path
// itself) against a second Log.
func newPMemMedium(path, lockPath string, mp *pmem.Mapping) (*pmemMedium, error) {
	f, err := os.Open(lockPath)
	if err != nil {
		return nil, err
	}
	raw, err := f.SyscallConn()
	if err == nil {
		err = flock(raw)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &pmemMedium{path: path, m: mp, lock: f, onDAX: mp.IsPMem()}, nil
}

func (p *pmemMedium) stage(off int64, header, payload []byte, n int64) error {
	dst := p.m.Bytes()[off : off+n]
	// Zero the commit word so that stale bytes there, from an older
	// generation or a torn record, cannot complete the new record.
	storeCommitWord(dst, 0)
	copy(dst[commitWordBytes:recordHeaderBytes], header[commitWordBytes:])
	copy(dst[recordHeaderBytes:], payload)
	clear(dst[recordHeaderBytes+len(payload):])
	return nil
}

// commit makes the batch's records durable and valid.
//
// On real PMem (DAX) the bodies are persisted first and the commit words
// after them: a commit word is never durable before the bytes it vouches
// for, and cache lines reach the media in any order.
//
// Without DAX the mapping is written back by msync, page by page in any
// order, and one msync over bodies and commit words together is enough:
// each commit word holds the CRC of its whole record, so a word that lands
// without its body fails verification and counts as a torn tail (no later
// record can vouch for it: records of one batch do not, and the next batch
// is staged only after this msync returned).
func (p *pmemMedium) commit(batch []staged) error {
	if len(batch) == 0 {
		return nil
	}
	first, last := batch[0], batch[len(batch)-1]
	lo, hi := first.off, last.off+last.bytes
	b := p.m.Bytes()
	if !p.onDAX {
		for _, s := range batch {
			storeCommitWord(b[s.off:], s.word)
		}
		if err := p.m.Persist(lo, hi-lo); err != nil {
			return fmt.Errorf("persist records [%d, %d): %w", lo, hi, err)
		}
		return nil
	}
	if err := p.m.Persist(lo, hi-lo); err != nil {
		return fmt.Errorf("persist records [%d, %d): %w", lo, hi, err)
	}
	for _, s := range batch {
		storeCommitWord(b[s.off:], s.word)
	}
	for _, s := range batch {
		if err := p.m.Flush(s.off, commitWordBytes); err != nil {
			return fmt.Errorf("flush commit word at %d: %w", s.off, err)
		}
	}
	p.m.Drain()
	return nil
}

// storeCommitWord writes word, little-endian, to dst[:8] with one aligned
// 8-byte store: PMem makes such a store power-fail atomic, so the word is
// either the old or the new one, never a mix. dst is 8-byte aligned because
// records are and the mapping is page aligned.
func storeCommitWord(dst []byte, word uint64) {
	var b [commitWordBytes]byte
	le.PutUint64(b[:], word)
	_ = dst[commitWordBytes-1]
	atomic.StoreUint64((*uint64)(unsafe.Pointer(&dst[0])), binary.NativeEndian.Uint64(b[:]))
}

func (p *pmemMedium) writeHeader(off int64, b []byte) error {
	return p.m.CopyPersist(off, b)
}

func (p *pmemMedium) settle(n int64) error { return p.m.Persist(0, n) }

func (p *pmemMedium) newReader() reader { return memReader(p.m.Bytes()) }

func (p *pmemMedium) close() error {
	return errors.Join(p.m.Close(), p.lock.Close())
}
