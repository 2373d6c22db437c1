// Package fscopy copies a tree of files, directories and symbolic links
// from one file system to another (a local POSIX directory or a DFS
// container, in either direction or between two containers), as
// `daos filesystem copy` does: files in parallel, modes and times kept,
// holes kept, and never a half-written file at the destination, since
// every file is written under a temporary name and renamed over its
// final one only when complete.
package fscopy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Info describes one entry, without following a symbolic link.
type Info struct {
	Mode         uint32 // type (syscall.S_IF*) and permission bits
	Size         uint64 // a file's length
	Atime, Mtime time.Time
	Target       string // a symbolic link's target
}

func (i Info) typ() uint32     { return i.Mode & syscall.S_IFMT }
func (i Info) IsDir() bool     { return i.typ() == syscall.S_IFDIR }
func (i Info) IsRegular() bool { return i.typ() == syscall.S_IFREG }
func (i Info) IsSymlink() bool { return i.typ() == syscall.S_IFLNK }

// Tree is one side of a copy. Paths are absolute and slash-separated in
// the tree's own namespace. Errors for a missing path satisfy
// errors.Is(err, fs.ErrNotExist).
type Tree interface {
	Lstat(ctx context.Context, p string) (Info, error)
	ReadDir(ctx context.Context, p string) ([]string, error)
	Open(ctx context.Context, p string) (File, error)
	// Create makes a new, empty file; an existing name is an error.
	Create(ctx context.Context, p string, mode uint32) (File, error)
	Mkdir(ctx context.Context, p string, mode uint32) error
	Symlink(ctx context.Context, target, p string) error
	// Rename replaces to if it exists (not a directory).
	Rename(ctx context.Context, from, to string) error
	Remove(ctx context.Context, p string) error
	// SetAttr sets the permission bits (not for symbolic links) and
	// times of p.
	SetAttr(ctx context.Context, p string, mode uint32, atime, mtime time.Time) error
	// Name is how p is shown in messages (its URL or local path).
	Name(p string) string
}

// Range is a byte range [Off, Off+Len) of a file.
type Range struct{ Off, Len uint64 }

// File is an open file of a Tree.
type File interface {
	ReadAt(ctx context.Context, b []byte, off uint64) (int, error)
	WriteAt(ctx context.Context, b []byte, off uint64) error
	// Data lists where data may lie in a file of size bytes; the rest
	// are holes. A tree that cannot tell returns the whole file.
	Data(ctx context.Context, size uint64) ([]Range, error)
	Truncate(ctx context.Context, size uint64) error
	Close() error
}

// Options shape a copy.
type Options struct {
	// Workers is how many files are copied at once (default 16).
	Workers int
	// BufSize is the unit of reads and writes (default 1 MiB).
	BufSize int
	// Blocks is how many units are in flight over all files (default
	// twice Workers): a single large file is copied that many blocks
	// at once.
	Blocks int
	// IgnoreUnsupported skips entries that are neither files,
	// directories nor symbolic links (devices, FIFOs, sockets) instead
	// of failing.
	IgnoreUnsupported bool
	// Progress, when set, receives a progress bar redrawn in place.
	Progress io.Writer
}

// Stats count what a copy created.
type Stats struct {
	Dirs, Files, Links int64
	Bytes              int64 // file bytes copied (holes excluded)
	Skipped            int64 // unsupported entries left out
}

// tempPrefix starts the names files are written under before they are
// renamed into place; a copy that dies leaves only such names behind.
const tempPrefix = ".daos-copy."

// item is one entry of the source tree to copy.
type item struct {
	src, dst string
	info     Info
}

