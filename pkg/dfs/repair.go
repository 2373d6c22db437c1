package dfs

import (
	"context"
	"errors"
	"syscall"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// Repairs after a catastrophe (`daos fs fix-sb`, `fix-root`, `fix-entry`):
// the superblock rewritten, the root linked back to it, an entry's type
// taken from its object. They are for a container nobody is using.

// userHiMask is the part of oid.hi that is the creator's (the layout's
// reserved objects carry reservedHi there).
const userHiMask = 0xFFFFFFFF

// findRoot looks among the container's objects for the root directory:
// the multi-hashed object with the layout's reserved id 1.
func findRoot(ctx context.Context, cont *client.Container) (daos.ObjectID, bool, error) {
	oids, err := cont.ListObjects(ctx, 0)
	if err != nil {
		return daos.ObjectID{}, false, err
	}
	for _, oid := range oids {
		if oid.Lo == 1 && oid.Hi&userHiMask == reservedHi && placement.OIDType(oid) == placement.OTMultiHashed {
			return oid, true, nil
		}
	}
	return daos.ObjectID{}, false, nil
}

// rootEntry is a fresh root directory entry for oid.
func rootEntry(oid daos.ObjectID) entry {
	t := now()
	return entry{Mode: syscall.S_IFDIR | 0o755, OID: oid, Atime: t, Mtime: t, Ctime: t,
		UID: uint32(syscall.Geteuid()), GID: uint32(syscall.Getegid())}
}

// RecreateSB writes a new superblock with attr over the container's
// (dfs_recreate_sb) and links the root directory to it again: the
// container's existing root object when it has one (so that the tree
// comes back; found reports it), else a new, empty one.
func RecreateSB(ctx context.Context, cont *client.Container, attr Attr) (root daos.ObjectID, found bool, err error) {
	if err := checkPOSIX("recreate superblock", cont); err != nil {
		return root, false, err
	}
	if attr.Mode != ModeRelaxed && attr.Mode != ModeBalanced {
		return root, false, fail("recreate superblock", "", syscall.EINVAL)
	}
	if attr.ChunkSize == 0 {
		attr.ChunkSize = DefaultChunkSize
	}
	shape, err := shapeOf(cont)
	if err != nil {
		return root, false, err
	}
	if err := attr.applyHints(shape); err != nil {
		return root, false, err
	}
	if root, found, err = findRoot(ctx, cont); err != nil {
		return root, false, wrap("recreate superblock: list objects", "", err)
	}
	if !found {
		if root, err = placement.GenerateOID(daos.ObjectID{Hi: reservedHi, Lo: 1}, placement.OTMultiHashed, attr.DirOClass, 0, shape); err != nil {
			return root, false, wrap("recreate superblock: root directory oid", "", err)
		}
	}
	o, err := cont.Object(sbOID())
	if err != nil {
		return root, found, wrap("recreate superblock: open", "", err)
	}
	sb := superblock{Attr: attr, Version: LayoutVersion}
	ent := rootEntry(root)
	sbb, eb := sb.encode(), ent.encode()
	iods := []daos.IOD{
		{Name: sbAkey, Type: daos.IODSingle, Size: uint64(len(sbb))},
		{Name: entAkey, Type: daos.IODSingle, Size: uint64(len(eb))},
	}
	if _, err := o.Update(ctx, rootDkey, iods, [][]byte{sbb, eb}, 0); err != nil {
		return root, found, wrap("recreate superblock: write", "", err)
	}
	return root, found, nil
}

// RelinkRoot writes the root entry into a superblock that lost it
// (dfs_relink_root), pointing at the container's root object; EEXIST when
// the superblock has a root entry, ENOENT when no root object exists.
func RelinkRoot(ctx context.Context, cont *client.Container) (daos.ObjectID, error) {
	if err := checkPOSIX("relink root", cont); err != nil {
		return daos.ObjectID{}, err
	}
	o, err := cont.Object(sbOID())
	if err != nil {
		return daos.ObjectID{}, wrap("relink root: open superblock", "", err)
	}
	sizes, err := o.Sizes(ctx, daos.EpochMax, rootDkey, []daos.IOD{{Name: sbAkey, Type: daos.IODSingle}, {Name: entAkey, Type: daos.IODSingle}})
	if err != nil {
		return daos.ObjectID{}, wrap("relink root: read superblock", "", err)
	}
	if sizes[0] == 0 {
		return daos.ObjectID{}, &Error{Op: "relink root", Errno: syscall.EINVAL, Err: errors.New("no superblock: recreate it first (fix-sb)")}
	}
	if sizes[1] != 0 {
		return daos.ObjectID{}, fail("relink root", "/", syscall.EEXIST)
	}
	root, found, err := findRoot(ctx, cont)
	if err != nil {
		return root, wrap("relink root: list objects", "", err)
	}
	if !found {
		return root, &Error{Op: "relink root", Errno: syscall.ENOENT, Err: errors.New("the container has no root directory object")}
	}
	ent := rootEntry(root)
	eb := ent.encode()
	iod := daos.IOD{Name: entAkey, Type: daos.IODSingle, Size: uint64(len(eb))}
	if _, err := o.Update(ctx, rootDkey, []daos.IOD{iod}, [][]byte{eb}, daos.CondAkeyInsert); err != nil {
		return root, wrap("relink root: write", "", err)
	}
	return root, nil
}

// FixEntry gives entry name of parent (nil: the root) the type its object
// has (dfs_obj_fix_type): a byte array is a file, a multi-hashed object a
// directory; with chunkSize not 0 a file's chunk size is set too (for
// files relinked into lost+found, whose chunk size was lost). It reports
// whether the entry changed. Symbolic links have no object and are left
// alone.
func (fs *FS) FixEntry(ctx context.Context, parent *Obj, name string, chunkSize uint64) (bool, error) {
	if err := fs.writable("fix entry", name); err != nil {
		return false, err
	}
	d, err := fs.dirObj("fix entry", parent)
	if err != nil {
		return false, err
	}
	e, err := fs.getEntry(ctx, d.dir, name)
	if err != nil {
		return false, wrap("fix entry", name, err)
	}
	if e.OID == (daos.ObjectID{}) {
		return false, nil
	}
	want := e.Mode & syscall.S_IFMT
	switch placement.OIDType(e.OID) {
	case placement.OTArrayByte:
		want = syscall.S_IFREG
	case placement.OTMultiHashed:
		want = syscall.S_IFDIR
	}
	changed := false
	if e.Mode&syscall.S_IFMT != want {
		e.Mode = e.Mode&^syscall.S_IFMT | want
		changed = true
	}
	if chunkSize != 0 && want == syscall.S_IFREG && e.ChunkSize != chunkSize {
		e.ChunkSize = chunkSize
		changed = true
	}
	if !changed {
		return false, nil
	}
	if err := fs.putEntry(ctx, d.dir, name, e, false); err != nil {
		return false, wrap("fix entry", name, err)
	}
	return true, nil
}
