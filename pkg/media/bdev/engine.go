package bdev

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Engine names how a File issues its I/O.
type Engine int

const (
	// EngineAuto uses io_uring for files open with O_DIRECT on a file
	// system that issues such requests asynchronously (ext4, xfs, ...), and
	// EngineThreads otherwise: where the kernel has no usable io_uring (no
	// io_uring before Linux 5.6, io_uring disabled by
	// /proc/sys/kernel/io_uring_disabled or a seccomp filter, as in
	// Docker's default profile), on tmpfs, and in buffered mode. On tmpfs,
	// and for buffered writes on ext4, the kernel hands every io_uring
	// request to one of its worker threads: measured on Linux 6.18, a 4 KiB
	// request then took 9-15 us instead of 1.7-2.3 us with pread on tmpfs,
	// and 31 us instead of 7.5 us for a buffered ext4 write. File.Engine
	// says which engine is in use, File.EngineFallback why not io_uring.
	EngineAuto Engine = iota
	// EngineURing issues every chunk as an SQE on one io_uring shared by
	// all callers; opening fails where io_uring is unavailable.
	EngineURing
	// EngineThreads issues pread/pwrite from the caller's goroutine, one
	// blocked thread per request in the kernel.
	EngineThreads
)

func (e Engine) String() string {
	switch e {
	case EngineAuto:
		return "auto"
	case EngineURing:
		return "uring"
	case EngineThreads:
		return "threads"
	default:
		return fmt.Sprintf("Engine(%d)", int(e))
	}
}

// WithEngine chooses the I/O engine (default EngineAuto).
func WithEngine(e Engine) Option { return func(c *fileConfig) { c.engine = e } }

// withURingFilter lets a test rewrite the result of every io_uring
// operation before the request sees it.
func withURingFilter(f func(kind opKind, res int32) int32) Option {
	return func(c *fileConfig) { c.uringFilter = f }
}

// startEngine sets up the engine the configuration asks for on an opened
// file.
func (d *File) startEngine(cfg fileConfig) error {
	if cfg.engine == EngineThreads {
		d.engine = EngineThreads
		return nil
	}
	var fd int
	if err := d.raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return err
	}
	if cfg.engine == EngineAuto {
		if why := d.uringUnfit(fd); why != nil {
			d.engine, d.fallback = EngineThreads, why
			return nil
		}
	}
	e, err := newURingEngine(fd, cfg.queueDepth, cfg.uringFilter)
	switch {
	case err == nil:
		d.ring, d.engine = e, EngineURing
		return nil
	case cfg.engine == EngineURing:
		return fmt.Errorf("start io_uring engine: %w", err)
	default:
		d.engine, d.fallback = EngineThreads, err
		return nil
	}
}

// Why EngineAuto does not take io_uring for a file (see EngineAuto).
var (
	errURingBuffered = errors.New("io_uring not used for buffered I/O: the kernel completes buffered io_uring writes in worker threads, slower than pwrite")
	errURingTmpfs    = errors.New("io_uring not used on tmpfs: the kernel completes its io_uring requests in worker threads, slower than pread/pwrite")
)

// uringUnfit says why io_uring would be slower than threads for this file,
// or nil.
func (d *File) uringUnfit(fd int) error {
	if !d.direct {
		return errURingBuffered
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return fmt.Errorf("io_uring not used: statfs: %w", err)
	}
	if st.Type == unix.TMPFS_MAGIC {
		return errURingTmpfs
	}
	return nil
}

// Engine reports the engine in use: EngineURing or EngineThreads, never
// EngineAuto.
func (d *File) Engine() Engine { return d.engine }

// EngineFallback is why EngineAuto chose EngineThreads: io_uring is
// unavailable (the error from setting it up) or would be slower for this
// file. It is nil when EngineAuto chose io_uring and when an engine was
// asked for by name.
func (d *File) EngineFallback() error { return d.fallback }
