package main

/*
#include <stdlib.h>
#include <string.h>
#include <daos.h>

// dgo_call_filler calls a dfs_iterate callback (dfs_filler_cb_t): Go
// cannot call a C function pointer itself.
typedef int (*dgo_filler_fn)(void *dfs, void *obj, const char *name, void *arg);

static inline int
dgo_call_filler(void *fn, void *dfs, void *obj, const char *name, void *arg)
{
	return ((dgo_filler_fn)fn)(dfs, obj, name, arg);
}
*/
import "C"

import (
	"context"
	"errors"
	"syscall"
	"time"
	"unsafe"

	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/placement"
)

// More dfs_* calls: attributes of open objects, extended attributes,
// class and chunk size, exchange and callback iteration. Calls that DAOS
// gives only an object (dfs_get_mode...) get the mount from the C layer,
// which keeps it in the dfs_obj_t.

// errnoErr is a DFS error with the errno DAOS gives in a case where
// pkg/dfs answers another.
func errnoErr(op string, e syscall.Errno) error { return &dfs.Error{Op: op, Errno: e} }

// objArg is the mount and non-NULL object of a call.
func objArg(mh, oh C.uint64_t, op string) (*dfs.FS, *dfs.Obj, error) {
	fs, o, err := lib.DFSObj(uint64(mh), uint64(oh))
	if err == nil && o == nil {
		err = einval(op + ": NULL object")
	}
	return fs, o, err
}

// cName is a C string of at most max bytes (ok false: longer, or NULL).
func cName(p *C.char, max int) (string, bool) {
	if p == nil {
		return "", false
	}
	s := cString(p, max)
	return s, len(s) <= max
}

//export dgo_dfs_ostat
func dgo_dfs_ostat(mh, oh C.uint64_t, st *C.int64_t) C.int {
	fs, o, err := objArg(mh, oh, "ostat")
	if err != nil {
		return eno(err)
	}
	s, err := fs.Ostat(context.Background(), o)
	if err == nil {
		putStat(st, s)
	}
	return eno(err)
}

// dgo_dfs_osetattr applies the fields of in (the stat layout of putStat,
// as the C layer read them from the caller's struct stat) selected by
// flags, and writes the result to out.
//
//export dgo_dfs_osetattr
func dgo_dfs_osetattr(mh, oh C.uint64_t, in *C.int64_t, flags C.int, out *C.int64_t) C.int {
	fs, o, err := objArg(mh, oh, "osetattr")
	if err != nil {
		return eno(err)
	}
	if fs.ReadOnly() {
		return eno(errnoErr("osetattr", syscall.EPERM))
	}
	v := unsafe.Slice((*int64)(unsafe.Pointer(in)), stCount)
	mode := uint32(v[stMode])
	if flags&dfs.SetMode != 0 {
		if mode&syscall.S_IFMT != o.Mode()&syscall.S_IFMT {
			return eno(einval("osetattr: the mode changes the type"))
		}
		if mode&syscall.S_ISVTX != 0 {
			return eno(errnoErr("osetattr: sticky bit", syscall.ENOTSUP))
		}
	}
	st := &dfs.Stat{
		Mode:  mode,
		UID:   uint32(v[stUID]),
		GID:   uint32(v[stGID]),
		Size:  uint64(v[stSize]),
		Atime: time.Unix(v[stAtime], v[stAtimeNS]),
		Mtime: time.Unix(v[stMtime], v[stMtimeNS]),
	}
	got, err := fs.SetAttr(context.Background(), o, st, int(flags))
	if err == nil {
		putStat(out, got)
	}
	return eno(err)
}

