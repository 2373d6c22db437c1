package bdev

import (
	"context"
	"fmt"
	"sync"
)

// Mem is a Device held in memory. Nothing survives Close; Sync only checks
// that the device is open. It exists so that tests of the layers above run
// fast and need no file system.
type Mem struct {
	mu     sync.RWMutex // shared by reads, exclusive for writes and Close
	data   []byte
	size   int64
	closed bool
}

var _ Device = (*Mem)(nil)

// NewMem returns a zero-filled device of size bytes, a positive multiple of
// BlockSize.
func NewMem(size int64) (*Mem, error) {
	if err := checkSize(size); err != nil {
		return nil, fmt.Errorf("new memory device: %w", err)
	}
	return &Mem{data: make([]byte, size), size: size}, nil
}

// ReadAt implements Device.
func (m *Mem) ReadAt(ctx context.Context, p []byte, off int64) error {
	if err := checkIO("read", off, len(p), m.size); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("read at offset %d length %d: %w", off, len(p), err)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return fmt.Errorf("read at offset %d length %d: %w", off, len(p), ErrClosed)
	}
	copy(p, m.data[off:])
	return nil
}

// WriteAt implements Device.
func (m *Mem) WriteAt(ctx context.Context, p []byte, off int64) error {
	if err := checkIO("write", off, len(p), m.size); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write at offset %d length %d: %w", off, len(p), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("write at offset %d length %d: %w", off, len(p), ErrClosed)
	}
	copy(m.data[off:], p)
	return nil
}

// Sync implements Device: memory is as durable as it gets.
func (m *Mem) Sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return fmt.Errorf("sync: %w", ErrClosed)
	}
	return nil
}

// Size implements Device.
func (m *Mem) Size() int64 { return m.size }

// BlockSize implements Device.
func (m *Mem) BlockSize() int { return BlockSize }

// Close implements Device and drops the content. Closing twice is harmless.
func (m *Mem) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.data = nil
	return nil
}
