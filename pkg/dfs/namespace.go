package dfs

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/placement"
)

// Anchor resumes a Readdir; the zero value starts at the beginning and
// EOF says the listing is done.
type Anchor = client.Anchor

// SetPrefix makes Lookup strip the absolute prefix from paths
// (dfs_set_prefix); "" clears it.
func (fs *FS) SetPrefix(prefix string) error {
	if prefix == "" {
		fs.prefix.Store(nil)
		return nil
	}
	if !strings.HasPrefix(prefix, "/") {
		return fail("set prefix", prefix, syscall.EINVAL)
	}
	if len(prefix) >= MaxPath {
		// No path it could be stripped from fits DFS's limit.
		return fail("set prefix", prefix[:64]+"...", syscall.EINVAL)
	}
	p := strings.TrimRight(prefix, "/")
	fs.prefix.Store(&p)
	return nil
}

// Lookup opens the object at an absolute path (dfs_lookup). Repeated
// slashes and "." are ignored, ".." goes up; every component but the last
// must be a directory (ENOENT otherwise); symbolic links are followed
// except a last one when flags has O_NOFOLLOW. flags' access mode is the
// object's.
func (fs *FS) Lookup(ctx context.Context, path string, flags int) (*Obj, error) {
	if len(path) > MaxPath {
		return nil, fail("lookup", path[:64]+"...", syscall.ENAMETOOLONG)
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fail("lookup", path, syscall.EINVAL)
	}
	rel := path
	if p := fs.prefix.Load(); p != nil && *p != "" {
		rest, ok := strings.CutPrefix(path, *p)
		if !ok || (rest != "" && rest[0] != '/') {
			return nil, fail("lookup", path, syscall.EINVAL)
		}
		rel = rest
	}
	o, err := fs.walk(ctx, []*Obj{fs.root}, split(rel), flags)
	if err != nil {
		return nil, wrap("lookup", path, err)
	}
	return o, nil
}

// LookupRel opens name in parent (nil: the root) (dfs_lookup_rel); a
// symbolic link is followed unless flags has O_NOFOLLOW.
func (fs *FS) LookupRel(ctx context.Context, parent *Obj, name string, flags int) (*Obj, error) {
	if err := checkName("lookup", name); err != nil {
		return nil, err
	}
	d, err := fs.dirObj("lookup", parent)
	if err != nil {
		return nil, err
	}
	stack := []*Obj{d}
	if d != fs.root {
		// The parent's own ancestors are unknown; walk refuses a ".."
		// that climbs out of it rather than guess.
		stack = []*Obj{nil, d}
	}
	return fs.walk(ctx, stack, []string{name}, flags)
}

func split(path string) []string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
}