// changeTarget is what chmod and chown change: name in parent (NULL: the
// root; name NULL only there, for the root itself), a symbolic link
// followed unless nofollow. release says the object is the call's own.
func changeTarget(ctx context.Context, fs *dfs.FS, p *dfs.Obj, name *C.char, nofollow bool, op string) (o *dfs.Obj, release bool, err error) {
	if fs.ReadOnly() {
		return nil, false, errnoErr(op, syscall.EPERM)
	}
	if p != nil && !p.IsDir() {
		return nil, false, errnoErr(op, syscall.ENOTDIR)
	}
	if name == nil {
		if p != nil && p.OID() != fs.Root().OID() {
			return nil, false, einval(op + ": NULL name under a directory other than the root")
		}
		return fs.Root(), false, nil
	}
	flags := syscall.O_RDWR
	if nofollow {
		flags |= syscall.O_NOFOLLOW
	}
	o, err = fs.LookupRel(ctx, p, cString(name, dfs.MaxName), flags)
	return o, err == nil, err
}

//export dgo_dfs_chmod
func dgo_dfs_chmod(mh, parent C.uint64_t, name *C.char, mode C.uint32_t) C.int {
	fs, p, err := lib.DFSObj(uint64(mh), uint64(parent))
	if err != nil {
		return eno(err)
	}
	if mode&syscall.S_ISVTX != 0 {
		return eno(errnoErr("chmod: sticky bit", syscall.ENOTSUP))
	}
	ctx := context.Background()
	o, own, err := changeTarget(ctx, fs, p, name, false, "chmod")
	if err != nil {
		return eno(err)
	}
	if own {
		defer o.Release()
	}
	if t := uint32(mode) & syscall.S_IFMT; t != 0 && t != o.Mode()&syscall.S_IFMT {
		return eno(einval("chmod: the mode changes the type"))
	}
	_, err = fs.SetAttr(ctx, o, &dfs.Stat{Mode: uint32(mode)}, dfs.SetMode)
	return eno(err)
}

//export dgo_dfs_chown
func dgo_dfs_chown(mh, parent C.uint64_t, name *C.char, uid, gid C.uint32_t, flags C.int) C.int {
	fs, p, err := lib.DFSObj(uint64(mh), uint64(parent))
	if err != nil {
		return eno(err)
	}
	ctx := context.Background()
	o, own, err := changeTarget(ctx, fs, p, name, flags&syscall.O_NOFOLLOW != 0, "chown")
	if err != nil {
		return eno(err)
	}
	if own {
		defer o.Release()
	}
	const keep = ^C.uint32_t(0) // (uid_t)-1
	which := 0
	if uid != keep {
		which |= dfs.SetUID
	}
	if gid != keep {
		which |= dfs.SetGID
	}
	if which == 0 {
		return 0 // only the existence check, as DAOS
	}
	_, err = fs.SetAttr(ctx, o, &dfs.Stat{UID: uint32(uid), GID: uint32(gid)}, which)
	return eno(err)
}

// maxFSize is DFS_MAX_FSIZE: a punch of that length is a truncate.
const maxFSize = ^uint64(0)

//export dgo_dfs_punch
func dgo_dfs_punch(mh, oh C.uint64_t, off, n C.uint64_t) C.int {
	fs, o, err := objArg(mh, oh, "punch")
	if err != nil {
		return eno(err)
	}
	if fs.ReadOnly() {
		return eno(errnoErr("punch", syscall.EPERM))
	}
	if !o.IsFile() {
		return eno(einval("punch: not a file"))
	}
	ctx := context.Background()
	if uint64(n) == maxFSize {
		return eno(fs.Truncate(ctx, o, uint64(off)))
	}
	return eno(fs.Punch(ctx, o, uint64(off), uint64(n)))
}

//export dgo_dfs_setxattr
func dgo_dfs_setxattr(mh, oh C.uint64_t, name *C.char, value unsafe.Pointer, size C.uint64_t, flags C.int) C.int {
	fs, o, err := objArg(mh, oh, "setxattr")
	if err != nil {
		return eno(err)
	}
	n, ok := cName(name, dfs.MaxXattrName)
	if !ok || (size > 0 && value == nil) || size > dfs.MaxXattrLen {
		return eno(einval("setxattr: bad name or value"))
	}
	v, err := goBytes(value, C.size_t(size), "setxattr") // size is bounded above
	if err != nil {
		return eno(einval(err.Error()))
	}
	err = fs.Setxattr(context.Background(), o, n, v, int(flags))
	if errors.Is(err, syscall.ENODATA) {
		err = errnoErr("setxattr: replace", syscall.ENOENT) // DAOS's answer
	}
	return eno(err)
}

