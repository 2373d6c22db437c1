package dfs

import (
	"context"
	"syscall"

	"github.com/daos-go/daos/pkg/client"
)

// file is o's array, or the errno for using a non-file as one.
func (o *Obj) file(op string) (*client.Array, error) {
	if o == nil {
		return nil, fail(op, "", syscall.EINVAL)
	}
	switch {
	case o.IsFile():
		return o.arr, nil
	case o.IsDir():
		return nil, fail(op, o.name, syscall.EISDIR)
	}
	return nil, fail(op, o.name, syscall.EINVAL)
}

func total(bufs [][]byte) uint64 {
	var n uint64
	for _, b := range bufs {
		n += uint64(len(b))
	}
	return n
}

// Read reads into bufs, filled in order, from byte off of file o
// (dfs_read). It returns how many bytes lay below the file's size: fewer
// than asked at the end, 0 at or past it. Holes read as zeros.
func (fs *FS) Read(ctx context.Context, o *Obj, bufs [][]byte, off uint64) (uint64, error) {
	a, err := o.file("read")
	if err != nil {
		return 0, err
	}
	if err := o.Readable("read"); err != nil {
		return 0, err
	}
	n := total(bufs)
	if n == 0 {
		return 0, nil
	}
	if off+n < off {
		return 0, fail("read", o.name, syscall.EINVAL)
	}
	res, err := a.Read(ctx, []client.Range{{Idx: off, Len: n}}, bufs)
	if err != nil {
		return 0, wrap("read", o.name, err)
	}
	return res.Read, nil
}

// Write writes bufs, concatenated, at byte off of file o (dfs_write); the
// data is durable and visible to every handle when it returns.
func (fs *FS) Write(ctx context.Context, o *Obj, bufs [][]byte, off uint64) error {
	a, err := o.file("write")
	if err != nil {
		return err
	}
	if err := o.writable("write"); err != nil {
		return err
	}
	n := total(bufs)
	if n == 0 {
		return nil
	}
	if off+n < off {
		return fail("write", o.name, syscall.EFBIG)
	}
	if err := a.Write(ctx, []client.Range{{Idx: off, Len: n}}, bufs); err != nil {
		return wrap("write", o.name, err)
	}
	return nil
}

// GetSize is file o's size in bytes (dfs_get_size).
func (fs *FS) GetSize(ctx context.Context, o *Obj) (uint64, error) {
	a, err := o.file("get size")
	if err != nil {
		return 0, err
	}
	size, err := a.GetSize(ctx)
	if err != nil {
		return 0, wrap("get size", o.name, err)
	}
	return size, nil
}

// Truncate sets file o's size (extending leaves a hole).
func (fs *FS) Truncate(ctx context.Context, o *Obj, size uint64) error {
	a, err := o.file("truncate")
	if err != nil {
		return err
	}
	if err := o.writable("truncate"); err != nil {
		return err
	}
	if err := a.SetSize(ctx, size); err != nil {
		return wrap("truncate", o.name, err)
	}
	return nil
}

// Punch frees bytes [off, off+n) of file o so they read as zeros
// (dfs_punch); a range reaching the end shortens the file to off.
func (fs *FS) Punch(ctx context.Context, o *Obj, off, n uint64) error {
	a, err := o.file("punch")
	if err != nil {
		return err
	}
	if err := o.writable("punch"); err != nil {
		return err
	}
	size, err := a.GetSize(ctx)
	if err != nil {
		return wrap("punch", o.name, err)
	}
	switch {
	case off >= size || n == 0:
		return nil
	case off+n >= size || off+n < off:
		err = a.SetSize(ctx, off)
	default:
		err = a.Punch(ctx, off, n)
	}
	if err != nil {
		return wrap("punch", o.name, err)
	}
	return nil
}

// DataChunks lists, in increasing order, the chunks of file o that may
// hold data, with the file's chunk size: bytes outside them are holes.
// A copier uses it to keep sparse files sparse without reading holes.
func (fs *FS) DataChunks(ctx context.Context, o *Obj) (chunkSize uint64, chunks []uint64, err error) {
	a, err := o.file("list chunks")
	if err != nil {
		return 0, nil, err
	}
	cs, err := a.Chunks(ctx)
	if err != nil {
		return 0, nil, wrap("list chunks", o.name, err)
	}
	return a.ChunkSize(), cs, nil
}