// Copy copies srcPath of src to dstPath of dst as cp -r does: when
// dstPath is an existing directory, srcPath goes inside it under its own
// name (a source that is a root merges its contents into dstPath);
// otherwise dstPath is created, and its parent must exist. Existing files
// are replaced whole, existing directories merged. The first error stops
// the copy and names the path; files finished by then stay, and no
// destination file is ever left half-written.
func Copy(ctx context.Context, src Tree, srcPath string, dst Tree, dstPath string, o Options) (Stats, error) {
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.BufSize <= 0 {
		o.BufSize = 1 << 20
	}
	if o.Blocks <= 0 {
		o.Blocks = 2 * o.Workers
	}
	srcPath, dstPath = clean(srcPath), clean(dstPath)
	root, err := statRoot(ctx, src, srcPath)
	if err != nil {
		return Stats{}, fmt.Errorf("source %s: %w", src.Name(srcPath), err)
	}
	target, err := destination(ctx, root, srcPath, dst, dstPath)
	if err != nil {
		return Stats{}, err
	}
	tag := make([]byte, 4)
	if _, err := rand.Read(tag); err != nil {
		return Stats{}, fmt.Errorf("temporary file names: %w", err)
	}
	c := &copier{src: src, dst: dst, o: o, tag: hex.EncodeToString(tag) + ".", bufs: make(chan []byte, o.Blocks)}
	for range o.Blocks {
		c.bufs <- make([]byte, o.BufSize)
	}
	items, err := c.scan(ctx, srcPath, target, root)
	if err != nil {
		return c.stats, err
	}
	var total uint64
	for _, it := range items {
		if it.info.IsRegular() {
			total += it.info.Size
		}
	}
	stopBar := c.progressBar(total, len(items))
	err = c.run(ctx, items)
	stopBar()
	c.stats.Bytes = c.copied.Load()
	return c.stats, err
}

func clean(p string) string { return path.Clean("/" + p) }

// stater is a tree that can also follow a symbolic link.
type stater interface {
	Stat(ctx context.Context, p string) (Info, error)
}

// statRoot describes a path given on the command line: a symbolic link
// there is followed when the tree can (a source or destination named
// through a link is what the link names, as cp -H does); links inside
// the tree are copied as links.
func statRoot(ctx context.Context, t Tree, p string) (Info, error) {
	if st, ok := t.(stater); ok {
		return st.Stat(ctx, p)
	}
	return t.Lstat(ctx, p)
}

// destination decides where srcPath lands under dstPath.
func destination(ctx context.Context, root Info, srcPath string, dst Tree, dstPath string) (string, error) {
	di, err := statRoot(ctx, dst, dstPath)
	switch {
	case err == nil && di.IsDir():
		if srcPath == "/" {
			return dstPath, nil
		}
		return path.Join(dstPath, path.Base(srcPath)), nil
	case err == nil && root.IsDir():
		return "", fmt.Errorf("destination %s: %w (the source is a directory)", dst.Name(dstPath), syscall.ENOTDIR)
	case err == nil:
		return dstPath, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("destination %s: %w", dst.Name(dstPath), err)
	}
	parent := path.Dir(dstPath)
	pi, err := dst.Lstat(ctx, parent)
	switch {
	case err != nil:
		return "", fmt.Errorf("destination's parent %s: %w", dst.Name(parent), err)
	case !pi.IsDir():
		return "", fmt.Errorf("destination's parent %s: %w", dst.Name(parent), syscall.ENOTDIR)
	}
	return dstPath, nil
}

type copier struct {
	src, dst Tree
	o        Options
	stats    Stats
	tag      string // random, in temporary names
	// bufs are the blocks in flight, shared by all files: one large file
	// gets them all, many small ones one each.
	bufs chan []byte
	seq  atomic.Uint64
	// done counts bytes (holes included) and entries finished, for the
	// progress bar; copied counts the data bytes.
	doneBytes, doneItems, copied atomic.Int64
}