//export dgo_dfs_getxattr
func dgo_dfs_getxattr(mh, oh C.uint64_t, name *C.char, value unsafe.Pointer, size *C.daos_size_t) C.int {
	fs, o, err := objArg(mh, oh, "getxattr")
	if err != nil {
		return eno(err)
	}
	n, ok := cName(name, dfs.MaxXattrName)
	if !ok || size == nil {
		return eno(einval("getxattr: bad name or NULL size"))
	}
	v, err := fs.Getxattr(context.Background(), o, n)
	if err != nil {
		return eno(err)
	}
	if value == nil || *size == 0 {
		*size = C.daos_size_t(len(v))
		return 0
	}
	if uint64(*size) < uint64(len(v)) {
		// DAOS's fetch answers -DER_REC2BIG, which DFS turns into E2BIG,
		// and leaves *size alone.
		return eno(errnoErr("getxattr: buffer too small", syscall.E2BIG))
	}
	dst, err := cBytes(value, C.size_t(len(v)), "getxattr")
	if err != nil {
		return eno(einval(err.Error()))
	}
	copy(dst, v)
	*size = C.daos_size_t(len(v))
	return 0
}

//export dgo_dfs_removexattr
func dgo_dfs_removexattr(mh, oh C.uint64_t, name *C.char) C.int {
	fs, o, err := objArg(mh, oh, "removexattr")
	if err != nil {
		return eno(err)
	}
	n, ok := cName(name, dfs.MaxXattrName)
	if !ok {
		return eno(einval("removexattr: bad name"))
	}
	err = fs.Removexattr(context.Background(), o, n)
	if errors.Is(err, syscall.ENODATA) {
		err = errnoErr("removexattr: no such attribute", syscall.ENOENT) // DAOS's answer
	}
	return eno(err)
}

//export dgo_dfs_listxattr
func dgo_dfs_listxattr(mh, oh C.uint64_t, list *C.char, size *C.daos_size_t) C.int {
	fs, o, err := objArg(mh, oh, "listxattr")
	if err != nil {
		return eno(err)
	}
	if size == nil {
		return eno(einval("listxattr: NULL size"))
	}
	names, err := fs.Listxattr(context.Background(), o)
	if err != nil {
		return eno(err)
	}
	var total uint64
	for _, n := range names {
		total += uint64(len(n)) + 1
	}
	if list != nil {
		// As DAOS: the names that fit, in order, skipping any that
		// does not; *size says what all of them need.
		// Only the first total bytes can be written: a size past
		// what memory can be is not looked at.
		buf, err := cBytes(unsafe.Pointer(list), C.size_t(min(uint64(*size), total)), "listxattr")
		if err != nil {
			return eno(einval(err.Error()))
		}
		at := 0
		for _, n := range names {
			if len(buf)-at < len(n)+1 {
				continue
			}
			at += copy(buf[at:], n)
			buf[at] = 0
			at++
		}
	}
	*size = C.daos_size_t(total)
	return 0
}

//export dgo_dfs_get_mode
func dgo_dfs_get_mode(mh, oh C.uint64_t, mode *C.uint32_t) C.int {
	_, o, err := objArg(mh, oh, "get mode")
	if err != nil {
		return eno(err)
	}
	*mode = C.uint32_t(o.Mode())
	return 0
}

//export dgo_dfs_obj2id
func dgo_dfs_obj2id(mh, oh C.uint64_t, oid *C.daos_obj_id_t) C.int {
	_, o, err := objArg(mh, oh, "obj2id")
	if err != nil {
		return eno(err)
	}
	setOID(oid, o.OID())
	return 0
}