// walk resolves comps from the directory on top of stack, whose lower
// entries are its ancestors (for ".."; a nil bottom means unknown ones).
func (fs *FS) walk(ctx context.Context, stack []*Obj, comps []string, flags int) (*Obj, error) {
	links := 0
	for i := 0; i < len(comps); i++ {
		c := comps[i]
		cur := stack[len(stack)-1]
		switch c {
		case ".":
			continue
		case "..":
			switch {
			case len(stack) > 1 && stack[len(stack)-2] == nil:
				return nil, fail("lookup", "..", syscall.EINVAL)
			case len(stack) > 1:
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if len(c) > MaxName {
			return nil, fail("lookup", c, syscall.ENAMETOOLONG)
		}
		last := i == len(comps)-1
		e, err := fs.getEntry(ctx, cur.dir, c)
		if err != nil {
			return nil, err
		}
		if e.Mode&syscall.S_IFMT == syscall.S_IFLNK && (!last || flags&syscall.O_NOFOLLOW == 0) {
			if links++; links > maxSymlinks {
				return nil, fail("lookup", c, syscall.ELOOP)
			}
			if e.Target == "" {
				return nil, fail("lookup", c, syscall.ENOENT)
			}
			if strings.HasPrefix(e.Target, "/") {
				stack = []*Obj{fs.root}
			}
			comps = append(split(e.Target), comps[i+1:]...)
			i = -1
			continue
		}
		if !last && !isDir(e.Mode) {
			return nil, fail("lookup", c, syscall.ENOENT)
		}
		fl := syscall.O_RDONLY
		if last {
			fl = flags
		}
		o, err := fs.objOf(cur, c, e, fl)
		if err != nil {
			return nil, err
		}
		stack = append(stack, o)
	}
	top := stack[len(stack)-1]
	if top == nil {
		return nil, fail("lookup", "..", syscall.EINVAL)
	}
	return top, nil
}

// Open opens or creates name in parent (nil: the root) (dfs_open). The
// type comes from mode's S_IFMT bits (a file, directory or symlink, whose
// target is symlinkTarget); O_CREAT creates (EEXIST with O_EXCL when the
// name exists, else the existing object is opened), O_TRUNC empties an
// existing file, O_APPEND is ENOTSUP. A symlink is only created, as in
// DFS: without O_CREAT it is ENOTSUP, and an existing name EEXIST. oclass and chunkSize apply to a
// new object; 0 takes the directory's or the container's default.
func (fs *FS) Open(ctx context.Context, parent *Obj, name string, mode uint32, flags int,
	oclass placement.ClassID, chunkSize uint64, symlinkTarget string) (*Obj, error) {
	if err := checkName("open", name); err != nil {
		return nil, err
	}
	d, err := fs.dirObj("open", parent)
	if err != nil {
		return nil, err
	}
	typ := mode & syscall.S_IFMT
	switch {
	case typ != syscall.S_IFREG && typ != syscall.S_IFDIR && typ != syscall.S_IFLNK:
		return nil, fail("open", name, syscall.EINVAL)
	case typ == syscall.S_IFLNK && flags&syscall.O_CREAT == 0:
		return nil, fail("open symlink", name, syscall.ENOTSUP)
	case typ == syscall.S_IFLNK && (symlinkTarget == "" || len(symlinkTarget) >= MaxPath):
		// DFS keeps a target with its terminator within MaxPath bytes.
		return nil, fail("open symlink", name, syscall.EINVAL)
	case flags&syscall.O_APPEND != 0:
		return nil, fail("open", name, syscall.ENOTSUP)
	case flags&syscall.O_ACCMODE != syscall.O_RDONLY && fs.readOnly:
		return nil, fail("open", name, syscall.EPERM)
	}
	if flags&syscall.O_CREAT != 0 {
		o, err := fs.create(ctx, d, name, mode, flags, oclass, chunkSize, symlinkTarget)
		if err == nil || !errors.Is(err, syscall.EEXIST) || flags&syscall.O_EXCL != 0 || typ == syscall.S_IFLNK {
			return o, err
		}
		// Lost a race to create, or the name was there: open it.
	}
	e, err := fs.getEntry(ctx, d.dir, name)
	if err != nil {
		return nil, wrap("open", name, err)
	}
	have := e.Mode & syscall.S_IFMT
	switch {
	case typ == syscall.S_IFREG && have != syscall.S_IFREG:
		return nil, fail("open", name, syscall.EINVAL)
	case typ == syscall.S_IFDIR && have != syscall.S_IFDIR:
		return nil, fail("open", name, syscall.ENOTDIR)
	case typ == syscall.S_IFLNK && have != syscall.S_IFLNK:
		return nil, fail("open", name, syscall.EINVAL)
	}
	o, err := fs.objOf(d, name, e, flags)
	if err != nil {
		return nil, err
	}
	if flags&syscall.O_TRUNC != 0 && o.IsFile() {
		if err := fs.writable("open O_TRUNC", name); err != nil {
			return nil, err
		}
		if err := o.arr.SetSize(ctx, 0); err != nil {
			return nil, wrap("open O_TRUNC", name, err)
		}
	}
	return o, nil
}

// create makes a new entry with an atomic insert: of two creators of one
// name exactly one succeeds, the other gets EEXIST.
func (fs *FS) create(ctx context.Context, d *Obj, name string, mode uint32, flags int,
	oclass placement.ClassID, chunkSize uint64, target string) (*Obj, error) {
	if err := fs.writable("create", name); err != nil {
		return nil, err
	}
	e := newEntry(mode)
	var err error
	switch mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		e.OClass = firstNonZero(oclass, d.ent.OClass, fs.sb.FileOClass)
		e.ChunkSize = firstNonZero(chunkSize, d.ent.ChunkSize, fs.sb.ChunkSize)
		e.OID, err = fs.newOID(ctx, placement.OTArrayByte, e.OClass)
	case syscall.S_IFDIR:
		// A directory's class and chunk size are the defaults of what is
		// created in it; only explicit choices are kept, so the
		// container's defaults apply otherwise.
		e.OClass = firstNonZero(oclass, d.ent.OClass)
		e.ChunkSize = firstNonZero(chunkSize, d.ent.ChunkSize)
		e.OID, err = fs.newOID(ctx, placement.OTMultiHashed, firstNonZero(e.OClass, fs.sb.DirOClass))
	case syscall.S_IFLNK:
		e.Target = target
	}
	if err != nil {
		return nil, wrap("create: allocate object id", name, err)
	}
	if err := fs.putEntry(ctx, d.dir, name, &e, true); err != nil {
		return nil, wrap("create", name, err)
	}
	o, err := fs.objOf(d, name, &e, flags)
	if err != nil {
		return nil, err
	}
	o.created = true
	return o, nil
}

func firstNonZero[T comparable](vs ...T) T {
	var zero T
	for _, v := range vs {
		if v != zero {
			return v
		}
	}
	return zero
}

// Mkdir creates directory name in parent (nil: the root) (dfs_mkdir);
// S_IFDIR is added to mode. An existing name is EEXIST.
func (fs *FS) Mkdir(ctx context.Context, parent *Obj, name string, mode uint32, oclass placement.ClassID) error {
	mode = mode&^syscall.S_IFMT | syscall.S_IFDIR
	o, err := fs.Open(ctx, parent, name, mode, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL, oclass, 0, "")
	if err != nil {
		return err
	}
	return o.Release()
}

// Stat is what stat(2) reports of an object.
type Stat struct {
	Mode     uint32
	UID, GID uint32
	Nlink    uint32
	// Size is a file's length in bytes, a symlink's target length.
	Size    uint64
	Blocks  uint64 // 512-byte blocks, estimated from Size
	Blksize uint64 // the chunk size: the unit of placement
	Atime   time.Time
	Mtime   time.Time
	Ctime   time.Time
	OID     daos.ObjectID
}

func (fs *FS) statOf(ctx context.Context, e *entry) (*Stat, error) {
	as, err := fs.changes(ctx, e)
	if err != nil {
		return nil, err
	}
	return fs.statWithSize(e, as), nil
}

// changes is what moves entry e's times besides setattr: a file's data
// (size and newest change), a directory's entries (the newest change to
// its object: a create, remove or rename in it, as DAOS's DFS takes a
// directory's mtime from its object's newest epoch). Links have none.
func (fs *FS) changes(ctx context.Context, e *entry) (client.ArrayStat, error) {
	switch e.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		return fs.arrayStat(ctx, e)
	case syscall.S_IFDIR:
		d, err := fs.cont.OpenObject(e.OID, client.OORO)
		if err != nil {
			return client.ArrayStat{}, err
		}
		newest, err := d.MaxEpoch(ctx)
		return client.ArrayStat{MaxEpoch: newest}, err
	}
	return client.ArrayStat{}, nil
}

