package bdev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Limits and defaults of the File engine.
const (
	// DefaultQueueDepth is how many requests a File has in the kernel at
	// most; more wait for a slot.
	DefaultQueueDepth = 8
	// MaxQueueDepth bounds WithQueueDepth: each slot may cost a thread
	// blocked in a system call and a bounce buffer.
	MaxQueueDepth = 256
	// DefaultChunkSize is the largest single system call a File issues and
	// the size of each bounce buffer (one huge page); bigger requests are
	// issued as consecutive chunks.
	DefaultChunkSize = 2 << 20
	// MaxChunkSize bounds WithChunkSize (and so each bounce buffer).
	MaxChunkSize = 16 << 20
	// DefaultLockWait is how long opening waits for the file's lock. A
	// process killed with io_uring requests in flight keeps the file (and
	// so its lock) until the kernel has finished them, after the process
	// is gone: measured up to 9 ms after it was reaped, on a loaded disk
	// possibly longer. A restarted engine must not take that for another
	// opener.
	DefaultLockWait = 2 * time.Second
	// lockPoll is how often opening retries a held lock.
	lockPoll = 5 * time.Millisecond
)

// Option tunes a File at CreateFile or OpenFile.
type Option func(*fileConfig)

type fileConfig struct {
	queueDepth int
	chunkSize  int
	buffered   bool
	lockWait   time.Duration
	readOnly   bool
	prefault   bool
	engine     Engine
	// uringFilter, set by tests only, rewrites io_uring results.
	uringFilter func(kind opKind, res int32) int32
	// openDirect opens the file with O_DIRECT and flag (os.O_RDWR or
	// os.O_RDONLY); tests replace it to play a file system that refuses
	// the flag.
	openDirect func(path string, flag int) (*os.File, error)
}

func openDirect(path string, flag int) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_DIRECT, 0)
}

// WithQueueDepth sets how many requests (for EngineURing: chunks) may be
// in the kernel at once (1..MaxQueueDepth); 1 serializes the device.
func WithQueueDepth(n int) Option { return func(c *fileConfig) { c.queueDepth = n } }

// WithChunkSize sets the largest system call, a multiple of BlockSize up to
// MaxChunkSize.
func WithChunkSize(n int) Option { return func(c *fileConfig) { c.chunkSize = n } }

// WithLockWait sets how long opening waits for a lock held elsewhere before
// failing (default DefaultLockWait; 0 fails at once).
func WithLockWait(d time.Duration) Option { return func(c *fileConfig) { c.lockWait = d } }

// WithReadOnly opens the file O_RDONLY (OpenFile only), for tools that
// must not change a device. WriteAt and Sync then fail with an error
// wrapping ErrReadOnly. The flock taken is shared: read-only openers do not
// exclude each other, while an opener for writing, which needs the lock
// alone, and a read-only one wait for each other as WithLockWait says and
// then fail.
func WithReadOnly() Option { return func(c *fileConfig) { c.readOnly = true } }

// WithBuffered skips O_DIRECT and uses the page cache, as the fallback does
// on file systems that refuse O_DIRECT.
func WithBuffered() Option { return func(c *fileConfig) { c.buffered = true } }

func newConfig(opts []Option) (fileConfig, error) {
	cfg := fileConfig{queueDepth: DefaultQueueDepth, chunkSize: DefaultChunkSize, lockWait: DefaultLockWait, openDirect: openDirect}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.queueDepth < 1 || cfg.queueDepth > MaxQueueDepth {
		return cfg, fmt.Errorf("queue depth %d outside 1..%d", cfg.queueDepth, MaxQueueDepth)
	}
	if cfg.chunkSize < BlockSize || cfg.chunkSize%BlockSize != 0 || cfg.chunkSize > MaxChunkSize {
		return cfg, fmt.Errorf("chunk size %d is not a multiple of %d up to %d", cfg.chunkSize, BlockSize, MaxChunkSize)
	}
	if cfg.engine < EngineAuto || cfg.engine > EngineThreads {
		return cfg, fmt.Errorf("unknown I/O engine %v", cfg.engine)
	}
	return cfg, nil
}