//export dgo_dfs_get_chunk_size
func dgo_dfs_get_chunk_size(mh, oh C.uint64_t, chunk *C.daos_size_t) C.int {
	_, o, err := objArg(mh, oh, "get chunk size")
	if err != nil {
		return eno(err)
	}
	if !o.IsFile() {
		return eno(einval("get chunk size: not a file"))
	}
	*chunk = C.daos_size_t(o.ChunkSize())
	return 0
}

//export dgo_dfs_get_symlink_value
func dgo_dfs_get_symlink_value(mh, oh C.uint64_t, buf *C.char, size *C.daos_size_t) C.int {
	_, o, err := objArg(mh, oh, "get symlink value")
	if err != nil {
		return eno(err)
	}
	if !o.IsSymlink() || size == nil {
		return eno(einval("get symlink value: not a symlink, or NULL size"))
	}
	t := o.SymlinkTarget()
	need := uint64(len(t)) + 1
	if buf != nil && *size > 0 {
		// A short buffer gets as much as fits, NUL-terminated.
		b, err := cBytes(unsafe.Pointer(buf), C.size_t(min(uint64(*size), need)), "get symlink value")
		if err != nil {
			return eno(einval(err.Error()))
		}
		n := copy(b[:len(b)-1], t)
		b[n] = 0
	}
	*size = C.daos_size_t(need)
	return 0
}

// dgo_dfs_obj_get_info reports dfs_obj_info_t's fields as DAOS fills
// them: a directory's class is its own object's, with the defaults it
// gives new objects in it; a symbolic link has no class or chunk size.
//
//export dgo_dfs_obj_get_info
func dgo_dfs_obj_get_info(mh, oh C.uint64_t, oclass *C.uint32_t, chunk *C.uint64_t, dirOClass, fileOClass *C.uint32_t, oid *C.daos_obj_id_t) C.int {
	fs, o, err := objArg(mh, oh, "get info")
	if err != nil {
		return eno(err)
	}
	*oclass, *chunk, *dirOClass, *fileOClass = 0, 0, 0, 0
	setOID(oid, o.OID())
	if o.IsSymlink() {
		return 0
	}
	in, err := fs.Info(context.Background(), o)
	if err != nil {
		return eno(err)
	}
	setOID(oid, in.OID)
	*chunk = C.uint64_t(in.ChunkSize)
	*oclass = C.uint32_t(in.OClass)
	if o.IsDir() {
		*oclass = C.uint32_t(placement.OIDClass(in.OID))
		*dirOClass = C.uint32_t(in.DirOClass)
		*fileOClass = C.uint32_t(in.FileOClass)
	}
	return 0
}

// setDefault is dfs_obj_set_oclass and dfs_obj_set_chunk_size: flags
// must be 0 (DAOS defines none), the object a directory (ENOTSUP
// otherwise, as DAOS; pkg/dfs says ENOTDIR).
func setDefault(mh, oh C.uint64_t, flags C.int, op string, set func(context.Context, *dfs.FS, *dfs.Obj) error) C.int {
	fs, o, err := objArg(mh, oh, op)
	if err != nil {
		return eno(err)
	}
	if flags != 0 {
		return eno(einval(op + ": unknown flags"))
	}
	if !o.IsDir() {
		return eno(errnoErr(op+": not a directory", syscall.ENOTSUP))
	}
	return eno(set(context.Background(), fs, o))
}

//export dgo_dfs_obj_set_oclass
func dgo_dfs_obj_set_oclass(mh, oh C.uint64_t, flags C.int, cid C.uint32_t) C.int {
	return setDefault(mh, oh, flags, "set oclass", func(ctx context.Context, fs *dfs.FS, o *dfs.Obj) error {
		return fs.SetOClass(ctx, o, placement.ClassID(cid))
	})
}

