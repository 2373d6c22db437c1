package dfs

import (
	"context"
	"syscall"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// ObjInfo is an object's class and chunk size (dfs_obj_info_t).
type ObjInfo struct {
	// OClass is a file's class, taken from its object id; for a
	// directory, the class of files and directories created in it.
	OClass placement.ClassID
	// ChunkSize is a file's chunk size; for a directory, that of files
	// created in it.
	ChunkSize uint64
	// DirOClass and FileOClass are a directory's defaults for new
	// directories and files (the container's when it has none).
	DirOClass, FileOClass placement.ClassID
	OID                   daos.ObjectID
}

// Info reports o's class and chunk size as they are now
// (dfs_obj_get_info); a directory's unset defaults are the container's,
// and the container's unset ones the class the pool would pick.
func (fs *FS) Info(ctx context.Context, o *Obj) (*ObjInfo, error) {
	if o == nil || o.fs != fs {
		return nil, fail("get info", "", syscall.EINVAL)
	}
	e, err := fs.entryOf(ctx, o)
	if err != nil {
		return nil, wrap("get info", o.name, err)
	}
	in := &ObjInfo{OID: e.OID, ChunkSize: firstNonZero(e.ChunkSize, fs.sb.ChunkSize)}
	switch {
	case isDir(e.Mode):
		in.FileOClass = firstNonZero(e.OClass, fs.sb.FileOClass, fs.poolDefault(placement.OTArrayByte))
		in.DirOClass = firstNonZero(e.OClass, fs.sb.DirOClass, fs.poolDefault(placement.OTMultiHashed))
		in.OClass = in.FileOClass
	case e.Mode&syscall.S_IFMT == syscall.S_IFREG:
		in.OClass = placement.OIDClass(e.OID)
	default:
		return nil, fail("get info", o.name, syscall.EINVAL)
	}
	return in, nil
}

// SetOClass makes cid (0: the container's default again) the class of
// what is created in directory o from now on (dfs_obj_set_oclass); it
// changes no existing object, the directory's own included. Handles
// opened before the change keep creating with the old class.
func (fs *FS) SetOClass(ctx context.Context, o *Obj, cid placement.ClassID) error {
	if _, known := placement.ID2Name(cid); cid != 0 && !known {
		return fail("set oclass", "", syscall.EINVAL)
	}
	return fs.setDirDefault(ctx, "set oclass", o, func(e *entry) { e.OClass = cid })
}

// SetChunkSize makes size (0: the container's default again) the chunk
// size of files created in directory o from now on
// (dfs_obj_set_chunk_size).
func (fs *FS) SetChunkSize(ctx context.Context, o *Obj, size uint64) error {
	return fs.setDirDefault(ctx, "set chunk size", o, func(e *entry) { e.ChunkSize = size })
}

func (fs *FS) setDirDefault(ctx context.Context, op string, o *Obj, set func(*entry)) error {
	if o == nil || o.fs != fs {
		return fail(op, "", syscall.EINVAL)
	}
	if !o.IsDir() {
		return fail(op, o.name, syscall.ENOTDIR)
	}
	if err := fs.writable(op, o.name); err != nil {
		return err
	}
	d, key, e, err := fs.home(ctx, op, o)
	if err != nil {
		return wrap(op, o.name, err)
	}
	set(e)
	e.Ctime = now()
	if err := fs.updateEntry(ctx, d, key, e); err != nil {
		return wrap(op, o.name, err)
	}
	return nil
}

// poolDefault is the class an object of type t gets when no one chose
// one (0 when the pool's shape cannot say).
func (fs *FS) poolDefault(t placement.OType) placement.ClassID {
	cid, err := placement.DefaultClass(t, 0, fs.shape)
	if err != nil {
		return 0
	}
	return cid
}