// File is a Device backed by a file of fixed size (DAOS's "class: file"
// emulation of NVMe). The file is locked with flock while open, so two
// openers, in one process or two, cannot share it by mistake.
type File struct {
	path   string
	f      *os.File
	raw    syscall.RawConn
	size   int64
	direct bool
	// readOnly: opened with WithReadOnly; only reads are allowed.
	readOnly bool
	chunk    int
	// slots is the queue. With EngineThreads a request holds one slot from
	// start to end, so at most cap(slots) requests are in the kernel at
	// once. With EngineURing a slot is one SQE in flight: a request holds
	// one slot, and more when they are free, up to one per chunk. In direct
	// mode, and always with EngineURing, a slot also owns a bounce buffer
	// of chunk bytes, mapped on first use.
	slots chan *slot
	// engine is EngineURing (then ring is set) or EngineThreads; fallback
	// is why EngineAuto did not get io_uring.
	engine   Engine
	ring     *uringEngine
	fallback error

	// ram: the file is on tmpfs or ramfs (see RAMBacked).
	ram bool
	// mapping backs MapWrite's views.
	mapping fileMap

	mu     sync.RWMutex // shared by requests, exclusive for Close
	closed bool
}

var _ Device = (*File)(nil)

// slot is one place in the queue and its aligned bounce buffer: buf is the
// aligned part of the mapping mem. idx names it in io_uring user_data.
type slot struct {
	idx      int
	mem, buf []byte
}

// CreateFile creates a new device file of size bytes (a positive multiple
// of BlockSize) and opens it. The space is reserved with fallocate, or the
// file is only extended with ftruncate where fallocate is not supported. The
// file and its directory entry are fsynced before it is opened. It fails if
// path exists.
func CreateFile(path string, size int64, opts ...Option) (*File, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("create device %s: %w", path, err)
	}
	if err := checkSize(size); err != nil {
		return nil, fmt.Errorf("create device %s: %w", path, err)
	}
	if cfg.readOnly {
		return nil, fmt.Errorf("create device %s: cannot create a device read-only: %w", path, ErrReadOnly)
	}
	if err := createFile(path, size); err != nil {
		return nil, fmt.Errorf("create device %s of %d bytes: %w", path, size, err)
	}
	d, err := openFile(path, cfg)
	if err != nil {
		_ = os.Remove(path) // it is ours: we just created it
		return nil, fmt.Errorf("create device %s: %w", path, err)
	}
	return d, nil
}

// OpenFile opens an existing device file; its size must be a positive
// multiple of BlockSize.
func OpenFile(path string, opts ...Option) (*File, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("open device %s: %w", path, err)
	}
	d, err := openFile(path, cfg)
	if err != nil {
		return nil, fmt.Errorf("open device %s: %w", path, err)
	}
	return d, nil
}

// createFile makes the file durable at its full size before anyone writes to
// it, removing it again on any failure.
func createFile(path string, size int64) (err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	if err := preallocate(f, size); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// preallocate reserves the blocks so that later writes cannot fail for lack
// of space; ftruncate is the fallback for file systems without fallocate.
func preallocate(f *os.File, size int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = unix.Fallocate(int(fd), 0, 0, size) }); err != nil {
		return err
	}
	if ferr == nil {
		return nil
	}
	if !errors.Is(ferr, unix.EOPNOTSUPP) && !errors.Is(ferr, unix.ENOSYS) {
		return fmt.Errorf("fallocate %d bytes: %w", size, ferr)
	}
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("ftruncate to %d bytes: %w", size, err)
	}
	return nil
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, serr)
	}
	return cerr
}

func openFile(path string, cfg fileConfig) (*File, error) {
	d := &File{path: path, readOnly: cfg.readOnly, chunk: cfg.chunkSize, slots: make(chan *slot, cfg.queueDepth)}
	for i := range cfg.queueDepth {
		d.slots <- &slot{idx: i}
	}
	if err := d.open(cfg); err != nil {
		d.unmapAll()
		return nil, err
	}
	if err := d.startEngine(cfg); err != nil {
		_ = d.f.Close()
		d.unmapAll()
		return nil, err
	}
	if cfg.prefault {
		d.prefault()
	}
	return d, nil
}

