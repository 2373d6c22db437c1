package pmem

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// goRegion is the pure-Go twin of the libpmem backend: a shared mapping made
// durable with msync.
type goRegion struct {
	path     string
	data     []byte
	pageSize int64
	dax      bool // the kernel accepted MAP_SYNC
}

func goMapper() mapper {
	return mapper{name: "go", create: goCreate, open: goOpen}
}

func goCreate(path string, size int64) (region, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pmem: create: %w", err)
	}
	defer f.Close()
	r, err := allocateAndMap(f, size)
	if err != nil {
		_ = os.Remove(path)
		return nil, err
	}
	return r, nil
}

// allocateAndMap reserves the blocks up front so a later store cannot fault
// with SIGBUS when the file system runs out of space.
func allocateAndMap(f *os.File, size int64) (region, error) {
	err := unix.Fallocate(int(f.Fd()), 0, 0, size)
	if errors.Is(err, unix.EOPNOTSUPP) {
		// Some file systems cannot preallocate; a sparse file still works.
		err = f.Truncate(size)
	}
	if err != nil {
		return nil, fmt.Errorf("pmem: create %s: allocate %d bytes: %w", f.Name(), size, err)
	}
	return goMap(f, size)
}

func goOpen(path string) (region, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("pmem: open: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pmem: open: %w", err)
	}
	size := fi.Size()
	switch {
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("pmem: open %s: not a regular file", path)
	case size == 0:
		return nil, fmt.Errorf("pmem: open %s: file is empty", path)
	case int64(int(size)) != size:
		return nil, fmt.Errorf("pmem: open %s: size %d does not fit the address space", path, size)
	}
	return goMap(f, size)
}

// goMap maps f; the descriptor may be closed afterwards, the mapping keeps
// the file referenced.
func goMap(f *os.File, size int64) (*goRegion, error) {
	fd := int(f.Fd())
	prot := unix.PROT_READ | unix.PROT_WRITE
	// Only DAX mappings accept MAP_SYNC, which makes it a cheap, honest
	// is-this-PMem probe; everything else rejects it with EOPNOTSUPP.
	data, err := unix.Mmap(fd, 0, int(size), prot, unix.MAP_SHARED_VALIDATE|unix.MAP_SYNC)
	dax := err == nil
	if err != nil {
		data, err = unix.Mmap(fd, 0, int(size), prot, unix.MAP_SHARED)
	}
	if err != nil {
		return nil, fmt.Errorf("pmem: mmap %s: %w", f.Name(), err)
	}
	return &goRegion{path: f.Name(), data: data, pageSize: int64(unix.Getpagesize()), dax: dax}, nil
}

func (r *goRegion) bytes() []byte { return r.data }
func (r *goRegion) isPMem() bool  { return r.dax }

// persist msyncs the pages covering the range; msync wants a page-aligned
// start but any length.
func (r *goRegion) persist(off, n int64) error {
	start := off &^ (r.pageSize - 1)
	if err := unix.Msync(r.data[start:off+n], unix.MS_SYNC); err != nil {
		return fmt.Errorf("pmem: msync %s [%d, %d): %w", r.path, off, off+n, err)
	}
	return nil
}

func (r *goRegion) copyPersist(off int64, src []byte) error {
	copy(r.data[off:], src)
	return r.persist(off, int64(len(src)))
}

// flush does the whole msync now: msync is synchronous, so there is nothing
// left for drain to wait on.
func (r *goRegion) flush(off, n int64) error { return r.persist(off, n) }
func (r *goRegion) drain()                   {}

func (r *goRegion) unmap() error {
	if err := unix.Munmap(r.data); err != nil {
		return fmt.Errorf("pmem: munmap %s: %w", r.path, err)
	}
	r.data = nil
	return nil
}
