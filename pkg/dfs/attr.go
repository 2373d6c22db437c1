package dfs

import (
	"context"
	"errors"
	"strings"
	"syscall"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// SetAttr selectors (DFS_SET_ATTR_*): which fields of the Stat passed to
// SetAttr to apply.
const (
	SetMode  = 1
	SetAtime = 2
	SetMtime = 4
	SetSize  = 8
	SetUID   = 16
	SetGID   = 32
)

// Extended attribute limits (DFS_MAX_XATTR_NAME, DFS_MAX_XATTR_LEN) and
// Setxattr flags (setxattr(2)'s XATTR_CREATE, XATTR_REPLACE).
const (
	MaxXattrName  = 255
	MaxXattrLen   = 64 << 10
	XattrCreate   = 1
	XattrReplace  = 2
	xattrAkeyHead = "x:"
)

// home is the directory object and dkey holding o's entry, checked to
// still name o: a handle whose name was since removed or reused for
// another object is ENOENT, so its changes cannot land on someone else.
func (fs *FS) home(ctx context.Context, op string, o *Obj) (*client.Object, []byte, *entry, error) {
	if o == nil || o.fs != fs {
		return nil, nil, nil, fail(op, "", syscall.EINVAL)
	}
	d, key := o.parent, []byte(o.name)
	if d == nil {
		d, key = fs.sbObj, rootDkey
	}
	e, err := fs.getEntry(ctx, d, string(key))
	if err != nil {
		return nil, nil, nil, err
	}
	if e.OID != o.ent.OID || e.Mode&syscall.S_IFMT != o.ent.Mode&syscall.S_IFMT {
		return nil, nil, nil, fail(op, o.name, syscall.ENOENT)
	}
	return d, key, e, nil
}

// SetAttr changes the fields of o selected by which (SetMode...) to
// those of st (dfs_osetattr) and returns the new attributes. SetMode
// changes only the permission bits; every change sets ctime.
func (fs *FS) SetAttr(ctx context.Context, o *Obj, st *Stat, which int) (*Stat, error) {
	if o == nil || st == nil || which&^(SetMode|SetAtime|SetMtime|SetSize|SetUID|SetGID) != 0 {
		return nil, fail("setattr", "", syscall.EINVAL)
	}
	// A handle opened read-only changes nothing, as in DFS (EPERM).
	if err := o.writable("setattr"); err != nil {
		return nil, err
	}
	d, key, e, err := fs.home(ctx, "setattr", o)
	if errors.Is(err, syscall.ENOENT) && which == SetSize && o.IsFile() {
		// The name is gone (an unlinked file still open, or one renamed
		// elsewhere): the data is still the handle's to resize.
		return fs.truncateDetached(ctx, o, st.Size)
	}
	if err != nil {
		return nil, wrap("setattr", o.name, err)
	}
	if which&SetSize != 0 {
		if !o.IsFile() {
			return nil, fail("setattr size", o.name, syscall.EINVAL)
		}
		if err := o.arr.SetSize(ctx, st.Size); err != nil {
			return nil, wrap("setattr size", o.name, err)
		}
		e.Mtime = now()
	}
	// The data's state now: an explicit mtime holds until it changes
	// (see statWithSize), and the reply needs the size anyway.
	as, err := fs.changes(ctx, e)
	if err != nil {
		return nil, wrap("setattr", o.name, err)
	}
	if which&(SetMtime|SetSize) != 0 && e.Mode&syscall.S_IFMT != syscall.S_IFLNK {
		// Never 0, which says no mtime was ever set this way.
		e.MtimeEpoch = max(as.MaxEpoch, 1)
	}
	if which&SetMode != 0 {
		e.Mode = e.Mode&syscall.S_IFMT | st.Mode&^syscall.S_IFMT
	}
	if which&SetAtime != 0 {
		e.Atime = st.Atime
	}
	if which&SetMtime != 0 {
		e.Mtime = st.Mtime
	}
	if which&SetUID != 0 {
		e.UID = st.UID
	}
	if which&SetGID != 0 {
		e.GID = st.GID
	}
	e.Ctime = now()
	if err := fs.updateEntry(ctx, d, key, e); err != nil {
		return nil, wrap("setattr", o.name, err)
	}
	return fs.statWithSize(e, as), nil
}

// truncateDetached sets the size of file o, whose entry is gone, and
// answers from the entry o was opened with.
func (fs *FS) truncateDetached(ctx context.Context, o *Obj, size uint64) (*Stat, error) {
	if err := o.arr.SetSize(ctx, size); err != nil {
		return nil, wrap("setattr size", o.name, err)
	}
	e := o.ent
	as, err := fs.arrayStat(ctx, &e)
	if err != nil {
		return nil, wrap("setattr", o.name, err)
	}
	e.Mtime, e.Ctime = now(), now()
	return fs.statWithSize(&e, as), nil
}

// updateEntry rewrites an existing entry; one removed meanwhile stays
// removed (ENOENT) rather than coming back.
func (fs *FS) updateEntry(ctx context.Context, d *client.Object, key []byte, e *entry) error {
	b := e.encode()
	iod := daos.IOD{Name: entAkey, Type: daos.IODSingle, Size: uint64(len(b))}
	_, err := d.Update(ctx, key, []daos.IOD{iod}, [][]byte{b}, daos.CondDkeyUpdate)
	return err
}

func checkXattrName(op, name string) error {
	if name == "" || len(name) > MaxXattrName {
		return fail(op, name, syscall.EINVAL)
	}
	return nil
}

// Setxattr sets extended attribute name of o (dfs_setxattr); flags
// XattrCreate fails with EEXIST if it exists, XattrReplace with ENODATA
// if it does not. Attributes live beside the entry, so they follow it
// through Move and go with Remove.
func (fs *FS) Setxattr(ctx context.Context, o *Obj, name string, value []byte, flags int) error {
	if err := checkXattrName("setxattr", name); err != nil {
		return err
	}
	if len(value) > MaxXattrLen || flags&^(XattrCreate|XattrReplace) != 0 || flags == XattrCreate|XattrReplace {
		return fail("setxattr", name, syscall.EINVAL)
	}
	if err := fs.writable("setxattr", name); err != nil {
		return err
	}
	d, key, _, err := fs.home(ctx, "setxattr", o)
	if err != nil {
		return wrap("setxattr", name, err)
	}
	cond := daos.CondDkeyUpdate
	switch flags {
	case XattrCreate:
		cond |= daos.CondAkeyInsert
	case XattrReplace:
		cond |= daos.CondAkeyUpdate
	}
	// A zero-size single value would read as absent, so every value is
	// stored after a marker byte: 0 for an empty value, 1 otherwise.
	if len(value) == 0 {
		value = []byte{0}
	} else {
		value = append([]byte{1}, value...)
	}
	iod := daos.IOD{Name: []byte(xattrAkeyHead + name), Type: daos.IODSingle, Size: uint64(len(value))}
	_, err = d.Update(ctx, key, []daos.IOD{iod}, [][]byte{value}, cond)
	if flags == XattrReplace && errors.Is(err, daos.ErrNonexist) {
		return &Error{Op: "setxattr", Name: name, Errno: syscall.ENODATA, Err: err}
	}
	return wrap("setxattr", name, err)
}

// Getxattr returns extended attribute name of o (dfs_getxattr); absent
// is ENODATA.
func (fs *FS) Getxattr(ctx context.Context, o *Obj, name string) ([]byte, error) {
	if err := checkXattrName("getxattr", name); err != nil {
		return nil, err
	}
	d, key, _, err := fs.home(ctx, "getxattr", o)
	if err != nil {
		return nil, wrap("getxattr", name, err)
	}
	buf := make([]byte, MaxXattrLen+1)
	iod := daos.IOD{Name: []byte(xattrAkeyHead + name), Type: daos.IODSingle, Size: uint64(len(buf))}
	sizes, err := d.Fetch(ctx, daos.EpochMax, key, []daos.IOD{iod}, [][]byte{buf}, 0)
	if err != nil {
		return nil, wrap("getxattr", name, err)
	}
	if sizes[0] == 0 {
		return nil, fail("getxattr", name, syscall.ENODATA)
	}
	if buf[0] == 0 {
		return []byte{}, nil
	}
	return buf[1:sizes[0]], nil
}

// Listxattr returns the names of o's extended attributes (dfs_listxattr).
func (fs *FS) Listxattr(ctx context.Context, o *Obj) ([]string, error) {
	d, key, _, err := fs.home(ctx, "listxattr", o)
	if err != nil {
		return nil, wrap("listxattr", "", err)
	}
	akeys, err := d.ListAkeys(ctx, daos.EpochMax, key)
	if err != nil {
		return nil, wrap("listxattr", o.name, err)
	}
	var names []string
	for _, a := range akeys {
		if n, ok := strings.CutPrefix(string(a), xattrAkeyHead); ok {
			names = append(names, n)
		}
	}
	return names, nil
}

// Removexattr removes extended attribute name of o (dfs_removexattr);
// absent is ENODATA.
func (fs *FS) Removexattr(ctx context.Context, o *Obj, name string) error {
	if err := checkXattrName("removexattr", name); err != nil {
		return err
	}
	if err := fs.writable("removexattr", name); err != nil {
		return err
	}
	d, key, _, err := fs.home(ctx, "removexattr", o)
	if err != nil {
		return wrap("removexattr", name, err)
	}
	err = d.PunchAkeys(ctx, key, [][]byte{[]byte(xattrAkeyHead + name)}, daos.CondPunch)
	if errors.Is(err, daos.ErrNonexist) {
		return &Error{Op: "removexattr", Name: name, Errno: syscall.ENODATA, Err: err}
	}
	return wrap("removexattr", name, err)
}

// xattrsOf reads every extended attribute stored under dkey name of d,
// as IODs and values ready to write elsewhere (Move carries them).
func (fs *FS) xattrsOf(ctx context.Context, d *client.Object, name string) ([]daos.IOD, [][]byte, error) {
	names, err := fs.xattrNames(ctx, d, name)
	if err != nil {
		return nil, nil, err
	}
	var iods []daos.IOD
	for _, a := range names {
		iods = append(iods, daos.IOD{Name: a, Type: daos.IODSingle, Size: MaxXattrLen + 1})
	}
	if len(iods) == 0 {
		return nil, nil, nil
	}
	bufs := make([][]byte, len(iods))
	for i := range bufs {
		bufs[i] = make([]byte, MaxXattrLen+1)
	}
	sizes, err := d.Fetch(ctx, daos.EpochMax, []byte(name), iods, bufs, 0)
	if err != nil {
		return nil, nil, err
	}
	var outI []daos.IOD
	var outB [][]byte
	for i, n := range sizes {
		if n == 0 {
			continue // removed since the listing
		}
		iods[i].Size = n
		outI = append(outI, iods[i])
		outB = append(outB, bufs[i][:n])
	}
	return outI, outB, nil
}

// xattrNames lists the akeys of the extended attributes under dkey name
// of d.
func (fs *FS) xattrNames(ctx context.Context, d *client.Object, name string) ([][]byte, error) {
	akeys, err := d.ListAkeys(ctx, daos.EpochMax, []byte(name))
	if err != nil {
		return nil, err
	}
	var xs [][]byte
	for _, a := range akeys {
		if strings.HasPrefix(string(a), xattrAkeyHead) {
			xs = append(xs, a)
		}
	}
	return xs, nil
}

// dropXattrs removes every extended attribute under dkey name of d.
func (fs *FS) dropXattrs(ctx context.Context, d *client.Object, name string) error {
	xs, err := fs.xattrNames(ctx, d, name)
	if err != nil {
		return err
	}
	if len(xs) == 0 {
		return nil
	}
	return d.PunchAkeys(ctx, []byte(name), xs, 0)
}