// arrayStat is the size and newest change of file entry e's data.
func (fs *FS) arrayStat(ctx context.Context, e *entry) (client.ArrayStat, error) {
	a, err := fs.cont.OpenArrayWithAttr(e.OID, 1, e.ChunkSize)
	if err != nil {
		return client.ArrayStat{}, err
	}
	return a.Stat(ctx)
}

// statWithSize is the stat of entry e, whose file (if it is one) holds
// as.Size bytes. A change to the data after the last explicit mtime
// (as.MaxEpoch past e.MtimeEpoch) is the file's mtime and ctime: DFS
// does not write the entry on every write.
func (fs *FS) statWithSize(e *entry, as client.ArrayStat) *Stat {
	st := &Stat{Mode: e.Mode, UID: e.UID, GID: e.GID, Nlink: 1, Atime: e.Atime, Mtime: e.Mtime, Ctime: e.Ctime,
		OID: e.OID, Blksize: e.ChunkSize, Size: as.Size}
	if as.MaxEpoch > e.MtimeEpoch {
		// Data written since create (when the entry's times are the
		// create's: keep the later) or since an explicit mtime (which
		// the write then replaces, earlier or not).
		t := hlc.Time(uint64(as.MaxEpoch))
		if t.After(st.Mtime) || e.MtimeEpoch != 0 {
			st.Mtime = t
		}
		if t.After(st.Ctime) {
			st.Ctime = t
		}
	}
	if e.Mode&syscall.S_IFMT == syscall.S_IFLNK {
		st.Size = uint64(len(e.Target))
	}
	if st.Blksize == 0 {
		st.Blksize = fs.sb.ChunkSize
	}
	st.Blocks = (st.Size + 511) / 512
	return st
}

