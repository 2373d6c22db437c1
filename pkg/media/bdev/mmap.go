package bdev

import (
	"context"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// Mapper is a Device whose blocks can be written in place through memory:
// a zero-copy writer (VOS's two-phase update) reserves blocks, has the
// data land in a View of them (a socket read straight into the view, say)
// and then makes it durable with View.Flush, instead of handing a buffer to
// WriteAt, which copies it once more.
type Mapper interface {
	Device
	// MapWrite returns a writable view of the n bytes at off (block
	// aligned, inside the device). Release it when done.
	MapWrite(off int64, n int) (*View, error)
	// RAMBacked reports whether the device's memory is its medium (a file
	// on tmpfs or ramfs): then a store into a View is as durable as it
	// will ever be once made, and Flush has nothing to do.
	RAMBacked() bool
}

var _ Mapper = (*File)(nil)

// fileMap is a File's shared mapping of the whole file, made on the first
// MapWrite. Views are slices of it; it is unmapped when the File is closed
// and no View is left (a View outlives Close safely: its memory stays
// mapped until it is released, though Flush then refuses).
type fileMap struct {
	mu     sync.Mutex
	mem    []byte // nil until the first MapWrite, and again once unmapped
	views  int    // views not yet released
	closed bool   // the File is closed: unmap with the last view
	// populated: WithPrefault faulted every page in, so views need not.
	populated bool
	// wbErr is the first failed msync: the kernel may have dropped the
	// dirty pages it could not write, so a later msync that succeeds
	// proves nothing, and every later Flush fails with it.
	wbErr error
}

// WithPrefault maps a writable file on a RAM file system (RAMBacked) at
// open and faults all its pages in, for MapWrite: without it the first
// view of each page pays for the page fault (and, for a preallocated tmpfs
// page never written, for zeroing it) when the data is stored, which on
// the machine of docs/performance.md cost about 0.5 ms per MiB, more than
// the copy the view saves. With it that cost is paid once per open (about
// 0.5 ms per MiB of device; the pages are allocated anyway, since tmpfs
// preallocation allocates them; the page tables take 2 MiB per GiB). It
// does nothing for read-only files or on other file systems, where the
// page cache is not the medium.
func WithPrefault() Option { return func(c *fileConfig) { c.prefault = true } }

// prefault maps the whole file and faults its pages in (WithPrefault).
// Failures are not fatal: MapWrite maps on demand.
func (d *File) prefault() {
	if !d.ram || d.readOnly || int64(int(d.size)) != d.size {
		return
	}
	m := &d.mapping
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mem != nil {
		return
	}
	mem, err := unix.Mmap(int(d.f.Fd()), 0, int(d.size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return
	}
	m.mem = mem
	// Advice: kernels before 5.14 refuse it, and views then populate
	// their own pages.
	m.populated = unix.Madvise(mem, unix.MADV_POPULATE_WRITE) == nil
}

// onRAMFileSystem reports whether f is on tmpfs or ramfs, whose pages have
// no medium behind them to write back to.
func onRAMFileSystem(f *os.File) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		return false, fmt.Errorf("statfs: %w", err)
	}
	return st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC, nil
}

// RAMBacked implements Mapper: the file is on tmpfs or ramfs, where the
// page cache is the medium (as for the journal on /dev/shm).
func (d *File) RAMBacked() bool { return d.ram }

// MapWrite implements Mapper with a MAP_SHARED mapping of the file: stores
// into the view go to the file's page cache, which on a RAM file system is
// the medium and elsewhere is written back by View.Flush (msync). off must
// be block aligned and [off, off+n) inside the device; n > 0 need not be a
// whole number of blocks. A device opened read-only refuses (ErrReadOnly),
// a closed one too (ErrClosed).
//
// Readers of the device (ReadAt, also in direct mode) see what was stored
// through a view: on a RAM file system the page cache is all there is, and
// elsewhere direct reads write dirty cached pages back first. Writing the
// same blocks through a view and WriteAt at once is undefined, as two
// concurrent writes are.
func (d *File) MapWrite(off int64, n int) (*View, error) {
	return d.mapView(off, n, true)
}

