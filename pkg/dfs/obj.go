package dfs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"syscall"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// Obj is an open file, directory or symbolic link (dfs_obj_t). Its fields
// do not change after open, so it may be used from several goroutines.
type Obj struct {
	fs *FS
	// parent is the directory holding the entry; nil for the root, whose
	// entry lives in the superblock object.
	parent *client.Object
	name   string
	ent    entry
	flags  int // open flags; the access mode decides writes
	// ancestors are the directories above, root first, as the lookup
	// that opened the object walked them (to refuse moving a directory
	// under itself).
	ancestors []daos.ObjectID

	dir *client.Object // directories
	arr *client.Array  // files
	// created says the Open that made this handle also made the entry.
	created bool
}

// Name is the entry name the object was opened by ("/" for the root).
func (o *Obj) Name() string { return o.name }

// Mode is the type and permission bits at open.
func (o *Obj) Mode() uint32 { return o.ent.Mode }

// OID is the object id (for a symbolic link, zero).
func (o *Obj) OID() daos.ObjectID { return o.ent.OID }

// ChunkSize is a file's chunk size, or a directory's default for new
// files (0: the container's).
func (o *Obj) ChunkSize() uint64 { return o.ent.ChunkSize }

// OClass is the object class chosen for a file (0: the pool's default
// for its type), or a directory's explicit default for new objects.
func (o *Obj) OClass() placement.ClassID { return o.ent.OClass }

// SymlinkTarget is a symbolic link's target ("" otherwise).
func (o *Obj) SymlinkTarget() string { return o.ent.Target }

// IsDir, IsFile and IsSymlink report the object's type.
func (o *Obj) IsDir() bool     { return isDir(o.ent.Mode) }
func (o *Obj) IsFile() bool    { return o.ent.Mode&syscall.S_IFMT == syscall.S_IFREG }
func (o *Obj) IsSymlink() bool { return o.ent.Mode&syscall.S_IFMT == syscall.S_IFLNK }

func isDir(mode uint32) bool { return mode&syscall.S_IFMT == syscall.S_IFDIR }

// Release closes the object (dfs_release); nothing is held remotely.
func (o *Obj) Release() error {
	if o == nil {
		return fail("release", "", syscall.EINVAL)
	}
	return nil
}

// Readable reports EPERM for a handle opened write-only, as DFS does.
func (o *Obj) Readable(op string) error {
	if o.flags&syscall.O_ACCMODE == syscall.O_WRONLY {
		return fail(op, o.name, syscall.EPERM)
	}
	return nil
}

// Writable reports why changes through o are refused (EPERM for a
// read-only handle, EROFS for a read-only mount), nil if they are not.
func (o *Obj) Writable(op string) error { return o.writable(op) }

func (o *Obj) writable(op string) error {
	if err := o.fs.writable(op, o.name); err != nil {
		return err
	}
	if o.flags&syscall.O_ACCMODE == syscall.O_RDONLY {
		return fail(op, o.name, syscall.EPERM)
	}
	return nil
}

// objOf opens the object an entry of directory parent (nil: the
// superblock, for the root) names, with the access of flags.
func (fs *FS) objOf(parent *Obj, name string, e *entry, flags int) (*Obj, error) {
	o := &Obj{fs: fs, name: name, ent: *e, flags: flags}
	if parent != nil {
		o.parent = parent.dir
		o.ancestors = append(slices.Clone(parent.ancestors), parent.ent.OID)
	}
	var err error
	switch e.Mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		// Directories are written through even when opened read-only:
		// creating an entry in a looked-up directory is the usual case.
		dmode := client.OORW
		if fs.readOnly {
			dmode = client.OORO
		}
		o.dir, err = fs.cont.OpenObject(e.OID, dmode)
	case syscall.S_IFREG:
		if e.ChunkSize == 0 {
			return nil, fail("open", name, syscall.EIO)
		}
		// Writes through a read-only handle are refused by Obj.writable.
		o.arr, err = fs.cont.OpenArrayWithAttr(e.OID, 1, e.ChunkSize)
	case syscall.S_IFLNK:
	default:
		return nil, fail("open", name, syscall.EIO)
	}
	if err != nil {
		return nil, wrap("open", name, err)
	}
	return o, nil
}

// checkName refuses what cannot be an entry name.
func checkName(op, name string) error {
	if name == "" || name == "." || name == ".." || len(name) > MaxName || strings.ContainsRune(name, '/') {
		return fail(op, name, syscall.EINVAL)
	}
	return nil
}

// dirObj is the directory object of parent (nil: the root); a
// non-directory is ENOTDIR.
func (fs *FS) dirObj(op string, parent *Obj) (*Obj, error) {
	if parent == nil {
		return fs.root, nil
	}
	if parent.fs != fs {
		return nil, fail(op, parent.name, syscall.EINVAL)
	}
	if !parent.IsDir() {
		return nil, fail(op, parent.name, syscall.ENOTDIR)
	}
	return parent, nil
}

// getEntry reads name's entry in directory object d; absent is ENOENT.
func (fs *FS) getEntry(ctx context.Context, d *client.Object, name string) (*entry, error) {
	e, m, err := fs.readEntry(ctx, d, name)
	if err != nil || !m.valid {
		return e, err
	}
	return fs.resolve(ctx, d, name, e, m)
}

// putEntry writes name's entry into d; with insert it must not exist yet
// (EEXIST otherwise), which is what makes creation atomic.
func (fs *FS) putEntry(ctx context.Context, d *client.Object, name string, e *entry, insert bool) error {
	b := e.encode()
	var flags daos.CondFlags
	if insert {
		flags = daos.CondDkeyInsert
	}
	iod := daos.IOD{Name: entAkey, Type: daos.IODSingle, Size: uint64(len(b))}
	if _, err := d.Update(ctx, []byte(name), []daos.IOD{iod}, [][]byte{b}, flags); err != nil {
		return wrap("write entry", name, err)
	}
	return nil
}

// entryOf is obj's current entry, read again so that changes made by
// others since open show (the root's lives in the superblock).
func (fs *FS) entryOf(ctx context.Context, o *Obj) (*entry, error) {
	if o.parent == nil {
		return fs.getEntry(ctx, fs.sbObj, string(rootDkey))
	}
	e, err := fs.getEntry(ctx, o.parent, o.name)
	switch {
	case errors.Is(err, syscall.ENOENT) || (err == nil && (e.OID != o.ent.OID || e.Mode&syscall.S_IFMT != o.ent.Mode&syscall.S_IFMT)):
		// The name is gone or now means something else: this handle's
		// object was renamed or removed (an unlinked file still open
		// lives on). Its own entry as opened is the best answer.
		old := o.ent
		return &old, nil
	case err != nil:
		return nil, err
	}
	return e, nil
}

func newEntry(mode uint32) entry {
	t := now()
	return entry{Mode: mode, Atime: t, Mtime: t, Ctime: t,
		UID: uint32(syscall.Geteuid()), GID: uint32(syscall.Getegid())}
}