// CreatedStat is the stat of an object that the Open which returned o
// created, from what that Open wrote (a new file is empty), without
// asking the container: as current as Ostat at that moment, for a caller
// that must answer a create with attributes (dfuse). ok is false for a
// handle to an object that existed before.
func (fs *FS) CreatedStat(o *Obj) (st *Stat, ok bool) {
	if o == nil || o.fs != fs || !o.created {
		return nil, false
	}
	return fs.statWithSize(&o.ent, client.ArrayStat{}), true
}

// entryAt reads name's entry in parent; name "" means parent itself and
// is allowed only for the root, as in DFS.
func (fs *FS) entryAt(ctx context.Context, op string, parent *Obj, name string) (*entry, error) {
	d, err := fs.dirObj(op, parent)
	if err != nil {
		return nil, err
	}
	if name == "" {
		if d != fs.root {
			return nil, fail(op, name, syscall.EINVAL)
		}
		return fs.entryOf(ctx, d)
	}
	if err := checkName(op, name); err != nil {
		return nil, err
	}
	return fs.getEntry(ctx, d.dir, name)
}

// Stat stats name in parent (nil: the root; name "" with the root stats
// the root) without following a symlink (dfs_stat).
func (fs *FS) Stat(ctx context.Context, parent *Obj, name string) (*Stat, error) {
	e, err := fs.entryAt(ctx, "stat", parent, name)
	if err != nil {
		return nil, wrap("stat", name, err)
	}
	st, err := fs.statOf(ctx, e)
	if err != nil {
		return nil, wrap("stat", name, err)
	}
	return st, nil
}

// Ostat stats an open object (dfs_ostat).
func (fs *FS) Ostat(ctx context.Context, o *Obj) (*Stat, error) {
	e, err := fs.entryOf(ctx, o)
	if err != nil {
		return nil, wrap("ostat", o.name, err)
	}
	st, err := fs.statOf(ctx, e)
	if err != nil {
		return nil, wrap("ostat", o.name, err)
	}
	return st, nil
}

// Access masks (access(2)).
const (
	FOK = 0
	XOK = 1
	WOK = 2
	ROK = 4
)

// Access checks mask (FOK or ROK|WOK|XOK) on name in parent for the real
// uid and gid, following symlinks (dfs_access); a denial is EACCES, WOK
// on a read-only mount EPERM.
func (fs *FS) Access(ctx context.Context, parent *Obj, name string, mask int) error {
	if mask&^(ROK|WOK|XOK) != 0 {
		return fail("access", name, syscall.EINVAL)
	}
	e, err := fs.entryAt(ctx, "access", parent, name)
	if err != nil {
		return wrap("access", name, err)
	}
	if e.Mode&syscall.S_IFMT == syscall.S_IFLNK {
		o, err := fs.LookupRel(ctx, parent, name, syscall.O_RDONLY)
		if err != nil {
			return wrap("access", name, err)
		}
		e = &o.ent
	}
	if mask&WOK != 0 && fs.readOnly {
		return fail("access", name, syscall.EPERM)
	}
	if mask == FOK || permits(e, mask, os.Getuid(), os.Getgid()) {
		return nil
	}
	return fail("access", name, syscall.EACCES)
}