// scan lists the source tree, directories before what they hold.
func (c *copier) scan(ctx context.Context, srcPath, dstPath string, info Info) ([]item, error) {
	var items []item
	var walk func(s, d string, info Info) error
	walk = func(s, d string, info Info) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch {
		case info.IsDir(), info.IsRegular(), info.IsSymlink():
		case c.o.IgnoreUnsupported:
			c.stats.Skipped++
			return nil
		default:
			return fmt.Errorf("source %s: unsupported file type %#o (--ignore-unsupported skips it)",
				c.src.Name(s), info.typ())
		}
		items = append(items, item{src: s, dst: d, info: info})
		if !info.IsDir() {
			return nil
		}
		names, err := c.src.ReadDir(ctx, s)
		if err != nil {
			return fmt.Errorf("read directory %s: %w", c.src.Name(s), err)
		}
		for _, n := range names {
			ci, err := c.src.Lstat(ctx, path.Join(s, n))
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed since the listing
			}
			if err != nil {
				return fmt.Errorf("source %s: %w", c.src.Name(path.Join(s, n)), err)
			}
			if err := walk(path.Join(s, n), path.Join(d, n), ci); err != nil {
				return err
			}
		}
		return nil
	}
	return items, walk(srcPath, dstPath, info)
}

// run makes the directories in order, copies files and links in
// parallel, then sets the directories' modes and times deepest first
// (creating their entries changed them).
func (c *copier) run(ctx context.Context, items []item) error {
	var dirs []item
	for _, it := range items {
		if !it.info.IsDir() {
			continue
		}
		if err := c.mkdir(ctx, it); err != nil {
			return err
		}
		dirs = append(dirs, it)
		c.stats.Dirs++
		c.doneItems.Add(1)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan item)
	var wg sync.WaitGroup
	var files, links atomic.Int64
	for range c.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				var err error
				if it.info.IsSymlink() {
					err = c.link(ctx, it)
					links.Add(1)
				} else {
					err = c.file(ctx, it)
					files.Add(1)
				}
				if err != nil {
					cancel(err)
					continue
				}
				c.doneItems.Add(1)
			}
		}()
	}
feed:
	for _, it := range items {
		if it.info.IsDir() {
			continue
		}
		select {
		case work <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	c.stats.Files, c.stats.Links = files.Load(), links.Load()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		if err := c.dst.SetAttr(ctx, d.dst, d.info.Mode, d.info.Atime, d.info.Mtime); err != nil {
			return fmt.Errorf("set mode and times of %s: %w", c.dst.Name(d.dst), err)
		}
	}
	return nil
}

// mkdir makes it's directory, owner-writable until run sets its mode so
// that a read-only source directory can still be filled.
func (c *copier) mkdir(ctx context.Context, it item) error {
	err := c.dst.Mkdir(ctx, it.dst, it.info.Mode&0o7777|0o700)
	if err == nil || !errors.Is(err, fs.ErrExist) {
		if err != nil {
			return fmt.Errorf("create directory %s: %w", c.dst.Name(it.dst), err)
		}
		return nil
	}
	di, sErr := c.dst.Lstat(ctx, it.dst)
	if sErr == nil && di.IsDir() {
		return nil
	}
	return fmt.Errorf("create directory %s: %w (exists and is not a directory)", c.dst.Name(it.dst), syscall.EEXIST)
}

// tempName is a new name beside p for writing p's content: the copy's
// random tag keeps two copies into one directory apart.
func (c *copier) tempName(p string) string {
	n := strconv.FormatUint(c.seq.Add(1), 36)
	return path.Join(path.Dir(p), tempPrefix+c.tag+n+"."+path.Base(p))
}

