package bdev

import (
	"context"
	"errors"
	"fmt"
)

// BlockSize is the size in bytes of a block, the unit of every read and
// write. It matches the 4 KiB blocks the allocator (package vea) hands out.
const BlockSize = 4096

// Device is a block device. All methods are safe for concurrent use; two
// requests in flight over the same blocks, one of them a write, give
// undefined content for those blocks, as on real hardware.
type Device interface {
	// ReadAt fills p with the blocks starting at off. It reads all of p or
	// returns an error.
	ReadAt(ctx context.Context, p []byte, off int64) error
	// WriteAt writes p to the blocks starting at off. It writes all of p or
	// returns an error. The data is not durable until Sync returns.
	WriteAt(ctx context.Context, p []byte, off int64) error
	// Sync returns once every write completed before the call is durable.
	Sync(ctx context.Context) error
	// Size is the capacity in bytes, a multiple of BlockSize.
	Size() int64
	// BlockSize is the I/O unit in bytes (always BlockSize).
	BlockSize() int
	// Close releases the device. It does not Sync.
	Close() error
}

// Errors wrapped by the devices, for errors.Is.
var (
	// ErrAlign: an offset or length is not a multiple of BlockSize.
	ErrAlign = errors.New("bdev: not block-aligned")
	// ErrRange: a request reaches outside [0, Size()).
	ErrRange = errors.New("bdev: outside the device")
	// ErrClosed: the device was closed.
	ErrClosed = errors.New("bdev: device closed")
	// ErrReadOnly: a write or sync on a device opened read-only.
	ErrReadOnly = errors.New("bdev: device opened read-only")
	// ErrSize: a device size is not a positive multiple of BlockSize.
	ErrSize = errors.New("bdev: size is not a positive multiple of the block size")
)

// checkIO validates one request against the contract shared by all devices,
// so that every backend rejects the same requests with the same errors.
func checkIO(op string, off int64, n int, size int64) error {
	if off%BlockSize != 0 || n%BlockSize != 0 {
		return fmt.Errorf("%s at offset %d length %d: %w (block size %d)", op, off, n, ErrAlign, BlockSize)
	}
	if off < 0 || off > size || int64(n) > size-off {
		return fmt.Errorf("%s at offset %d length %d: %w of %d bytes", op, off, n, ErrRange, size)
	}
	return nil
}

// checkSize validates the size of a new or opened device.
func checkSize(size int64) error {
	if size <= 0 || size%BlockSize != 0 {
		return fmt.Errorf("size %d: %w (%d)", size, ErrSize, BlockSize)
	}
	return nil
}