// permits applies the owner/group/other permission bits; root may read
// and write anything and execute what anyone may.
func permits(e *entry, mask, uid, gid int) bool {
	if uid == 0 {
		return mask&XOK == 0 || e.Mode&0o111 != 0 || isDir(e.Mode)
	}
	var bits uint32
	switch {
	case uint32(uid) == e.UID:
		bits = e.Mode >> 6
	case uint32(gid) == e.GID || inGroups(e.GID):
		bits = e.Mode >> 3
	default:
		bits = e.Mode
	}
	return uint32(mask)&bits&7 == uint32(mask)
}

func inGroups(gid uint32) bool {
	gs, err := os.Getgroups()
	return err == nil && slices.Contains(gs, int(gid))
}

// Readdir returns up to max entry names of dir after anchor, in hash
// order, without "." and ".." (dfs_readdir); anchor.EOF is set at the
// end.
func (fs *FS) Readdir(ctx context.Context, dir *Obj, anchor *Anchor, max int) ([]string, error) {
	d, err := fs.dirObj("readdir", dir)
	if err != nil {
		return nil, err
	}
	if anchor == nil || max <= 0 {
		return nil, fail("readdir", d.name, syscall.EINVAL)
	}
	keys, err := d.dir.ListDkeys(ctx, daos.EpochMax, anchor, max)
	if err != nil {
		return nil, wrap("readdir", d.name, err)
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = string(k)
	}
	return names, nil
}

// DirGroups is the number of groups dir's object spreads its entries over
// (nil: the root): a listing splits into that many anchors, each listing
// one group (dfs_obj_anchor_split).
func (fs *FS) DirGroups(dir *Obj) (int, error) {
	d, err := fs.dirObj("anchor split", dir)
	if err != nil {
		return 0, err
	}
	l, err := d.dir.Layout()
	if err != nil {
		return 0, wrap("anchor split", d.name, err)
	}
	return l.Groups, nil
}

// isEmpty says whether directory object d holds no entry.
func isEmpty(ctx context.Context, d *client.Object) (bool, error) {
	var a Anchor
	keys, err := d.ListDkeys(ctx, daos.EpochMax, &a, 1)
	return len(keys) == 0, err
}

// Remove unlinks name from parent (nil: the root) (dfs_remove): a file,
// a symlink, or a directory, which must be empty unless force, when its
// whole tree goes. It returns the removed object's id.
func (fs *FS) Remove(ctx context.Context, parent *Obj, name string, force bool) (daos.ObjectID, error) {
	return fs.remove(ctx, parent, name, force, nil)
}

// RemoveKeep unlinks name like Remove but leaves a file's data in place
// when it is object keep, for handles still open on it, as POSIX keeps an
// unlinked file until its last close: the caller destroys it with Destroy
// then. (Should the caller die first, the object is left without a name:
// space, not data, is lost.) A file that is some other object (another
// client replaced it since the caller looked) goes as with Remove; the
// removed object's id tells the caller which happened. (The entry is read
// before it is punched, not in one step: a rename and create by another
// client in between still escape this check, as they do DAOS's.)
func (fs *FS) RemoveKeep(ctx context.Context, parent *Obj, name string, keep daos.ObjectID) (daos.ObjectID, error) {
	return fs.remove(ctx, parent, name, false, &keep)
}

// Destroy removes the data of file o, unlinked with RemoveKeep.
func (fs *FS) Destroy(ctx context.Context, o *Obj) error {
	a, err := o.file("destroy")
	if err != nil {
		return err
	}
	if err := o.writable("destroy"); err != nil {
		return err
	}
	return wrap("destroy", o.name, a.Destroy(ctx))
}

