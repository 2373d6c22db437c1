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

// Free unmaps the buffer. It fails while an operation on it is in flight
// (one abandoned through its context), since the provider may still touch it.
func (b *Buffer) Free() error {
	if b.mem == nil {
		return errors.New("free buffer: already freed")
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