// link makes it's symbolic link under a temporary name and renames it
// into place.
func (c *copier) link(ctx context.Context, it item) error {
	tmp := c.tempName(it.dst)
	if err := c.dst.Symlink(ctx, it.info.Target, tmp); err != nil {
		return fmt.Errorf("create symbolic link %s: %w", c.dst.Name(it.dst), err)
	}
	if err := c.dst.SetAttr(ctx, tmp, it.info.Mode, it.info.Atime, it.info.Mtime); err != nil {
		c.dst.Remove(context.WithoutCancel(ctx), tmp)
		return fmt.Errorf("set times of symbolic link %s: %w", c.dst.Name(it.dst), err)
	}
	if err := c.dst.Rename(ctx, tmp, it.dst); err != nil {
		c.dst.Remove(context.WithoutCancel(ctx), tmp)
		return fmt.Errorf("put symbolic link %s in place: %w", c.dst.Name(it.dst), err)
	}
	return nil
}

// file copies it's data into a temporary file, gives it the source's
// mode and times and renames it over the destination; any failure
// removes the temporary file and leaves the destination as it was.
func (c *copier) file(ctx context.Context, it item) (err error) {
	in, err := c.src.Open(ctx, it.src)
	if err != nil {
		return fmt.Errorf("open %s: %w", c.src.Name(it.src), err)
	}
	defer in.Close()
	tmp := c.tempName(it.dst)
	out, err := c.dst.Create(ctx, tmp, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", c.dst.Name(it.dst), err)
	}
	defer func() {
		if err != nil {
			out.Close()
			c.dst.Remove(context.WithoutCancel(ctx), tmp)
		}
	}()
	if err := c.data(ctx, it, in, out); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write %s: %w", c.dst.Name(it.dst), err)
	}
	if err := c.dst.SetAttr(ctx, tmp, it.info.Mode, it.info.Atime, it.info.Mtime); err != nil {
		return fmt.Errorf("set mode and times of %s: %w", c.dst.Name(it.dst), err)
	}
	if err := c.dst.Rename(ctx, tmp, it.dst); err != nil {
		return fmt.Errorf("put %s in place: %w", c.dst.Name(it.dst), err)
	}
	return nil
}

// data copies the source's data ranges, blocks of one file in parallel
// on buffers from the copy's pool, leaving all-zero blocks unwritten so
// that holes stay holes, then sets the size.
func (c *copier) data(ctx context.Context, it item, in, out File) error {
	size := it.info.Size
	ranges, err := in.Data(ctx, size)
	if err != nil {
		return fmt.Errorf("find the data of %s: %w", c.src.Name(it.src), err)
	}
	var read atomic.Uint64
	defer func() { c.doneBytes.Add(int64(size - min(read.Load(), size))) }() // the holes
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	bs := uint64(c.o.BufSize)
blocks:
	for _, r := range ranges {
		for off, end := r.Off, min(r.Off+r.Len, size); off < end; off += bs {
			var buf []byte
			select {
			case buf = <-c.bufs:
			case <-ctx.Done():
				break blocks
			}
			n := min(bs, end-off)
			wg.Add(1)
			go func(off uint64, buf []byte) {
				defer func() { c.bufs <- buf; wg.Done() }()
				got, err := in.ReadAt(ctx, buf[:n], off)
				if err != nil && !errors.Is(err, io.EOF) {
					cancel(fmt.Errorf("read %s at %d: %w", c.src.Name(it.src), off, err))
					return
				}
				// A short read: the file shrank while being copied.
				if b := buf[:got]; got > 0 && !allZero(b) {
					if err := out.WriteAt(ctx, b, off); err != nil {
						cancel(fmt.Errorf("write %s at %d: %w", c.dst.Name(it.dst), off, err))
						return
					}
				}
				read.Add(uint64(got))
				c.doneBytes.Add(int64(got))
				c.copied.Add(int64(got))
			}(off, buf)
		}
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if err := out.Truncate(ctx, size); err != nil {
		return fmt.Errorf("set the size of %s: %w", c.dst.Name(it.dst), err)
	}
	return nil
}

func allZero(b []byte) bool {
	var zeros [4096]byte
	for len(b) > 0 {
		n := min(len(b), len(zeros))
		if !bytes.Equal(b[:n], zeros[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}