// remove unlinks; a file that is object *keep (keep non-nil) is left for
// the caller to destroy.
func (fs *FS) remove(ctx context.Context, parent *Obj, name string, force bool, keep *daos.ObjectID) (daos.ObjectID, error) {
	if err := checkName("remove", name); err != nil {
		return daos.ObjectID{}, err
	}
	if err := fs.writable("remove", name); err != nil {
		return daos.ObjectID{}, err
	}
	d, err := fs.dirObj("remove", parent)
	if err != nil {
		return daos.ObjectID{}, err
	}
	e, err := fs.entryToChange(ctx, d.dir, name)
	if err != nil {
		return daos.ObjectID{}, wrap("remove", name, err)
	}
	if isDir(e.Mode) {
		sub, err := fs.cont.OpenObject(e.OID, client.OORW)
		if err != nil {
			return daos.ObjectID{}, wrap("remove", name, err)
		}
		empty, err := isEmpty(ctx, sub)
		if err != nil {
			return daos.ObjectID{}, wrap("remove", name, err)
		}
		if !empty && !force {
			return daos.ObjectID{}, fail("remove", name, syscall.ENOTEMPTY)
		}
		// Children go first, so a crash part way leaves a smaller but
		// well-formed tree.
		if !empty {
			if err := fs.removeTree(ctx, sub); err != nil {
				return daos.ObjectID{}, wrap("remove", name, err)
			}
		}
	}
	// The conditional punch makes a concurrent remover of the same name
	// see ENOENT rather than both succeeding.
	if err := d.dir.PunchDkeys(ctx, [][]byte{[]byte(name)}, daos.CondPunch); err != nil {
		return daos.ObjectID{}, wrap("remove", name, err)
	}
	if keep != nil && *keep == e.OID && e.Mode&syscall.S_IFMT == syscall.S_IFREG {
		return e.OID, nil
	}
	if err := fs.destroy(ctx, e); err != nil {
		return daos.ObjectID{}, wrap("remove", name, err)
	}
	return e.OID, nil
}

// destroy punches the object an unlinked entry named.
func (fs *FS) destroy(ctx context.Context, e *entry) error {
	if e.Mode&syscall.S_IFMT == syscall.S_IFLNK {
		return nil
	}
	o, err := fs.cont.OpenObject(e.OID, client.OORW)
	if err != nil {
		return err
	}
	return o.Punch(ctx)
}

// removeTree removes every entry of directory object d, depth first.
func (fs *FS) removeTree(ctx context.Context, d *client.Object) error {
	for {
		var a Anchor
		keys, err := d.ListDkeys(ctx, daos.EpochMax, &a, 256)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		for _, k := range keys {
			name := string(k)
			e, err := fs.getEntry(ctx, d, name)
			if errors.Is(err, syscall.ENOENT) {
				continue // removed by someone else meanwhile
			}
			if err != nil {
				return err
			}
			if isDir(e.Mode) {
				sub, err := fs.cont.OpenObject(e.OID, client.OORW)
				if err != nil {
					return wrap("remove", name, err)
				}
				if err := fs.removeTree(ctx, sub); err != nil {
					return err
				}
			}
			if err := d.PunchDkeys(ctx, [][]byte{k}, 0); err != nil {
				return wrap("remove", name, err)
			}
			if err := fs.destroy(ctx, e); err != nil {
				return wrap("remove", name, err)
			}
		}
	}
}

// Move renames name in parent to newName in newParent (nil: the root)
// (dfs_move). An existing target is replaced, but a directory target must
// be empty (ENOTEMPTY) and the source then a directory (EINVAL); a
// directory cannot replace a non-directory (ENOTDIR). It returns the id
// of the replaced object, zero if none.
//
// Within a directory whose names live in one group of its object (the
// default directory classes), the rename is atomic: one batch on one
// target, so every reader sees the old name or the new, never both or
// neither, and a crash keeps one of the two states. Across directories
// it takes four writes with marks that any client completes or undoes
// after a crash (movemark.go): readers never see both names, and a crash
// at any point leaves exactly one.
func (fs *FS) Move(ctx context.Context, parent *Obj, name string, newParent *Obj, newName string) (daos.ObjectID, error) {
	return fs.move(ctx, parent, name, newParent, newName, false, nil)
}

