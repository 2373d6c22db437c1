package fscopy

import (
	"context"
	"path"
	"sync"
	"syscall"
	"time"

	"github.com/daos-go/daos/pkg/dfs"
)

// DFS is a mounted DFS container. Directories it looks up are kept open
// for the copy's length, so each entry costs one lookup of its own name
// rather than a walk from the root.
type DFS struct {
	fs   *dfs.FS
	name string // the container's URL, for messages

	mu   sync.Mutex
	dirs map[string]*dfs.Obj
}

// NewDFS is the tree of a mounted container; name (daos://pool/cont) is
// how its paths are shown.
func NewDFS(fs *dfs.FS, name string) *DFS {
	return &DFS{fs: fs, name: name, dirs: map[string]*dfs.Obj{}}
}

func (t *DFS) Name(p string) string {
	if p == "/" {
		return t.name
	}
	return t.name + p
}

// dir opens directory p, once.
func (t *DFS) dir(ctx context.Context, p string) (*dfs.Obj, error) {
	if p == "/" {
		return t.fs.Root(), nil
	}
	t.mu.Lock()
	d, ok := t.dirs[p]
	t.mu.Unlock()
	if ok {
		return d, nil
	}
	flags := syscall.O_RDWR
	if t.fs.ReadOnly() {
		flags = syscall.O_RDONLY
	}
	d, err := t.fs.Lookup(ctx, p, flags)
	if err != nil {
		return nil, err
	}
	if !d.IsDir() {
		return nil, &dfs.Error{Op: "open directory", Name: p, Errno: syscall.ENOTDIR}
	}
	t.mu.Lock()
	t.dirs[p] = d
	t.mu.Unlock()
	return d, nil
}

// split opens p's directory and returns it with p's last name.
func (t *DFS) split(ctx context.Context, p string) (*dfs.Obj, string, error) {
	d, err := t.dir(ctx, path.Dir(p))
	return d, path.Base(p), err
}

func (t *DFS) Lstat(ctx context.Context, p string) (Info, error) {
	if p == "/" {
		st, err := t.fs.Stat(ctx, nil, "")
		if err != nil {
			return Info{}, err
		}
		return infoOf(st, ""), nil
	}
	d, name, err := t.split(ctx, p)
	if err != nil {
		return Info{}, err
	}
	st, err := t.fs.Stat(ctx, d, name)
	if err != nil {
		return Info{}, err
	}
	var target string
	if st.Mode&syscall.S_IFMT == syscall.S_IFLNK {
		o, err := t.fs.LookupRel(ctx, d, name, syscall.O_RDONLY|syscall.O_NOFOLLOW)
		if err != nil {
			return Info{}, err
		}
		target = o.SymlinkTarget()
		o.Release()
	}
	return infoOf(st, target), nil
}

func infoOf(st *dfs.Stat, target string) Info {
	return Info{Mode: st.Mode, Size: st.Size, Atime: st.Atime, Mtime: st.Mtime, Target: target}
}

func (t *DFS) ReadDir(ctx context.Context, p string) ([]string, error) {
	d, err := t.dir(ctx, p)
	if err != nil {
		return nil, err
	}
	var names []string
	var anchor dfs.Anchor
	for !anchor.EOF {
		ns, err := t.fs.Readdir(ctx, d, &anchor, 1024)
		if err != nil {
			return nil, err
		}
		names = append(names, ns...)
	}
	return names, nil
}

func (t *DFS) Open(ctx context.Context, p string) (File, error) {
	d, name, err := t.split(ctx, p)
	if err != nil {
		return nil, err
	}
	o, err := t.fs.LookupRel(ctx, d, name, syscall.O_RDONLY)
	if err != nil {
		return nil, err
	}
	return &dfsFile{fs: t.fs, o: o}, nil
}

func (t *DFS) Create(ctx context.Context, p string, mode uint32) (File, error) {
	d, name, err := t.split(ctx, p)
	if err != nil {
		return nil, err
	}
	o, err := t.fs.Open(ctx, d, name, syscall.S_IFREG|mode&0o7777, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL, 0, 0, "")
	if err != nil {
		return nil, err
	}
	return &dfsFile{fs: t.fs, o: o}, nil
}

func (t *DFS) Mkdir(ctx context.Context, p string, mode uint32) error {
	d, name, err := t.split(ctx, p)
	if err != nil {
		return err
	}
	return t.fs.Mkdir(ctx, d, name, mode&0o7777, 0)
}

func (t *DFS) Symlink(ctx context.Context, target, p string) error {
	d, name, err := t.split(ctx, p)
	if err != nil {
		return err
	}
	o, err := t.fs.Open(ctx, d, name, syscall.S_IFLNK|0o777, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL, 0, 0, target)
	if err != nil {
		return err
	}
	return o.Release()
}

func (t *DFS) Rename(ctx context.Context, from, to string) error {
	fd, fname, err := t.split(ctx, from)
	if err != nil {
		return err
	}
	td, tname, err := t.split(ctx, to)
	if err != nil {
		return err
	}
	_, err = t.fs.Move(ctx, fd, fname, td, tname)
	return err
}

func (t *DFS) Remove(ctx context.Context, p string) error {
	d, name, err := t.split(ctx, p)
	if err != nil {
		return err
	}
	_, err = t.fs.Remove(ctx, d, name, false)
	return err
}

func (t *DFS) SetAttr(ctx context.Context, p string, mode uint32, atime, mtime time.Time) error {
	var o *dfs.Obj
	var err error
	if p == "/" {
		o = t.fs.Root()
	} else {
		d, name, err := t.split(ctx, p)
		if err != nil {
			return err
		}
		if o, err = t.fs.LookupRel(ctx, d, name, syscall.O_RDWR|syscall.O_NOFOLLOW); err != nil {
			return err
		}
		defer o.Release()
	}
	which := dfs.SetAtime | dfs.SetMtime
	if mode&syscall.S_IFMT != syscall.S_IFLNK {
		which |= dfs.SetMode
	}
	_, err = t.fs.SetAttr(ctx, o, &dfs.Stat{Mode: mode, Atime: atime, Mtime: mtime}, which)
	return err
}

type dfsFile struct {
	fs *dfs.FS
	o  *dfs.Obj
}

func (f *dfsFile) ReadAt(ctx context.Context, b []byte, off uint64) (int, error) {
	n, err := f.fs.Read(ctx, f.o, [][]byte{b}, off)
	return int(n), err
}

func (f *dfsFile) WriteAt(ctx context.Context, b []byte, off uint64) error {
	return f.fs.Write(ctx, f.o, [][]byte{b}, off)
}

func (f *dfsFile) Truncate(ctx context.Context, size uint64) error {
	return f.fs.Truncate(ctx, f.o, size)
}

func (f *dfsFile) Close() error { return f.o.Release() }

// Data is the file's chunks that hold records.
func (f *dfsFile) Data(ctx context.Context, size uint64) ([]Range, error) {
	cs, chunks, err := f.fs.DataChunks(ctx, f.o)
	if err != nil {
		return nil, err
	}
	out := make([]Range, 0, len(chunks))
	for _, c := range chunks {
		if off := c * cs; off < size {
			out = append(out, Range{off, cs})
		}
	}
	return out, nil
}