// mapView is MapWrite, or MapRead when write is false (no pages are
// populated for writing then).
func (d *File) mapView(off int64, n int, write bool) (*View, error) {
	if n <= 0 || off%BlockSize != 0 || off < 0 || off > d.size || int64(n) > d.size-off {
		if n <= 0 || off%BlockSize != 0 {
			return nil, fmt.Errorf("map %s at offset %d length %d: %w (block size %d)", d.path, off, n, ErrAlign, BlockSize)
		}
		return nil, fmt.Errorf("map %s at offset %d length %d: %w of %d bytes", d.path, off, n, ErrRange, d.size)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, fmt.Errorf("map %s: %w", d.path, ErrClosed)
	}
	if d.readOnly {
		// The shared mapping is writable, which a read-only file refuses.
		return nil, fmt.Errorf("map %s: %w", d.path, ErrReadOnly)
	}
	m := &d.mapping
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("map %s: %w", d.path, ErrClosed)
	}
	if m.mem == nil {
		if int64(int(d.size)) != d.size {
			return nil, fmt.Errorf("map %s: %d bytes do not fit the address space", d.path, d.size)
		}
		mem, err := unix.Mmap(int(d.f.Fd()), 0, int(d.size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return nil, fmt.Errorf("map %s (%d bytes): %w", d.path, d.size, err)
		}
		m.mem = mem
	}
	b := m.mem[off : off+int64(n) : off+int64(n)]
	if write && d.ram && !m.populated {
		// The file's pages exist (it was preallocated); map them in one
		// call rather than with a page fault every 4 KiB of the copy into
		// them. Advice only: kernels before 5.14 refuse it, and faulting
		// is merely slower.
		_ = unix.Madvise(pageSpan(m.mem, off, int64(n)), unix.MADV_POPULATE_WRITE)
	}
	m.views++
	return &View{d: d, b: b, off: off}, nil
}

// ReadMapper is a Device whose blocks can be read in place through memory:
// a zero-copy reader (VOS's mapped fetch) hands slices of a View to a bulk
// push instead of reading them into a buffer first.
type ReadMapper interface {
	Device
	// MapRead returns a view of the n bytes at off (block aligned, inside
	// the device) for reading only. Release it when done.
	MapRead(off int64, n int) (*View, error)
	// RAMBacked is as for Mapper.
	RAMBacked() bool
}

var _ ReadMapper = (*File)(nil)

// MapRead implements ReadMapper with the same shared mapping as MapWrite
// (so it refuses the same devices: read-only or closed). The view's bytes
// must only be read. They are what WriteAt and views stored; on a RAM
// file system the page cache is the medium, so that holds however the
// file was written, while elsewhere a direct write's coherence with the
// mapping rests on the kernel invalidating cached pages.
func (d *File) MapRead(off int64, n int) (*View, error) {
	return d.mapView(off, n, false)
}

// pageSpan is the page-aligned part of mem covering [off, off+n).
func pageSpan(mem []byte, off, n int64) []byte {
	ps := int64(os.Getpagesize())
	lo := off / ps * ps
	hi := min((off+n+ps-1)/ps*ps, int64(len(mem)))
	return mem[lo:hi]
}

// unmapLocked drops the mapping once the File is closed and no view is
// left; m.mu is held.
func (m *fileMap) unmapLocked() error {
	if !m.closed || m.views > 0 || m.mem == nil {
		return nil
	}
	mem := m.mem
	m.mem = nil
	return unix.Munmap(mem)
}

// closeMapping is File.Close's part: new views are refused and the
// mapping goes with the last view.
func (d *File) closeMapping() error {
	m := &d.mapping
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return m.unmapLocked()
}

// View is a window on some of a device's blocks (see File.MapWrite and
// File.MapRead). Its methods are safe for concurrent use, but the bytes
// are the caller's to synchronise.
type View struct {
	d   *File
	off int64

	mu       sync.Mutex
	b        []byte // nil once released
	released bool
}

// Bytes is the view's memory: stores into it write the device. It is nil
// after Release, and must not be used after Release (the memory may be
// unmapped, and touching it then faults).
func (v *View) Bytes() []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.b
}

// Offset is the device offset of the view's first byte.
func (v *View) Offset() int64 { return v.off }

// Flush makes what was stored in the view durable before it returns, as
// WriteAt followed by Sync would: msync(MS_SYNC) of the view's pages, or
// nothing on a RAM file system, whose pages are the medium. It fails after
// Release or once the device is closed (ErrClosed), and after any failed
// Flush of the device (the error is sticky; see fileMap.wbErr).
func (v *View) Flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.released {
		return fmt.Errorf("flush view of %s at offset %d: %w", v.d.path, v.off, ErrClosed)
	}
	d := v.d
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return fmt.Errorf("flush view of %s at offset %d: %w", d.path, v.off, ErrClosed)
	}
	m := &d.mapping
	m.mu.Lock()
	werr, mem := m.wbErr, m.mem
	m.mu.Unlock()
	if werr != nil {
		return werr
	}
	if d.ram {
		return nil
	}
	if err := unix.Msync(pageSpan(mem, v.off, int64(len(v.b))), unix.MS_SYNC); err != nil {
		err = fmt.Errorf("flush view of %s at offset %d length %d: msync: %w", d.path, v.off, len(v.b), err)
		m.mu.Lock()
		if m.wbErr == nil {
			m.wbErr = err
		}
		m.mu.Unlock()
		return err
	}
	return nil
}

// Release ends the view; its memory must not be used any more. It does
// not flush. Releasing twice is harmless.
func (v *View) Release() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.released {
		return
	}
	v.released, v.b = true, nil
	m := &v.d.mapping
	m.mu.Lock()
	defer m.mu.Unlock()
	m.views--
	_ = m.unmapLocked() // nothing to do about a failed munmap but leak it
}