// MoveKeep is Move that leaves a replaced file's data in place when it is
// object keep, for handles still open on it (POSIX keeps a file replaced
// by rename until its last close, as it does an unlinked one): the caller
// destroys it with Destroy then. A replaced file that is some other object
// (the caller's view of newName was stale: another client changed it)
// goes as Move would, as does a replaced directory. It returns the
// replaced object's id.
func (fs *FS) MoveKeep(ctx context.Context, parent *Obj, name string, newParent *Obj, newName string, keep daos.ObjectID) (daos.ObjectID, error) {
	return fs.move(ctx, parent, name, newParent, newName, false, &keep)
}

// MoveNoReplace is Move that fails with EEXIST when newName exists
// (renameat2's RENAME_NOREPLACE), decided atomically with the insert.
func (fs *FS) MoveNoReplace(ctx context.Context, parent *Obj, name string, newParent *Obj, newName string) error {
	_, err := fs.move(ctx, parent, name, newParent, newName, true, nil)
	return err
}

// move renames; a replaced file that is object *keep (keep non-nil) is
// left for the caller to destroy.
func (fs *FS) move(ctx context.Context, parent *Obj, name string, newParent *Obj, newName string, noReplace bool, keep *daos.ObjectID) (daos.ObjectID, error) {
	var none daos.ObjectID
	if err := checkName("move", name); err != nil {
		return none, err
	}
	if err := checkName("move", newName); err != nil {
		return none, err
	}
	if err := fs.writable("move", name); err != nil {
		return none, err
	}
	src, err := fs.dirObj("move", parent)
	if err != nil {
		return none, err
	}
	dst, err := fs.dirObj("move", newParent)
	if err != nil {
		return none, err
	}
	e, err := fs.entryToChange(ctx, src.dir, name)
	if err != nil {
		return none, wrap("move", name, err)
	}
	if src.ent.OID == dst.ent.OID && name == newName {
		return none, nil
	}
	if isDir(e.Mode) && (e.OID == dst.ent.OID || slices.Contains(dst.ancestors, e.OID)) {
		return none, fail("move: into itself", name, syscall.EINVAL)
	}
	old, err := fs.getEntry(ctx, dst.dir, newName)
	switch {
	case errors.Is(err, syscall.ENOENT):
		old = nil
	case err != nil:
		return none, wrap("move", newName, err)
	case noReplace:
		return none, fail("move", newName, syscall.EEXIST)
	case old.OID == e.OID && old.Mode == e.Mode && old.Target == e.Target:
		return none, nil // the same object under both names already
	case isDir(old.Mode):
		if !isDir(e.Mode) {
			return none, fail("move over a directory", newName, syscall.EINVAL)
		}
		sub, err := fs.cont.OpenObject(old.OID, client.OORW)
		if err != nil {
			return none, wrap("move", newName, err)
		}
		empty, err := isEmpty(ctx, sub)
		if err != nil {
			return none, wrap("move", newName, err)
		}
		if !empty {
			return none, fail("move", newName, syscall.ENOTEMPTY)
		}
	case isDir(e.Mode):
		return none, fail("move a directory over a non-directory", newName, syscall.ENOTDIR)
	}
	e.Ctime = now()
	iods, vals, err := fs.xattrsOf(ctx, src.dir, name)
	if err != nil {
		return none, wrap("move: read extended attributes", name, err)
	}
	// The entry and its attributes land in one update.
	b := e.encode()
	iods = append(iods, daos.IOD{Name: entAkey, Type: daos.IODSingle, Size: uint64(len(b))})
	vals = append(vals, b)
	var flags daos.CondFlags
	if old == nil {
		// Insert when nothing was there, so a concurrent creator of
		// newName is not silently replaced.
		flags = daos.CondDkeyInsert
	}
	done := false
	if src.ent.OID == dst.ent.OID {
		if done, err = fs.moveWithin(ctx, src.dir, name, newName, old != nil, iods, vals, flags); err != nil {
			return none, err
		}
	}
	if !done {
		if err := fs.moveAcross(ctx, src.dir, src.ent.OID, name, dst.dir, dst.ent.OID, newName, old != nil, iods, vals, flags); err != nil {
			return none, err
		}
	}
	if old == nil {
		return none, nil
	}
	if keep != nil && *keep == old.OID && old.Mode&syscall.S_IFMT == syscall.S_IFREG {
		return old.OID, nil
	}
	if err := fs.destroy(ctx, old); err != nil {
		return none, wrap("move: destroy replaced", newName, err)
	}
	return old.OID, nil
}