// open tries O_DIRECT first and falls back to buffered I/O when the file
// system refuses it, either at open or at the first aligned read (some
// accept the flag and reject the I/O).
func (d *File) open(cfg fileConfig) error {
	flag := os.O_RDWR
	if cfg.readOnly {
		flag = os.O_RDONLY
	}
	if !cfg.buffered {
		f, err := cfg.openDirect(d.path, flag)
		if err == nil {
			err = d.adopt(f, true, cfg.lockWait)
			if err == nil {
				return nil
			}
		}
		if !errors.Is(err, unix.EINVAL) {
			return err
		}
	}
	f, err := os.OpenFile(d.path, flag, 0)
	if err != nil {
		return err
	}
	return d.adopt(f, false, cfg.lockWait)
}

// adopt locks, sizes and (in direct mode) probes an opened file; on error
// it closes f.
func (d *File) adopt(f *os.File, direct bool, lockWait time.Duration) (err error) {
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	if err := lock(raw, lockWait, d.readOnly); err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := checkSize(st.Size()); err != nil {
		return err
	}
	ram, err := onRAMFileSystem(f)
	if err != nil {
		return err
	}
	d.f, d.raw, d.size, d.direct, d.ram = f, raw, st.Size(), direct, ram
	if direct {
		return d.probe()
	}
	return nil
}

// lock takes the file's flock, exclusive or (for a read-only opener)
// shared, waiting up to wait while someone else holds it in a conflicting
// mode.
func lock(raw syscall.RawConn, wait time.Duration, shared bool) error {
	how, holder := unix.LOCK_EX, "open elsewhere"
	if shared {
		how, holder = unix.LOCK_SH, "open for writing elsewhere"
	}
	deadline := time.Now().Add(wait)
	for {
		var lerr error
		if err := raw.Control(func(fd uintptr) { lerr = unix.Flock(int(fd), how|unix.LOCK_NB) }); err != nil {
			return err
		}
		if lerr == nil {
			return nil
		}
		if !errors.Is(lerr, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			return fmt.Errorf("lock: %w (is the device %s?)", lerr, holder)
		}
		time.Sleep(lockPoll)
	}
}

// probe reads block 0 through a bounce buffer: EINVAL means the file system
// does not really do O_DIRECT.
func (d *File) probe() error {
	s := <-d.slots // all slots are free while opening
	defer func() { d.slots <- s }()
	buf, err := s.buffer(d.chunk)
	if err != nil {
		return err
	}
	if _, err := d.f.ReadAt(buf[:BlockSize], 0); err != nil {
		return fmt.Errorf("O_DIRECT probe read: %w", err)
	}
	return nil
}

// hugePage is the size of an x86-64 transparent huge page.
const hugePage = 2 << 20

// buffer maps the slot's bounce buffer on first use. Anonymous mappings are
// page-aligned, which satisfies O_DIRECT, and live outside the Go heap. The
// buffer also starts on a huge-page boundary and asks for transparent huge
// pages: physically contiguous memory reaches the disk in fewer segments,
// and on ext4 over a virtual disk a durable 1 MiB write took about 1.5 ms
// instead of 1.9-2.0 ms with small pages (8 MiB: 10.5-11 ms instead of
// 12.5-13). Without huge pages the buffer still works, with small pages.
func (s *slot) buffer(size int) ([]byte, error) {
	if s.buf != nil {
		return s.buf, nil
	}
	span := (size + hugePage - 1) / hugePage * hugePage
	// One huge page more than needed leaves room to align the start.
	mem, err := unix.Mmap(-1, 0, span+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("map bounce buffer of %d bytes: %w", size, err)
	}
	skip := (hugePage - int(uintptr(unsafe.Pointer(unsafe.SliceData(mem)))%hugePage)) % hugePage
	_ = unix.Madvise(mem[skip:skip+span], unix.MADV_HUGEPAGE) // advice only; refused where THP is off
	s.mem, s.buf = mem, mem[skip:skip+size:skip+size]
	return s.buf, nil
}

