package wal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	// readWindowBytes is how much a file reader reads ahead.
	readWindowBytes = 1 << 20
	// scratchKeepBytes bounds the staging buffer a file log keeps between
	// appends; bigger records get a buffer of their own.
	scratchKeepBytes = 1 << 20
	// zeroChunkBytes is the write size used to zero-fill a new log file.
	zeroChunkBytes = 1 << 20
	// maxEINTRRetries bounds retries of an interrupted fdatasync.
	maxEINTRRetries = 16
)

// fileMedium is a log in a regular file, written with pwrite and made
// durable with fdatasync (the MD-on-SSD mode).
type fileMedium struct {
	path      string
	f         *os.File
	raw       syscall.RawConn
	sizeBytes int64
	scratch   []byte // staging buffer, used under Log.mu
}

// CreateFile creates a log in a new regular file of sizeBytes. It fails if
// path exists. The file is fully written with zeros up front: its blocks are
// then allocated and initialized, so appends only overwrite data and
// fdatasync has no file-system metadata to flush.
func CreateFile(path string, sizeBytes int64) (*Log, error) {
	if err := checkLogSize(sizeBytes); err != nil {
		return nil, fmt.Errorf("wal: create %s: %w", path, err)
	}
	m, err := createAtomically(path, sizeBytes, func(tmp string) (medium, error) {
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		fm, err := newFileMedium(path, f, sizeBytes)
		if err == nil {
			err = preallocate(f, sizeBytes)
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		return fm, nil
	})
	if err != nil {
		return nil, fmt.Errorf("wal: create %s: %w", path, err)
	}
	return freshLog(path, sizeBytes, m), nil
}

// OpenFile opens and recovers the log in a regular file.
func OpenFile(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("wal: open: %w", err)
	}
	l, err := openFileLog(path, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("wal: open %s: %w", path, err)
	}
	return l, nil
}

func openFileLog(path string, f *os.File) (*Log, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkLogFile(fi); err != nil {
		return nil, err
	}
	m, err := newFileMedium(path, f, fi.Size())
	if err != nil {
		return nil, err
	}
	return openLog(path, fi.Size(), m)
}

// newFileMedium takes an exclusive flock on f, so that two Logs, in one
// process or two, cannot append to the same file.
func newFileMedium(path string, f *os.File, sizeBytes int64) (*fileMedium, error) {
	raw, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	if err := flock(raw); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &fileMedium{path: path, f: f, raw: raw, sizeBytes: sizeBytes}, nil
}

func flock(raw syscall.RawConn) error {
	var lerr error
	if err := raw.Control(func(fd uintptr) { lerr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB) }); err != nil {
		return err
	}
	if errors.Is(lerr, unix.EWOULDBLOCK) {
		return fmt.Errorf("log is open elsewhere: %w", lerr)
	}
	return lerr
}

// checkLogFile checks that fi is a regular file big enough for a header.
func checkLogFile(fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file: %w", ErrNotLog)
	}
	if fi.Size() < logHeaderBytes {
		return fmt.Errorf("%d bytes is too small for a log: %w", fi.Size(), ErrNotLog)
	}
	return nil
}

// preallocate gives f its final size with every block written.
func preallocate(f *os.File, sizeBytes int64) error {
	// Reserve the blocks first, so a full file system fails here and the
	// blocks tend to be contiguous.
	if err := unix.Fallocate(int(f.Fd()), 0, 0, sizeBytes); err != nil && !errors.Is(err, unix.EOPNOTSUPP) {
		return fmt.Errorf("allocate %d bytes: %w", sizeBytes, err)
	}
	// Then write them: fallocate leaves "unwritten" extents, and the first
	// write to each would make every later fdatasync commit metadata.
	zeros := make([]byte, min(sizeBytes, zeroChunkBytes))
	for off := int64(0); off < sizeBytes; off += int64(len(zeros)) {
		n := min(int64(len(zeros)), sizeBytes-off)
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			return fmt.Errorf("zero-fill: %w", err)
		}
	}
	return f.Sync()
}

func (m *fileMedium) stage(off int64, header, payload []byte, n int64) error {
	buf := m.scratch
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
		if n <= scratchKeepBytes {
			m.scratch = buf
		}
	}
	buf = buf[:n]
	copy(buf, header)
	copy(buf[recordHeaderBytes:], payload)
	clear(buf[recordHeaderBytes+len(payload):])
	if _, err := m.f.WriteAt(buf, off); err != nil {
		return err
	}
	return nil
}

