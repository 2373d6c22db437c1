package capi

import (
	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// object is what an object handle holds.
type object struct {
	o    *client.Object
	cont *container
}

// ObjOpen is daos_obj_open: objects exist implicitly, so this only checks
// the id and the mode against the container's and makes a handle.
func (l *Lib) ObjOpen(coh uint64, oid daos.ObjectID, mode uint32) (uint64, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return 0, err
	}
	o, err := c.c.OpenObject(oid, mode)
	if err != nil {
		return 0, err
	}
	return l.add(&object{o: o, cont: c})
}

// ObjClose is daos_obj_close.
func (l *Lib) ObjClose(oh uint64) error {
	_, err := remove[*object](l, oh, "object")
	return err
}

// Object is the open object behind oh, for the I/O calls.
func (l *Lib) Object(oh uint64) (*client.Object, error) {
	o, err := lookup[*object](l, oh, "object")
	if err != nil {
		return nil, err
	}
	return o.o, nil
}