// unmapAll releases the bounce buffers; it must only run when no request
// holds a slot.
func (d *File) unmapAll() {
	for range len(d.slots) {
		s := <-d.slots
		if s.mem != nil {
			_ = unix.Munmap(s.mem)
			s.mem, s.buf = nil, nil
		}
		d.slots <- s
	}
}

// ReadAt implements Device.
func (d *File) ReadAt(ctx context.Context, p []byte, off int64) error {
	if err := checkIO("read", off, len(p), d.size); err != nil {
		return err
	}
	if err := d.do(ctx, opRead, p, off); err != nil {
		return fmt.Errorf("read %s at offset %d length %d: %w", d.path, off, len(p), err)
	}
	return nil
}

// WriteAt implements Device.
func (d *File) WriteAt(ctx context.Context, p []byte, off int64) error {
	if err := checkIO("write", off, len(p), d.size); err != nil {
		return err
	}
	if err := d.do(ctx, opWrite, p, off); err != nil {
		return fmt.Errorf("write %s at offset %d length %d: %w", d.path, off, len(p), err)
	}
	return nil
}

// do runs a read, write or sync on the engine in use; Close waits for it.
func (d *File) do(ctx context.Context, kind opKind, p []byte, off int64) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return ErrClosed
	}
	if d.readOnly && kind != opRead {
		return ErrReadOnly
	}
	if d.ring != nil {
		return d.uringRun(ctx, kind, p, off)
	}
	if kind == opSync {
		return d.fdatasync(ctx)
	}
	return d.threadsRun(ctx, kind == opWrite, p, off)
}

// uringRun holds one slot per chunk in flight: it waits for the first and
// takes more only while they are free, up to one per chunk. It never waits
// for a second slot while holding one, so requests cannot deadlock each
// other, and a lone large request still gets all its chunks in flight.
func (d *File) uringRun(ctx context.Context, kind opKind, p []byte, off int64) error {
	want := 1
	if kind != opSync {
		want = max(1, (len(p)+d.chunk-1)/d.chunk)
	}
	s, err := d.acquire(ctx)
	if err != nil {
		return err
	}
	slots := append(make([]*slot, 0, want), s)
more:
	for len(slots) < want {
		select {
		case s := <-d.slots:
			slots = append(slots, s)
		default:
			break more
		}
	}
	defer func() {
		for _, s := range slots {
			d.slots <- s
		}
	}()
	return d.ring.run(ctx, kind, p, off, d.chunk, slots)
}

// threadsRun issues a request chunk by chunk while holding one queue slot,
// so at most queue-depth requests are in the kernel at once. Chunks are not
// issued in parallel: on ext4 over a virtual disk, splitting a 1 MiB or
// 8 MiB write into 64-256 KiB chunks written by up to 8 goroutines was no
// faster than one system call (the kernel already splits large direct I/O
// for the device), and it cost goroutines and bounce buffers. (The io_uring
// engine does issue chunks in parallel: there they cost one SQE each.)
func (d *File) threadsRun(ctx context.Context, write bool, p []byte, off int64) error {
	s, err := d.acquire(ctx)
	if err != nil {
		return err
	}
	defer func() { d.slots <- s }()
	for lo := 0; lo < len(p); lo += d.chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+d.chunk, len(p))
		if err := d.chunkIO(s, write, p[lo:hi], off+int64(lo)); err != nil {
			return err
		}
	}
	return nil
}

