package pmem

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Both are always wrapped with the call and the path; match with errors.Is.
var (
	// ErrClosed is returned by every call on a Mapping after Close.
	ErrClosed = errors.New("mapping is closed")
	// ErrOutOfRange is returned when a range does not fit inside the mapping.
	ErrOutOfRange = errors.New("outside the mapping")
)

// region is one mapped file as seen by an implementation. Ranges passed to
// it are already bounds-checked and non-empty.
type region interface {
	bytes() []byte
	isPMem() bool
	persist(off, n int64) error
	copyPersist(off int64, src []byte) error
	flush(off, n int64) error
	drain()
	unmap() error
}

// mapper creates and opens regions with one implementation; it lets the
// tests and benchmarks pick an implementation regardless of the build tag.
type mapper struct {
	name   string
	create func(path string, size int64) (region, error)
	open   func(path string) (region, error)
}

// Create creates a new file of size bytes with mode 0600 and maps it. It fails
// if the file already exists or size is not positive.
func Create(path string, size int64) (*Mapping, error) {
	return defaultMapper().Create(path, size)
}

// Open maps an existing, non-empty file at its current size.
func Open(path string) (*Mapping, error) {
	return defaultMapper().Open(path)
}

func (mp mapper) Create(path string, size int64) (*Mapping, error) {
	if size <= 0 {
		return nil, fmt.Errorf("pmem: create %s: size %d is not positive", path, size)
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("pmem: create %s: size %d does not fit the address space", path, size)
	}
	r, err := mp.create(path, size)
	if err != nil {
		return nil, err
	}
	// The mapping alone does not make the new file's size and name durable.
	if err := syncNewFile(path); err != nil {
		_ = r.unmap()
		_ = os.Remove(path)
		return nil, err
	}
	return newMapping(path, r)
}

func (mp mapper) Open(path string) (*Mapping, error) {
	r, err := mp.open(path)
	if err != nil {
		return nil, err
	}
	return newMapping(path, r)
}

func newMapping(path string, r region) (*Mapping, error) {
	ram, err := onRAMFileSystem(path)
	if err != nil {
		_ = r.unmap()
		return nil, err
	}
	m := &Mapping{path: path, r: r, ram: ram && !r.isPMem()}
	if m.ram {
		// The pages exist already (the file is allocated up front); map
		// them all now, so that stores do not take a page fault every
		// 4 KiB later, on the write path. Kernels before 5.14 do not know
		// the advice, and faulting later is only slower, so its failure
		// is ignored.
		_ = unix.Madvise(r.bytes(), unix.MADV_POPULATE_WRITE)
	}
	return m, nil
}

// onRAMFileSystem reports whether path is on tmpfs or ramfs, whose pages
// have no medium behind them to write back to.
func onRAMFileSystem(path string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false, fmt.Errorf("pmem: statfs %s: %w", path, err)
	}
	return st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC, nil
}

func syncNewFile(path string) error {
	for _, p := range []string{path, filepath.Dir(path)} {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("pmem: create %s: sync: %w", path, err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("pmem: create %s: sync %s: %w", path, p, err)
		}
	}
	return nil
}

// Mapping is a file mapped read-write into memory.
type Mapping struct {
	path string
	r    region // nil once closed
	// ram: the file is on tmpfs or ramfs. Its pages are the medium, so a
	// store is as durable as it will ever be once made: msync would only
	// walk the pages and find nothing to write back.
	ram bool
}

// Bytes returns the mapped memory, or nil after Close. The slice must not be
// used after Close: the memory is gone and touching it faults.
func (m *Mapping) Bytes() []byte {
	if m.r == nil {
		return nil
	}
	return m.r.bytes()
}

// Len returns the length of the mapping, or 0 after Close.
func (m *Mapping) Len() int64 { return int64(len(m.Bytes())) }

// Path returns the path of the mapped file.
func (m *Mapping) Path() string { return m.path }

// IsPMem reports whether the mapping is real persistent memory (see the
// package documentation for how each backend decides). False after Close.
func (m *Mapping) IsPMem() bool { return m.r != nil && m.r.isPMem() }

// RAMBacked reports whether the file is on a RAM file system (tmpfs,
// ramfs), where Persist, Flush and Drain have nothing to do. False after
// Close.
func (m *Mapping) RAMBacked() bool { return m.r != nil && m.ram }

// Persist makes [off, off+n) durable before returning.
func (m *Mapping) Persist(off, n int64) error {
	if err := m.check("persist", off, n); err != nil || n == 0 || m.ram {
		return err
	}
	return m.r.persist(off, n)
}

// CopyPersist copies src into the mapping at off and makes it durable.
func (m *Mapping) CopyPersist(off int64, src []byte) error {
	n := int64(len(src))
	if err := m.check("copy-persist", off, n); err != nil || n == 0 {
		return err
	}
	if m.ram {
		copy(m.r.bytes()[off:], src)
		return nil
	}
	return m.r.copyPersist(off, src)
}

// Flush starts making [off, off+n) durable; it is durable once a later Drain
// returns. Use it to batch several ranges behind one Drain.
func (m *Mapping) Flush(off, n int64) error {
	if err := m.check("flush", off, n); err != nil || n == 0 || m.ram {
		return err
	}
	return m.r.flush(off, n)
}

// Drain waits until every range flushed so far is durable. It does nothing
// after Close.
func (m *Mapping) Drain() {
	if m.r != nil && !m.ram {
		m.r.drain()
	}
}

// Close unmaps the file without persisting anything. Calls after the first
// return ErrClosed.
func (m *Mapping) Close() error {
	if m.r == nil {
		return fmt.Errorf("pmem: close %s: %w", m.path, ErrClosed)
	}
	r := m.r
	m.r = nil
	// The mapping is unusable even if unmap fails, so it counts as closed.
	return r.unmap()
}

func (m *Mapping) check(op string, off, n int64) error {
	if m.r == nil {
		return fmt.Errorf("pmem: %s %s: %w", op, m.path, ErrClosed)
	}
	size := int64(len(m.r.bytes()))
	if off < 0 || n < 0 || off > size || n > size-off {
		return fmt.Errorf("pmem: %s %s: range [%d, +%d) %w of %d bytes",
			op, m.path, off, n, ErrOutOfRange, size)
	}
	return nil
}