//export dgo_dfs_obj_set_chunk_size
func dgo_dfs_obj_set_chunk_size(mh, oh C.uint64_t, flags C.int, csize C.uint64_t) C.int {
	return setDefault(mh, oh, flags, "set chunk size", func(ctx context.Context, fs *dfs.FS, o *dfs.Obj) error {
		return fs.SetChunkSize(ctx, o, uint64(csize))
	})
}

//export dgo_dfs_exchange
func dgo_dfs_exchange(mh, parent1 C.uint64_t, name1 *C.char, parent2 C.uint64_t, name2 *C.char) C.int {
	fs, p1, err := lib.DFSObj(uint64(mh), uint64(parent1))
	if err != nil {
		return eno(err)
	}
	_, p2, err := lib.DFSObj(uint64(mh), uint64(parent2))
	if err != nil {
		return eno(err)
	}
	if name1 == nil || name2 == nil {
		return eno(einval("exchange: NULL name"))
	}
	return eno(fs.Exchange(context.Background(), p1, cString(name1, dfs.MaxName), p2, cString(name2, dfs.MaxName)))
}

// dgo_dfs_iterate is dfs_iterate over Readdir: entries after anchor, at
// most *nr of them, whose names add up to at most size bytes, each given
// to op (a dfs_filler_cb_t, called with the caller's cdfs and cobj) when
// it is not NULL. The anchor is left just after the last entry taken: an
// entry that did not fit, or whose callback failed, comes first on the
// next call.
//
//export dgo_dfs_iterate
func dgo_dfs_iterate(mh, oh C.uint64_t, anchor *C.daos_anchor_t, nr *C.uint32_t, size C.size_t,
	op, cdfs, cobj, arg unsafe.Pointer) C.int {
	fs, o, err := objArg(mh, oh, "iterate")
	if err != nil {
		return eno(err)
	}
	if anchor == nil || nr == nil {
		return eno(einval("iterate: NULL anchor or count"))
	}
	if !o.IsDir() {
		return eno(errnoErr("iterate", syscall.ENOTDIR))
	}
	want, budget := int(*nr), uint64(size)
	if want == 0 || budget == 0 {
		*nr = 0
		return 0
	}
	a, err := readAnchor(anchor)
	if err != nil {
		return eno(err)
	}
	ctx := context.Background()
	var name *C.char
	if op != nil {
		name = (*C.char)(C.malloc(dfs.MaxName + 1))
		defer C.free(unsafe.Pointer(name))
	}
	// The caller's anchor is rewritten only once it has moved: a
	// zeroed one stays zeroed until an entry is taken.
	count, moved := 0, false
	for count < want && !a.EOF {
		names, next, err := lib.DFSReaddir(ctx, fs, o, a, want-count)
		if err != nil {
			if moved {
				writeAnchor(anchor, a)
			}
			return eno(err)
		}
		for i, n := range names {
			var cbrc C.int
			fits := uint64(len(n)) <= budget
			if fits && op != nil {
				b := unsafe.Slice((*byte)(unsafe.Pointer(name)), dfs.MaxName+1)
				b[copy(b[:dfs.MaxName], n)] = 0
				cbrc = C.dgo_call_filler(op, cdfs, cobj, name, arg)
			}
			if fits && cbrc == 0 {
				budget -= uint64(len(n))
				count++
				continue
			}
			// Stop before entry i: the anchor goes just after the
			// entries before it, found by listing them again.
			at := a
			if i > 0 {
				if _, at, err = lib.DFSReaddir(ctx, fs, o, a, i); err != nil {
					if moved {
						writeAnchor(anchor, a)
					}
					return eno(err)
				}
			}
			if i > 0 || moved {
				writeAnchor(anchor, at)
			}
			switch {
			case cbrc != 0:
				return cbrc // *nr untouched, as DAOS
			case count == 0:
				return eno(errnoErr("iterate: a name longer than the size", syscall.E2BIG))
			}
			*nr = C.uint32_t(count)
			return 0
		}
		a, moved = next, true
	}
	if moved {
		writeAnchor(anchor, a)
	}
	*nr = C.uint32_t(count)
	return 0
}
