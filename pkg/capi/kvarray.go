package capi

import (
	"context"

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
