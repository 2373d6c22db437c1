package ofi

import (
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Buffer is memory outside the Go heap (an anonymous mapping), so libfabric
// may keep using it after a call returns. It is page-aligned.
type Buffer struct {
	mem []byte
	// view is set for a Buffer over part of another's memory (View): it
	// counts its own operations and registrations, and is never unmapped
	// through it.
	view bool
	// inflight counts operations that libfabric may still touch, and regs
	// the live registrations (through which peers may write); Free refuses
	// while either is non-zero.
	inflight atomic.Int64
	regs     atomic.Int64
}

// AllocBuffer maps size bytes of zeroed memory.
func AllocBuffer(size int) (*Buffer, error) {
	if size <= 0 {
		return nil, fmt.Errorf("allocate buffer: size %d must be positive", size)
	}
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("allocate buffer of %d bytes: mmap: %w", size, err)
	}
	return &Buffer{mem: mem}, nil
}

// Bytes is the buffer's memory; valid until Free.
func (b *Buffer) Bytes() []byte { return b.mem }

// Len is the buffer's size in bytes.
func (b *Buffer) Len() int { return len(b.mem) }

// InFlight counts the operations the provider may still be using this
// buffer for: sends and RMA abandoned through their context complete later.
func (b *Buffer) InFlight() int64 { return b.inflight.Load() }

// View is n bytes of b from off as a Buffer of their own, so that the
// operations and registrations on them are counted apart from the rest
// of b. The memory stays b's: it must outlive the view's use.
func (b *Buffer) View(off, n int) (*Buffer, error) {
	if b.mem == nil {
		return nil, errors.New("view of a buffer: already freed")
	}
	if off < 0 || n <= 0 || off > len(b.mem) || n > len(b.mem)-off {
		return nil, fmt.Errorf("view of %d bytes at offset %d of a %d-byte buffer", n, off, len(b.mem))
	}
	return &Buffer{mem: b.mem[off : off+n : off+n], view: true}, nil
}

// Free unmaps the buffer. It fails while an operation on it is in flight
// (one abandoned through its context), since the provider may still touch it.
func (b *Buffer) Free() error {
	if b.mem == nil {
		return errors.New("free buffer: already freed")
	}
	if b.view {
		return errors.New("free buffer: a view is freed with the buffer it is part of")
	}
	if n := b.inflight.Load(); n > 0 {
		return fmt.Errorf("free buffer: %d operations still in flight", n)
	}
	if n := b.regs.Load(); n > 0 {
		return fmt.Errorf("free buffer: still registered %d times (close its memory regions first)", n)
	}
	err := unix.Munmap(b.mem)
	b.mem = nil
	if err != nil {
		return fmt.Errorf("free buffer: munmap: %w", err)
	}
	return nil
}
