package dfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// Handle blobs (dfs_local2global, dfs_obj_local2global) carry everything
// the receiver needs, so it reads nothing before doing I/O: a 4-byte
// magic, a u16 version, the container UUID, then the handle's state.
// Lengths are u16 before the bytes they count; integers little-endian.
var (
	fsBlobMagic  = [4]byte{'D', 'F', 'S', 'g'}
	objBlobMagic = [4]byte{'D', 'F', 'S', 'o'}
)

const blobVersion = 1

type blobW struct{ b []byte }

func (w *blobW) u16(v uint16)   { w.b = binary.LittleEndian.AppendUint16(w.b, v) }
func (w *blobW) u32(v uint32)   { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *blobW) u64(v uint64)   { w.b = binary.LittleEndian.AppendUint64(w.b, v) }
func (w *blobW) bytes(v []byte) { w.u16(uint16(len(v))); w.b = append(w.b, v...) }

// blobR reads a blob; the first short read sticks in err and later reads
// return zeros, so callers check once at the end.
type blobR struct {
	b   []byte
	err error
}

func (r *blobR) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		if r.err == nil {
			r.err = errors.New("handle blob is truncated")
		}
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *blobR) u16() uint16   { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *blobR) u32() uint32   { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *blobR) u64() uint64   { return binary.LittleEndian.Uint64(r.take(8)) }
func (r *blobR) bytes() []byte { return r.take(int(r.u16())) }

func (r *blobR) header(magic [4]byte, cont *client.Container) {
	if m := r.take(4); r.err == nil && [4]byte(m) != magic {
		r.err = fmt.Errorf("handle blob magic %q, want %q", m, magic[:])
	}
	if v := r.u16(); r.err == nil && v != blobVersion {
		r.err = fmt.Errorf("handle blob version %d, this build reads %d", v, blobVersion)
	}
	if u := r.take(16); r.err == nil && [16]byte(u) != cont.UUID {
		r.err = errors.New("handle blob is of another container")
	}
}

func header(w *blobW, magic [4]byte, cont *client.Container) {
	w.b = append(w.b, magic[:]...)
	w.u16(blobVersion)
	w.b = append(w.b, cont.UUID[:]...)
}

// Local2Global serialises the mount for another process
// (dfs_local2global); the blob's size is the same on every call.
func (fs *FS) Local2Global() []byte {
	var w blobW
	header(&w, fsBlobMagic, fs.cont)
	var ro uint16
	if fs.readOnly {
		ro = 1
	}
	w.u16(ro)
	w.bytes(fs.sb.encode())
	w.bytes(fs.root.ent.encode())
	return w.b
}

// Global2Local mounts from a blob made by Local2Global in any process
// (dfs_global2local) over cont, the receiver's handle of the same
// container (another container is EINVAL). flags 0 keeps the sender's
// access mode; otherwise its access mode (RDWR, or RDONLY with other bits
// set, since O_RDONLY is 0) applies.
func Global2Local(cont *client.Container, flags int, blob []byte, opts ...Option) (*FS, error) {
	if err := checkPOSIX("global2local", cont); err != nil {
		return nil, err
	}
	r := blobR{b: blob}
	r.header(fsBlobMagic, cont)
	ro := r.u16() == 1
	sbb, eb := r.bytes(), r.bytes()
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("handle blob has %d bytes too many", len(r.b))
	}
	if r.err != nil {
		return nil, &Error{Op: "global2local", Errno: syscall.EINVAL, Err: r.err}
	}
	sb, err := decodeSuperblock(sbb)
	if err != nil {
		return nil, &Error{Op: "global2local", Errno: syscall.EINVAL, Err: err}
	}
	ent, err := decodeEntry(eb)
	if err != nil {
		return nil, &Error{Op: "global2local", Errno: syscall.EINVAL, Err: err}
	}
	if flags != 0 {
		switch flags & syscall.O_ACCMODE {
		case RDONLY:
			ro = true
		case RDWR:
			ro = false
		default:
			return nil, fail("global2local", "", syscall.EINVAL)
		}
	}
	acc := RDWR
	if ro {
		acc = RDONLY
	}
	return newFS(cont, sb, ent, acc, opts)
}

// ObjLocal2Global serialises an open file or directory for another
// process (dfs_obj_local2global); a symbolic link is EINVAL.
func (fs *FS) ObjLocal2Global(o *Obj) ([]byte, error) {
	if o == nil || o.fs != fs || (!o.IsFile() && !o.IsDir()) {
		return nil, fail("obj local2global", "", syscall.EINVAL)
	}
	var w blobW
	header(&w, objBlobMagic, fs.cont)
	w.u32(uint32(o.flags))
	w.bytes([]byte(o.name))
	w.bytes(o.ent.encode())
	w.u16(uint16(len(o.ancestors)))
	for _, a := range o.ancestors {
		w.u64(a.Hi)
		w.u64(a.Lo)
	}
	return w.b, nil
}

// ObjGlobal2Local opens an object from a blob made by ObjLocal2Global
// (dfs_obj_global2local); flags 0 keeps the sender's access mode.
func (fs *FS) ObjGlobal2Local(flags int, blob []byte) (*Obj, error) {
	r := blobR{b: blob}
	r.header(objBlobMagic, fs.cont)
	sent := int(r.u32())
	name := string(r.bytes())
	eb := r.bytes()
	anc := make([]daos.ObjectID, r.u16())
	for i := range anc {
		anc[i] = daos.ObjectID{Hi: r.u64(), Lo: r.u64()}
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("handle blob has %d bytes too many", len(r.b))
	}
	if r.err != nil {
		return nil, &Error{Op: "obj global2local", Errno: syscall.EINVAL, Err: r.err}
	}
	e, err := decodeEntry(eb)
	if err != nil {
		return nil, &Error{Op: "obj global2local", Name: name, Errno: syscall.EINVAL, Err: err}
	}
	if flags == 0 {
		flags = sent
	}
	var parent *Obj
	if len(anc) > 0 {
		// The parent is needed only as the home of the entry (stat,
		// setattr, xattrs); the ancestors above it as they were.
		mode := client.OORW
		if fs.readOnly {
			mode = client.OORO
		}
		pd, err := fs.cont.OpenObject(anc[len(anc)-1], mode)
		if err != nil {
			return nil, wrap("obj global2local", name, err)
		}
		parent = &Obj{fs: fs, dir: pd, ent: entry{Mode: syscall.S_IFDIR, OID: anc[len(anc)-1]}, ancestors: anc[:len(anc)-1]}
	}
	return fs.objOf(parent, name, e, flags)
}