// acquire waits for a queue slot or for the context to end; an ended
// context wins even when a slot is free.
func (d *File) acquire(ctx context.Context) (*slot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case s := <-d.slots:
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// chunkIO issues one chunk of at most the chunk size. In direct mode a
// caller's buffer that is block-aligned goes straight to the kernel; any
// other is copied through the slot's bounce buffer. (On ext4 the direct
// path saved little for 1 MiB; on tmpfs, which takes O_DIRECT since Linux
// 6.6 and where the emulated NVMe of a RAM-backed engine lives, the bounce
// copy was a tenth of a 1 MiB update's CPU. Go's collector does not move
// heap memory, and the slice is live for the whole system call.)
func (d *File) chunkIO(s *slot, write bool, p []byte, off int64) error {
	if !d.direct || blockAligned(p) {
		return d.sysIO(write, p, off)
	}
	buf, err := s.buffer(d.chunk)
	if err != nil {
		return err
	}
	b := buf[:len(p)]
	if write {
		copy(b, p)
		return d.sysIO(true, b, off)
	}
	if err := d.sysIO(false, b, off); err != nil {
		return err
	}
	copy(p, b)
	return nil
}

// sysIO is one pread or pwrite (os.File retries short transfers and EINTR).
func (d *File) sysIO(write bool, p []byte, off int64) error {
	var err error
	if write {
		_, err = d.f.WriteAt(p, off)
	} else {
		_, err = d.f.ReadAt(p, off)
	}
	if errors.Is(err, io.EOF) {
		// The file is shorter than the device: it shrank behind our back.
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return fmt.Errorf("chunk at offset %d length %d: %w", off, len(p), err)
	}
	return nil
}

// Sync implements Device with fdatasync (with EngineURing:
// IORING_OP_FSYNC with IORING_FSYNC_DATASYNC, which holds a queue slot):
// O_DIRECT bypasses the page cache but neither the drive's write cache nor
// the file system's metadata (first writes to preallocated blocks change
// extent state), so it is needed in both modes. Every WriteAt returns only
// once its data is in the kernel's hands, so the writes Sync covers have
// completed before the fdatasync is issued.
func (d *File) Sync(ctx context.Context) error {
	// A failed msync of a view may have dropped dirty pages that a
	// successful fdatasync would not report.
	d.mapping.mu.Lock()
	werr := d.mapping.wbErr
	d.mapping.mu.Unlock()
	if werr != nil {
		return fmt.Errorf("sync %s: %w", d.path, werr)
	}
	if d.ram {
		// tmpfs and ramfs keep nothing but the page cache, which every
		// returned write has reached: fdatasync there does no work but
		// costs a system call (and a ring slot) per update.
		return d.ramSync(ctx)
	}
	if err := d.do(ctx, opSync, nil, 0); err != nil {
		return fmt.Errorf("sync %s: %w", d.path, err)
	}
	return nil
}

// fdatasync is Sync for EngineThreads.
func (d *File) fdatasync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var serr error
	if err := d.raw.Control(func(fd uintptr) { serr = unix.Fdatasync(int(fd)) }); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("fdatasync: %w", serr)
	}
	return nil
}

// Size implements Device.
func (d *File) Size() int64 { return d.size }

// BlockSize implements Device.
func (d *File) BlockSize() int { return BlockSize }

// Direct reports whether the file is open with O_DIRECT (false: buffered
// I/O, because the file system refused O_DIRECT or WithBuffered was given).
func (d *File) Direct() bool { return d.direct }

// ReadOnly reports whether the file was opened with WithReadOnly.
func (d *File) ReadOnly() bool { return d.readOnly }

// Path is the file's path.
func (d *File) Path() string { return d.path }

// Close waits for requests in flight (new ones fail with ErrClosed), stops
// the io_uring engine and releases its ring, closes the file (releasing the
// lock) and unmaps the bounce buffers, and the MapWrite mapping once its
// last View is released (views fail to Flush from now on). It does not
// Sync. Closing twice is
// harmless.
func (d *File) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	if d.ring != nil {
		if err := d.ring.close(); err != nil {
			// The kernel may still use the bounce buffers and the file:
			// keep both.
			return fmt.Errorf("close device %s: %w", d.path, err)
		}
	}
	err := d.f.Close()
	d.unmapAll()
	if merr := d.closeMapping(); err == nil {
		err = merr
	}
	if err != nil {
		return fmt.Errorf("close device %s: %w", d.path, err)
	}
	return nil
}

// blockAligned says whether p starts on a block boundary and is whole
// blocks long, as O_DIRECT needs.
func blockAligned(p []byte) bool {
	return len(p) > 0 && len(p)%BlockSize == 0 && uintptr(unsafe.Pointer(unsafe.SliceData(p)))%BlockSize == 0
}

// ramSync is Sync on a RAM file system: it honours the context and Close
// as a real sync would, and has nothing to write.
func (d *File) ramSync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sync %s: %w", d.path, err)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return fmt.Errorf("sync %s: %w", d.path, ErrClosed)
	}
	return nil
}