// commit needs no batch: one fdatasync covers every write before it.
func (m *fileMedium) commit([]staged) error { return m.fdatasync() }

func (m *fileMedium) writeHeader(off int64, b []byte) error {
	if _, err := m.f.WriteAt(b, off); err != nil {
		return err
	}
	return m.fdatasync()
}

// settle rewrites the first n bytes with what reading them returns, then
// syncs. After a failed fdatasync Linux may keep the unwritten pages in the
// page cache marked clean: a reopen in the same boot would then recover
// records that are not on disk, and a sync alone would not write them.
// Rewriting marks them dirty again, so the sync makes what recovery saw
// durable.
func (m *fileMedium) settle(n int64) error {
	buf := make([]byte, min(n, settleChunkBytes))
	for off := int64(0); off < n; off += int64(len(buf)) {
		chunk := buf[:min(int64(len(buf)), n-off)]
		if _, err := m.f.ReadAt(chunk, off); err != nil {
			return fmt.Errorf("read %s at offset %d: %w", m.path, off, err)
		}
		if _, err := m.f.WriteAt(chunk, off); err != nil {
			return fmt.Errorf("rewrite %s at offset %d: %w", m.path, off, err)
		}
	}
	return m.fdatasync()
}

// settleChunkBytes is how much settle reads and rewrites at a time.
const settleChunkBytes = 1 << 20

func (m *fileMedium) newReader() reader {
	return &fileReader{path: m.path, f: m.f, sizeBytes: m.sizeBytes}
}

func (m *fileMedium) close() error { return m.f.Close() }

func (m *fileMedium) fdatasync() error {
	var serr error
	cerr := m.raw.Control(func(fd uintptr) {
		for range maxEINTRRetries {
			if serr = unix.Fdatasync(int(fd)); serr != unix.EINTR {
				return
			}
		}
	})
	if err := errors.Join(cerr, serr); err != nil {
		return fmt.Errorf("fdatasync %s: %w", m.path, err)
	}
	return nil
}

// fileReader reads a log file through a read-ahead window.
type fileReader struct {
	path      string
	f         *os.File
	sizeBytes int64
	buf       []byte
	bufOff    int64
}

func (r *fileReader) at(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off > r.sizeBytes || int64(n) > r.sizeBytes-off {
		return nil, fmt.Errorf("read [%d, +%d) outside the %d-byte log", off, n, r.sizeBytes)
	}
	if off >= r.bufOff && off+int64(n) <= r.bufOff+int64(len(r.buf)) {
		return r.buf[off-r.bufOff:][:n], nil
	}
	want := int(min(max(int64(n), readWindowBytes), r.sizeBytes-off))
	if cap(r.buf) < want {
		r.buf = make([]byte, want)
	}
	r.buf = r.buf[:want]
	if _, err := r.f.ReadAt(r.buf, off); err != nil {
		r.buf = r.buf[:0]
		return nil, fmt.Errorf("read %s at offset %d: %w", r.path, off, err)
	}
	r.bufOff = off
	return r.buf[:n], nil
}

// createAtomically builds a new log under a temporary name, writes both
// header slots, and only then links it to path: a crash mid-create never
// leaves a half-made log under the real name. Link, unlike rename, refuses
// to replace an existing file. Two Creates of one path must not race.
func createAtomically(path string, sizeBytes int64, build func(tmp string) (medium, error)) (medium, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fs.ErrExist
	}
	tmp := path + ".creating"
	// A Create that crashed may have left one behind.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	m, err := build(tmp)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := finishCreate(path, tmp, sizeBytes, m); err != nil {
		m.close()
		os.Remove(tmp)
		return nil, err
	}
	return m, nil
}

func finishCreate(path, tmp string, sizeBytes int64, m medium) error {
	for slot, b := range initialHeaders(sizeBytes) {
		if err := m.writeHeader(int64(slot)*headerSlotBytes, b); err != nil {
			return fmt.Errorf("write header slot %d: %w", slot, err)
		}
	}
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	if err := os.Remove(tmp); err != nil {
		os.Remove(path)
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// syncDir makes the entries of dir durable (a new or renamed file in it).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
