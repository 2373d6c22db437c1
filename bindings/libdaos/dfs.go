package main

/*
#include <string.h>
#include <daos.h>
#include <daos_fs.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"github.com/daos-go/daos/pkg/capi"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/placement"
)

// The dfs_* calls. They return positive errno values, not DER codes, and
// take mounts and objects as cookies (the C layer keeps them in the
// dfs_t and dfs_obj_t it allocates); cookie 0 is a NULL object.

// eno is the C return value of a DFS call. The errno alone rarely says
// what went wrong, so DGO_DEBUG_DFS=1 prints the whole error on stderr.
func eno(err error) C.int {
	if err != nil && cGetenv("DGO_DEBUG_DFS") != "" {
		println("dfs:", err.Error())
	}
	return C.int(capi.DFSErrno(err))
}

// einval is an EINVAL for a bad argument.
func einval(what string) error {
	return &dfs.Error{Op: what, Errno: syscall.EINVAL}
}

// evErrno carries a DFS result through the event machinery, which reports
// an event's error as a DER code: it reads as a DER code whose C value is
// the positive errno, so ev_error holds what DFS callers expect.
type evErrno struct{ err error }

func (e evErrno) Error() string { return e.err.Error() }

func (e evErrno) As(target any) bool {
	if t, ok := target.(*daos.Errno); ok {
		*t = daos.Errno(-capi.DFSErrno(e.err))
		return true
	}
	return false
}

// dfsRun runs op at once without an event, else on it (ev_error gets the
// errno).
func dfsRun(ev *C.daos_event_t, op func(ctx context.Context) error) C.int {
	if ev == nil {
		return eno(op(context.Background()))
	}
	err := launch(ev, func(ctx context.Context) error {
		err := op(ctx)
		if err == nil {
			ev.ev_error = 0
			return nil
		}
		ev.ev_error = eno(err)
		return evErrno{err}
	})
	if err != nil {
		return eno(err)
	}
	return 0
}

// optString is a C string that may be NULL (""), read as cString reads
// paths.
func optString(s *C.char) string {
	if s == nil {
		return ""
	}
	return cString(s, dfs.MaxPath)
}

// cString is a C string read up to max+1 bytes: enough for the callee to
// refuse one over max, and never a run through memory past an
// unterminated buffer.
func cString(p *C.char, max int) string {
	if p == nil {
		return "" // as C.GoString: the callee refuses an empty name
	}
	return C.GoStringN(p, C.int(C.strnlen(p, C.size_t(max+1))))
}

// Stat fields the C layer copies into struct stat, in this order (see
// DGO_STAT_* in src/client/dfs.c): Go does not write libc structures.
const (
	stMode = iota
	stUID
	stGID
	stNlink
	stSize
	stBlocks
	stBlksize
	stAtime
	stAtimeNS
	stMtime
	stMtimeNS
	stCtime
	stCtimeNS
	stIno
	stCount
)

func putStat(out *C.int64_t, st *dfs.Stat) {
	v := unsafe.Slice((*int64)(unsafe.Pointer(out)), stCount)
	v[stMode] = int64(st.Mode)
	v[stUID] = int64(st.UID)
	v[stGID] = int64(st.GID)
	v[stNlink] = int64(st.Nlink)
	v[stSize] = int64(st.Size)
	v[stBlocks] = int64(st.Blocks)
	v[stBlksize] = int64(st.Blksize)
	v[stAtime], v[stAtimeNS] = st.Atime.Unix(), int64(st.Atime.Nanosecond())
	v[stMtime], v[stMtimeNS] = st.Mtime.Unix(), int64(st.Mtime.Nanosecond())
	v[stCtime], v[stCtimeNS] = st.Ctime.Unix(), int64(st.Ctime.Nanosecond())
	v[stIno] = int64(st.OID.Lo)
}

func setOID(out *C.daos_obj_id_t, oid daos.ObjectID) {
	if out != nil {
		out.hi = C.uint64_t(oid.Hi)
		out.lo = C.uint64_t(oid.Lo)
	}
}

//export dgo_dfs_cont_create
func dgo_dfs_cont_create(poh C.uint64_t, label *C.char, uuid *C.uuid_t, chunk C.uint64_t, oclass, dirOClass, fileOClass, mode C.uint32_t,
	hints *C.char, cprops *C.daos_prop_t, coh *C.daos_handle_t, mh *C.uint64_t) C.int {
	// Owner, group and ACL are taken as daos_cont_create takes them
	// (mpifileutils copies a POSIX container's so).
	var o owned
	ps, err := propsOwned(cprops, &o)
	if err != nil {
		return eno(err)
	}
	attr := dfs.Attr{ChunkSize: uint64(chunk), Mode: uint32(mode), Hints: optString(hints),
		FileOClass: placement.ClassID(oclass), DirOClass: placement.ClassID(oclass)}
	if fileOClass != 0 {
		attr.FileOClass = placement.ClassID(fileOClass)
	}
	if dirOClass != 0 {
		attr.DirOClass = placement.ClassID(dirOClass)
	}
	if attr.Mode != dfs.ModeBalanced {
		attr.Mode = dfs.ModeRelaxed // anything else is relaxed, as in DFS
	}
	id, c, m, err := lib.DFSContCreate(context.Background(), uint64(poh), optString(label), ps,
		capi.Ownership{Owner: o.owner, Group: o.group, ACL: o.acl}, attr, coh != nil, mh != nil)
	if err != nil {
		return eno(err)
	}
	if uuid != nil {
		if err := setUUID(uuid, id); err != nil {
			return eno(err)
		}
	}
	if coh != nil {
		setHandle(coh, c)
	}
	if mh != nil {
		*mh = C.uint64_t(m)
	}
	return 0
}

//export dgo_dfs_mount
func dgo_dfs_mount(poh, coh C.uint64_t, flags C.int, mh *C.uint64_t) C.int {
	h, err := lib.DFSMount(context.Background(), uint64(poh), uint64(coh), int(flags))
	if err == nil {
		*mh = C.uint64_t(h)
	}
	return eno(err)
}

//export dgo_dfs_umount
func dgo_dfs_umount(mh C.uint64_t) C.int { return eno(lib.DFSUmount(uint64(mh))) }

// putBlob is fillGlobal for DFS, whose too-small buffer is ENOBUFS.
func putBlob(glob *C.d_iov_t, b []byte) error {
	err := fillGlobal(glob, b)
	if daos.Code(err) == daos.ErrTrunc {
		return &dfs.Error{Op: "local2global", Errno: syscall.ENOBUFS}
	}
	return err
}

//export dgo_dfs_local2global
func dgo_dfs_local2global(mh C.uint64_t, glob *C.d_iov_t) C.int {
	fs, err := lib.DFS(uint64(mh))
	if err != nil {
		return eno(err)
	}
	return eno(putBlob(glob, fs.Local2Global()))
}

//export dgo_dfs_global2local
func dgo_dfs_global2local(poh, coh C.uint64_t, flags C.int, glob C.d_iov_t, mh *C.uint64_t) C.int {
	b, err := fromGlobal(glob)
	if err != nil {
		return eno(err)
	}
	h, err := lib.DFSGlobal2Local(uint64(poh), uint64(coh), int(flags), b)
	if err == nil {
		*mh = C.uint64_t(h)
	}
	return eno(err)
}

//export dgo_dfs_set_prefix
func dgo_dfs_set_prefix(mh C.uint64_t, prefix *C.char) C.int {
	fs, err := lib.DFS(uint64(mh))
	if err != nil {
		return eno(err)
	}
	return eno(fs.SetPrefix(optString(prefix)))
}

// opened reports a new object: its cookie, and optionally its mode and
// stat. An object that cannot be given a cookie is released.
func opened(ctx context.Context, mh C.uint64_t, fs *dfs.FS, o *dfs.Obj, oh *C.uint64_t, mode *C.uint32_t, st *C.int64_t) error {
	if st != nil {
		s, err := fs.Ostat(ctx, o)
		if err != nil {
			_ = o.Release()
			return err
		}
		putStat(st, s)
	}
	h, err := lib.DFSAddObj(uint64(mh), o)
	if err != nil {
		_ = o.Release()
		return err
	}
	*oh = C.uint64_t(h)
	if mode != nil {
		*mode = C.uint32_t(o.Mode())
	}
	return nil
}

//export dgo_dfs_lookup
func dgo_dfs_lookup(mh C.uint64_t, path *C.char, flags C.int, oh *C.uint64_t, mode *C.uint32_t, st *C.int64_t) C.int {
	fs, err := lib.DFS(uint64(mh))
	if err != nil {
		return eno(err)
	}
	if path == nil {
		return eno(einval("lookup: NULL path"))
	}
	ctx := context.Background()
	o, err := fs.Lookup(ctx, cString(path, dfs.MaxPath), int(flags))
	if err != nil {
		return eno(err)
	}
	return eno(opened(ctx, mh, fs, o, oh, mode, st))
}

//export dgo_dfs_lookup_rel
func dgo_dfs_lookup_rel(mh, parent C.uint64_t, name *C.char, flags C.int, oh *C.uint64_t, mode *C.uint32_t, st *C.int64_t) C.int {
	fs, p, err := lib.DFSObj(uint64(mh), uint64(parent))
	if err != nil {
		return eno(err)
	}
	if name == nil {
		return eno(einval("lookup: NULL name"))
	}
	ctx := context.Background()
	o, err := fs.LookupRel(ctx, p, cString(name, dfs.MaxName), int(flags))
	if err != nil {
		return eno(err)
	}
	return eno(opened(ctx, mh, fs, o, oh, mode, st))
}

//export dgo_dfs_open
func dgo_dfs_open(mh, parent C.uint64_t, name *C.char, mode C.uint32_t, flags C.int, cid C.uint32_t, chunk C.uint64_t, value *C.char, oh *C.uint64_t) C.int {
	fs, p, err := lib.DFSObj(uint64(mh), uint64(parent))
	if err != nil {
		return eno(err)
	}
	if name == nil {
		return eno(einval("open: NULL name"))
	}
	if mode&syscall.S_IFMT == syscall.S_IFLNK && flags&syscall.O_CREAT != 0 && value == nil {
		return eno(einval("open: a symbolic link needs a target"))
	}
	ctx := context.Background()
	o, err := fs.Open(ctx, p, cString(name, dfs.MaxName), uint32(mode), int(flags), placement.ClassID(cid), uint64(chunk), optString(value))
	if err != nil {
		return eno(err)
	}
	return eno(opened(ctx, mh, fs, o, oh, nil, nil))
}

//export dgo_dfs_release
func dgo_dfs_release(oh C.uint64_t) C.int { return eno(lib.DFSRelease(uint64(oh))) }

//export dgo_dfs_obj_local2global
func dgo_dfs_obj_local2global(mh, oh C.uint64_t, glob *C.d_iov_t) C.int {
	fs, o, err := lib.DFSObj(uint64(mh), uint64(oh))
	if err != nil {
		return eno(err)
	}
	if o == nil {
		return eno(einval("obj local2global: NULL object"))
	}
	b, err := fs.ObjLocal2Global(o)
	if err != nil {
		return eno(err)
	}
	return eno(putBlob(glob, b))
}

//export dgo_dfs_obj_global2local
func dgo_dfs_obj_global2local(mh C.uint64_t, flags C.int, glob C.d_iov_t, oh *C.uint64_t) C.int {
	fs, err := lib.DFS(uint64(mh))
	if err != nil {
		return eno(err)
	}
	b, err := fromGlobal(glob)
	if err != nil {
		return eno(err)
	}
	o, err := fs.ObjGlobal2Local(int(flags), b)
	if err != nil {
		return eno(err)
	}
	return eno(opened(context.Background(), mh, fs, o, oh, nil, nil))
}

// fileIO is the mount and file of an I/O call.
func fileIO(mh, oh C.uint64_t) (*dfs.FS, *dfs.Obj, error) {
	fs, o, err := lib.DFSObj(uint64(mh), uint64(oh))
	if err == nil && o == nil {
		err = einval("I/O: NULL object")
	}
	return fs, o, err
}

// fileRW is fileIO for dfs_read and dfs_write: the object must be a file
// (EINVAL otherwise, as DFS answers, where POSIX says EISDIR) that the
// handle may read or write (EPERM), checked before an empty transfer
// returns.
func fileRW(mh, oh C.uint64_t, write bool) (*dfs.FS, *dfs.Obj, error) {
	fs, o, err := fileIO(mh, oh)
	switch {
	case err != nil:
		return nil, nil, err
	case !o.IsFile():
		return nil, nil, einval("I/O: not a regular file")
	case write:
		err = o.Writable("write")
	default:
		err = o.Readable("read")
	}
	return fs, o, err
}

// dfsBufs is an sg list's buffers: each iov's iov_len bytes (DFS reads
// and writes both use iov_len), in place.
func dfsBufs(sgl *C.d_sg_list_t) ([][]byte, uint64, error) {
	if sgl == nil {
		return nil, 0, einval("I/O: NULL sg list")
	}
	vs, err := iovs(sgl)
	if err != nil {
		return nil, 0, err
	}
	out := make([][]byte, len(vs))
	var n uint64
	for i := range vs {
		// iov_len is what moves; a length past the buffer would have the
		// library read or write memory the caller does not own.
		if vs[i].iov_len > vs[i].iov_buf_len {
			return nil, 0, einval(fmt.Sprintf("I/O: iov %d: %d bytes in a buffer of %d", i, vs[i].iov_len, vs[i].iov_buf_len))
		}
		b, err := cBytes(vs[i].iov_buf, vs[i].iov_len, "I/O")
		if err != nil {
			return nil, 0, einval(fmt.Sprintf("I/O: iov %d: %v", i, err))
		}
		out[i] = b
		n += uint64(vs[i].iov_len)
	}
	return out, n, nil
}

//export dgo_dfs_read
func dgo_dfs_read(mh, oh C.uint64_t, sgl *C.d_sg_list_t, off C.uint64_t, readSize *C.daos_size_t, ev *C.daos_event_t) C.int {
	fs, o, err := fileRW(mh, oh, false)
	if err != nil {
		return eno(err)
	}
	if readSize == nil {
		return eno(einval("read: NULL read size"))
	}
	bufs, n, err := dfsBufs(sgl)
	if err != nil {
		return eno(err)
	}
	return dfsRun(ev, func(ctx context.Context) error {
		if n == 0 {
			*readSize = 0
			return nil
		}
		got, err := fs.Read(ctx, o, bufs, uint64(off))
		if err == nil {
			*readSize = C.daos_size_t(got)
		}
		return err
	})
}

// maxRanges bounds the ranges of one dfs_readx or dfs_writex.
const maxRanges = 1 << 20

// dfsRanges reads a dfs_iod_t and cuts the sg list's bytes in its order
// into one buffer list per range: the ranges' bytes, in the order given,
// are exactly the sg list's (unequal totals are EINVAL, as in DAOS).
func dfsRanges(iod *C.dfs_iod_t, sgl *C.d_sg_list_t, what string) ([]uint64, [][][]byte, error) {
	if iod == nil {
		return nil, nil, einval(what + ": NULL iod")
	}
	bufs, n, err := dfsBufs(sgl)
	if err != nil {
		return nil, nil, err
	}
	nr := uint64(iod.iod_nr)
	if nr > maxRanges {
		return nil, nil, einval(fmt.Sprintf("%s: %d ranges (at most %d)", what, nr, maxRanges))
	}
	if nr > 0 && iod.iod_rgs == nil {
		return nil, nil, einval(fmt.Sprintf("%s: %d ranges but a NULL range array", what, nr))
	}
	var rgs []C.daos_range_t
	if nr > 0 {
		rgs = unsafe.Slice(iod.iod_rgs, int(nr))
	}
	offs := make([]uint64, len(rgs))
	parts := make([][][]byte, len(rgs))
	var total uint64
	b, at := 0, 0 // the next byte: bufs[b][at]
	for i, rg := range rgs {
		idx, size := uint64(rg.rg_idx), uint64(rg.rg_len)
		if idx+size < idx {
			return nil, nil, einval(fmt.Sprintf("%s: range %d [%d, +%d) runs past 2^64", what, i, idx, size))
		}
		if total+size < total || total+size > n {
			return nil, nil, einval(fmt.Sprintf("%s: the ranges hold more than the sg list's %d bytes", what, n))
		}
		total += size
		offs[i] = idx
		for size > 0 {
			for at == len(bufs[b]) {
				b, at = b+1, 0
			}
			take := min(uint64(len(bufs[b])-at), size)
			parts[i] = append(parts[i], bufs[b][at:at+int(take)])
			at += int(take)
			size -= take
		}
	}
	if total != n {
		return nil, nil, einval(fmt.Sprintf("%s: the ranges hold %d bytes, the sg list %d", what, total, n))
	}
	return offs, parts, nil
}

// noRanges tells whether iod asks for no I/O at all, which needs no sg
// list (DAOS completes it at once).
func noRanges(iod *C.dfs_iod_t) bool { return iod != nil && iod.iod_nr == 0 }

//export dgo_dfs_readx
func dgo_dfs_readx(mh, oh C.uint64_t, iod *C.dfs_iod_t, sgl *C.d_sg_list_t, readSize *C.daos_size_t, ev *C.daos_event_t) C.int {
	fs, o, err := fileRW(mh, oh, false)
	if err != nil {
		return eno(err)
	}
	if readSize == nil {
		return eno(einval("readx: NULL read size"))
	}
	if noRanges(iod) {
		return dfsRun(ev, func(context.Context) error { *readSize = 0; return nil })
	}
	offs, parts, err := dfsRanges(iod, sgl, "readx")
	if err != nil {
		return eno(err)
	}
	return dfsRun(ev, func(ctx context.Context) error {
		// Each range as dfs_read reads it: up to the end of the file.
		var got uint64
		for i := range offs {
			if len(parts[i]) == 0 {
				continue
			}
			g, err := fs.Read(ctx, o, parts[i], offs[i])
			if err != nil {
				return err
			}
			got += g
		}
		*readSize = C.daos_size_t(got)
		return nil
	})
}

//export dgo_dfs_writex
func dgo_dfs_writex(mh, oh C.uint64_t, iod *C.dfs_iod_t, sgl *C.d_sg_list_t, ev *C.daos_event_t) C.int {
	fs, o, err := fileRW(mh, oh, true)
	if err != nil {
		return eno(err)
	}
	if noRanges(iod) {
		return dfsRun(ev, func(context.Context) error { return nil })
	}
	offs, parts, err := dfsRanges(iod, sgl, "writex")
	if err != nil {
		return eno(err)
	}
	return dfsRun(ev, func(ctx context.Context) error {
		for i := range offs {
			if len(parts[i]) == 0 {
				continue
			}
			if err := fs.Write(ctx, o, parts[i], offs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

//export dgo_dfs_write
func dgo_dfs_write(mh, oh C.uint64_t, sgl *C.d_sg_list_t, off C.uint64_t, ev *C.daos_event_t) C.int {
	fs, o, err := fileRW(mh, oh, true)
	if err != nil {
		return eno(err)
	}
	var bufs [][]byte
	var n uint64
	if sgl != nil { // no sg list writes nothing, as in DFS
		if bufs, n, err = dfsBufs(sgl); err != nil {
			return eno(err)
		}
	}
	return dfsRun(ev, func(ctx context.Context) error {
		if n == 0 {
			return nil
		}
		return fs.Write(ctx, o, bufs, uint64(off))
	})
}

//export dgo_dfs_get_size
func dgo_dfs_get_size(mh, oh C.uint64_t, size *C.daos_size_t) C.int {
	fs, o, err := fileIO(mh, oh)
	if err != nil {
		return eno(err)
	}
	if size == nil || !o.IsFile() {
		return eno(einval("get size: NULL size or not a file")) // EINVAL, not EISDIR, as in DFS
	}
	n, err := fs.GetSize(context.Background(), o)
	if err == nil {
		*size = C.daos_size_t(n)
	}
	return eno(err)
}

//export dgo_dfs_stat
func dgo_dfs_stat(mh, parent C.uint64_t, name *C.char, st *C.int64_t) C.int {
	fs, p, err := lib.DFSObj(uint64(mh), uint64(parent))
	if err != nil {
		return eno(err)
	}
	s, err := fs.Stat(context.Background(), p, optString(name))
	if err == nil {
		putStat(st, s)
	}
	return eno(err)
}

//export dgo_dfs_mkdir
func dgo_dfs_mkdir(mh, parent C.uint64_t, name *C.char, mode C.uint32_t, cid C.uint32_t) C.int {
	fs, p, err := lib.DFSObj(uint64(mh), uint64(parent))
	if err != nil {
		return eno(err)
	}
	if name == nil {
		return eno(einval("mkdir: NULL name"))
	}
	return eno(fs.Mkdir(context.Background(), p, cString(name, dfs.MaxName), uint32(mode), placement.ClassID(cid)))
}

//export dgo_dfs_remove
func dgo_dfs_remove(mh, parent C.uint64_t, name *C.char, force C.int, oid *C.daos_obj_id_t) C.int {
	fs, p, err := lib.DFSObj(uint64(mh), uint64(parent))
	if err != nil {
		return eno(err)
	}
	if name == nil {
		return eno(einval("remove: NULL name"))
	}
	id, err := fs.Remove(context.Background(), p, cString(name, dfs.MaxName), force != 0)
	if err == nil {
		setOID(oid, id)
	}
	return eno(err)
}

//export dgo_dfs_move
func dgo_dfs_move(mh, parent C.uint64_t, name *C.char, newParent C.uint64_t, newName *C.char, oid *C.daos_obj_id_t) C.int {
	fs, p, err := lib.DFSObj(uint64(mh), uint64(parent))
	if err != nil {
		return eno(err)
	}
	_, np, err := lib.DFSObj(uint64(mh), uint64(newParent))
	if err != nil {
		return eno(err)
	}
	if name == nil || newName == nil {
		return eno(einval("move: NULL name"))
	}
	id, err := fs.Move(context.Background(), p, cString(name, dfs.MaxName), np, cString(newName, dfs.MaxName))
	if err == nil {
		setOID(oid, id)
	}
	return eno(err)
}

//export dgo_dfs_access
func dgo_dfs_access(mh, parent C.uint64_t, name *C.char, mask C.int) C.int {
	fs, p, err := lib.DFSObj(uint64(mh), uint64(parent))
	if err != nil {
		return eno(err)
	}
	return eno(fs.Access(context.Background(), p, optString(name), int(mask)))
}

//export dgo_dfs_sync
func dgo_dfs_sync(mh C.uint64_t) C.int {
	fs, err := lib.DFS(uint64(mh))
	if err != nil {
		return eno(err)
	}
	return eno(fs.Sync(context.Background()))
}

// dgo_dfs_readdir writes the names into the caller's struct dirent array
// at buf: entry i's d_name is at buf + i*stride + nameOff and holds
// nameMax bytes with the NUL (the C layer passes libc's layout).
//
//export dgo_dfs_readdir
func dgo_dfs_readdir(mh, oh C.uint64_t, anchor *C.daos_anchor_t, nr *C.uint32_t, buf unsafe.Pointer, stride, nameOff, nameMax C.size_t) C.int {
	fs, o, err := lib.DFSObj(uint64(mh), uint64(oh))
	if err != nil {
		return eno(err)
	}
	if o == nil || anchor == nil || nr == nil {
		return eno(einval("readdir: NULL object, anchor or count"))
	}
	if *nr == 0 {
		return 0 // room for nothing: nothing read, as DAOS's dfs_readdir
	}
	if buf == nil {
		return eno(einval("readdir: NULL entries"))
	}
	a, err := readAnchor(anchor)
	if err != nil {
		return eno(err)
	}
	names, next, err := lib.DFSReaddir(context.Background(), fs, o, a, int(*nr))
	if err != nil {
		return eno(err)
	}
	for i, n := range names {
		if len(n) >= int(nameMax) {
			return eno(errors.New("readdir: a name longer than d_name")) // EIO: the layout forbids it
		}
		d := unsafe.Slice((*byte)(unsafe.Add(buf, uintptr(i)*uintptr(stride)+uintptr(nameOff))), int(nameMax))
		copy(d, n)
		d[len(n)] = 0
	}
	*nr = C.uint32_t(len(names))
	writeAnchor(anchor, next)
	return 0
}

// dgo_dfs_query reports the container's DFS defaults (dfs_query).
//
//export dgo_dfs_query
func dgo_dfs_query(mh C.uint64_t, chunk *C.uint64_t, oclass, dirOClass, fileOClass, mode *C.uint32_t) C.int {
	fs, err := lib.DFS(uint64(mh))
	if err != nil {
		return eno(err)
	}
	a := fs.Attr()
	*chunk = C.uint64_t(a.ChunkSize)
	*dirOClass = C.uint32_t(a.DirOClass)
	*fileOClass = C.uint32_t(a.FileOClass)
	// One class for both is what da_oclass_id set; different ones came
	// from the per-kind fields.
	*oclass = 0
	if a.DirOClass == a.FileOClass {
		*oclass = C.uint32_t(a.FileOClass)
	}
	*mode = C.uint32_t(a.Mode)
	return 0
}

//export dgo_dfs_suggest_oclass
func dgo_dfs_suggest_oclass(mh C.uint64_t, hint *C.char, cid *C.uint32_t) C.int {
	fs, err := lib.DFS(uint64(mh))
	if err != nil {
		return eno(err)
	}
	if hint == nil || cid == nil {
		return eno(einval("suggest oclass: NULL hint or class"))
	}
	// At most a hint's length and one more: a longer one is refused.
	c, err := fs.SuggestClass(C.GoStringN(hint, C.int(C.strnlen(hint, 128))))
	if err != nil {
		return eno(err)
	}
	*cid = C.uint32_t(c)
	return 0
}
