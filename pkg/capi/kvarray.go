package capi

import (
	"bytes"
	"context"
	"encoding/binary"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// kvHandle is what a KV handle holds.
type kvHandle struct {
	kv   *client.KV
	cont *container
	ro   bool
}

// arrayHandle is what an array handle holds.
type arrayHandle struct {
	a    *client.Array
	cont *container
	ro   bool
}

// checkMode checks an open mode as object open does (bits known, RO or RW,
// RW only on a writable container) and tells whether it is read-only.
func checkMode(c *container, oid daos.ObjectID, mode uint32) (bool, error) {
	if _, err := c.c.OpenObject(oid, mode); err != nil {
		return false, err
	}
	return mode&client.OORW == 0, nil
}

// KVOpen is daos_kv_open.
func (l *Lib) KVOpen(coh uint64, oid daos.ObjectID, mode uint32) (uint64, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return 0, err
	}
	ro, err := checkMode(c, oid, mode)
	if err != nil {
		return 0, err
	}
	kv, err := c.c.OpenKV(oid)
	if err != nil {
		return 0, err
	}
	return l.add(&kvHandle{kv: kv, cont: c, ro: ro})
}

// KVClose is daos_kv_close.
func (l *Lib) KVClose(oh uint64) error {
	_, err := remove[*kvHandle](l, oh, "KV")
	return err
}

// KV is the KV behind oh; write says the caller modifies it (refused with
// DER_NO_PERM on a read-only handle).
func (l *Lib) KV(oh uint64, write bool) (*client.KV, error) {
	h, err := lookup[*kvHandle](l, oh, "KV")
	if err != nil {
		return nil, err
	}
	if write && h.ro {
		return nil, daos.Errorf(daos.ErrNoPerm, "KV is open read-only")
	}
	return h.kv, nil
}

// ArrayCreate is daos_array_create: the array's cell and chunk sizes are
// stored with it, and it is opened read-write.
func (l *Lib) ArrayCreate(ctx context.Context, coh uint64, oid daos.ObjectID, cell, chunk uint64) (uint64, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return 0, err
	}
	if _, err := checkMode(c, oid, client.OORW); err != nil {
		return 0, err
	}
	a, err := c.c.CreateArray(ctx, oid, cell, chunk)
	if err != nil {
		return 0, err
	}
	return l.add(&arrayHandle{a: a, cont: c})
}

// ArrayOpen is daos_array_open (sizes read from the array) or, when cell
// is not 0, daos_array_open_with_attr (sizes given by the caller).
func (l *Lib) ArrayOpen(ctx context.Context, coh uint64, oid daos.ObjectID, mode uint32, cell, chunk uint64) (uint64, *client.Array, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return 0, nil, err
	}
	ro, err := checkMode(c, oid, mode)
	if err != nil {
		return 0, nil, err
	}
	var a *client.Array
	if cell == 0 {
		a, err = c.c.OpenArray(ctx, oid)
	} else {
		a, err = c.c.OpenArrayWithAttr(oid, cell, chunk)
	}
	if err != nil {
		return 0, nil, err
	}
	h, err := l.add(&arrayHandle{a: a, cont: c, ro: ro})
	return h, a, err
}

// ArrayClose is daos_array_close.
func (l *Lib) ArrayClose(oh uint64) error {
	_, err := remove[*arrayHandle](l, oh, "array")
	return err
}

// Array is the array behind oh; write as for KV.
func (l *Lib) Array(oh uint64, write bool) (*client.Array, error) {
	h, err := lookup[*arrayHandle](l, oh, "array")
	if err != nil {
		return nil, err
	}
	if write && h.ro {
		return nil, daos.Errorf(daos.ErrNoPerm, "array is open read-only")
	}
	return h.a, nil
}

// arrayBlobMagic starts an array handle's global form.
var arrayBlobMagic = [4]byte{'D', 'G', 'A', '1'}

// ArrayLocal2Global is daos_array_local2global: the object id and the
// cell and chunk sizes, which is all another process needs to open the
// same array through its own container handle.
func (l *Lib) ArrayLocal2Global(oh uint64) ([]byte, error) {
	h, err := lookup[*arrayHandle](l, oh, "array")
	if err != nil {
		return nil, err
	}
	b := append([]byte{}, arrayBlobMagic[:]...)
	oid := h.a.Object().OID()
	b = binary.LittleEndian.AppendUint64(b, oid.Lo)
	b = binary.LittleEndian.AppendUint64(b, oid.Hi)
	b = binary.LittleEndian.AppendUint64(b, h.a.CellSize())
	b = binary.LittleEndian.AppendUint64(b, h.a.ChunkSize())
	return b, nil
}

// ArrayGlobal2Local is daos_array_global2local through container coh.
func (l *Lib) ArrayGlobal2Local(coh uint64, blob []byte, mode uint32) (uint64, error) {
	if len(blob) != 36 || !bytes.Equal(blob[:4], arrayBlobMagic[:]) {
		return 0, daos.Errorf(daos.ErrInval, "array global2local: not an array handle's global form (%d bytes)", len(blob))
	}
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(blob[4+8*i:]) }
	oid := daos.ObjectID{Lo: u(0), Hi: u(1)}
	if u(2) == 0 || u(3) == 0 {
		return 0, daos.Errorf(daos.ErrInval, "array global2local: cell size %d, chunk size %d", u(2), u(3))
	}
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return 0, err
	}
	ro, err := checkMode(c, oid, mode)
	if err != nil {
		return 0, err
	}
	a, err := c.c.SharedArray(oid, u(2), u(3))
	if err != nil {
		return 0, err
	}
	return l.add(&arrayHandle{a: a, cont: c, ro: ro})
}