// moveWithin renames name to newName in directory d in one batch: the new
// entry (with the moved attributes) goes in, attributes of a replaced
// entry that the moved one lacks and the old name go out, all or none. It
// reports false, with nothing changed, when the directory's object
// cannot take batches (its names spread over several groups).
func (fs *FS) moveWithin(ctx context.Context, d *client.Object, name, newName string, replacing bool,
	iods []daos.IOD, vals [][]byte, flags daos.CondFlags) (bool, error) {
	steps := []client.BatchStep{{Kind: client.BatchUpdate, Dkey: []byte(newName), IODs: iods, Data: vals, Flags: flags}}
	if replacing {
		stale, err := fs.xattrNames(ctx, d, newName)
		if err != nil {
			return false, wrap("move: list replaced attributes", newName, err)
		}
		stale = slices.DeleteFunc(stale, func(a []byte) bool {
			return slices.ContainsFunc(iods, func(iod daos.IOD) bool { return string(iod.Name) == string(a) })
		})
		if len(stale) > 0 {
			steps = append(steps, client.BatchStep{Kind: client.BatchPunchAkeys, Dkey: []byte(newName), Akeys: stale})
		}
	}
	// CondPunch: a concurrent remover or mover of name wins, and this
	// move changes nothing.
	steps = append(steps, client.BatchStep{Kind: client.BatchPunchDkey, Dkey: []byte(name), Flags: daos.CondPunch})
	_, err := d.Batch(ctx, steps)
	switch {
	case errors.Is(err, daos.ErrNotsupported):
		return false, nil
	case errors.Is(err, daos.ErrNonexist) && flags == 0:
		return true, fail("move", name+" or "+newName, syscall.ENOENT)
	case err != nil:
		return true, wrap("move", newName, err)
	}
	return true, nil
}

// DirEntry is a name in a directory with its type and object.
type DirEntry struct {
	Name string
	Mode uint32
	OID  daos.ObjectID
}

// entryParallel bounds the entry reads one ReaddirEntries has in flight.
const entryParallel = 8

// ReaddirEntries is Readdir with each entry's mode and object id (what
// readdir(3)'s d_type and d_ino need), at one more read per entry. A
// name removed between the listing and its read is left out.
func (fs *FS) ReaddirEntries(ctx context.Context, dir *Obj, anchor *Anchor, max int) ([]DirEntry, error) {
	names, err := fs.Readdir(ctx, dir, anchor, max)
	if err != nil {
		return nil, err
	}
	d, _ := fs.dirObj("readdir", dir)
	out := make([]DirEntry, len(names))
	found := make([]bool, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, entryParallel)
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			e, err := fs.getEntry(ctx, d.dir, n)
			switch {
			case errors.Is(err, syscall.ENOENT):
			case err != nil:
				errs[i] = err
			default:
				out[i], found[i] = DirEntry{Name: n, Mode: e.Mode, OID: e.OID}, true
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, wrap("readdir", d.name, err)
	}
	kept := out[:0]
	for i, e := range out {
		if found[i] {
			kept = append(kept, e)
		}
	}
	return kept, nil
}
