package capi

import (
	"context"
	"fmt"
	"strconv"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// Container open flags (DAOS_COO_*).
const (
	ContRO = 1 << 0
	ContRW = 1 << 1
	ContEX = 1 << 2
)

// container is what a container handle holds.
type container struct {
	c    *client.Container
	pool *pool
}

// Ownership is what a container create may set beside its properties:
// the owner and owner group (name@[domain]; empty: the caller's) and the
// ACL (ACE strings; nil: the default ACL).
type Ownership struct {
	Owner, Group string
	ACL          []string
}

// ContCreate is daos_cont_create(_with_label): label may be empty; props
// are container properties by their daos CLI names (layout_type gives the
// container type). It returns the new container's UUID.
func (l *Lib) ContCreate(ctx context.Context, poh uint64, label string, props map[string]string, own Ownership) (string, error) {
	return l.ContCreateID(ctx, poh, "", label, props, own)
}

// ContCreateID is ContCreate of a container whose UUID the caller chose
// (id; empty: a new one), as a DAOS task's CONT_CREATE may.
func (l *Lib) ContCreateID(ctx context.Context, poh uint64, id, label string, props map[string]string, own Ownership) (string, error) {
	p, err := lookup[*pool](l, poh, "pool")
	if err != nil {
		return "", err
	}
	props = cloneProps(props)
	typ := props["layout_type"]
	delete(props, "layout_type")
	if label == "" {
		label = props["label"]
	}
	delete(props, "label")
	info, err := p.p.CreateContainerAs(ctx, client.ContainerCreate{UUID: id, Label: label, Type: typ, Props: props,
		Owner: own.Owner, Group: own.Group, ACL: own.ACL})
	if err != nil {
		return "", err
	}
	return info.UUID, nil
}

func cloneProps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ContOpen is daos_cont_open: id is a label or a UUID string. The
// information is returned only when wantInfo asks (it costs a query).
func (l *Lib) ContOpen(ctx context.Context, poh uint64, id string, flags uint32, wantInfo bool) (uint64, *poolsvc.ContInfo, error) {
	p, err := lookup[*pool](l, poh, "pool")
	if err != nil {
		return 0, nil, err
	}
	if id == "" {
		return 0, nil, daos.Errorf(daos.ErrInval, "container open: no label or UUID")
	}
	if flags&(ContRO|ContRW|ContEX) == 0 {
		return 0, nil, daos.Errorf(daos.ErrInval, "container open: flags %#x carry none of DAOS_COO_RO, DAOS_COO_RW, DAOS_COO_EX", flags)
	}
	c, err := p.p.OpenContainer(ctx, id, uint64(flags))
	if err != nil {
		return 0, nil, err
	}
	// The information as of the open, this handle included (what the
	// container had when it was looked up does not count it).
	var info *poolsvc.ContInfo
	if wantInfo {
		if info, err = c.Query(ctx); err != nil {
			_ = c.Close(ctx)
			return 0, nil, err
		}
	}
	h, err := l.add(&container{c: c, pool: p})
	if err != nil {
		_ = c.Close(ctx)
		return 0, nil, err
	}
	return h, info, nil
}

// ContClose is daos_cont_close; objects still open make it DER_BUSY.
func (l *Lib) ContClose(ctx context.Context, coh uint64) error {
	l.mu.Lock()
	c, err := lookupLocked[*container](l, coh, "container")
	if err != nil {
		l.mu.Unlock()
		return err
	}
	for _, v := range l.handles {
		var parent *container
		switch o := v.(type) {
		case *object:
			parent = o.cont
		case *kvHandle:
			parent = o.cont
		case *arrayHandle:
			parent = o.cont
		case *oitHandle:
			parent = o.cont
		}
		if parent == c {
			l.mu.Unlock()
			return daos.Errorf(daos.ErrBusy, "container close: objects are still open through the handle")
		}
	}
	delete(l.handles, coh)
	l.mu.Unlock()
	return c.c.Close(ctx)
}

// ContDestroy is daos_cont_destroy.
func (l *Lib) ContDestroy(ctx context.Context, poh uint64, id string, force bool) error {
	p, err := lookup[*pool](l, poh, "pool")
	if err != nil {
		return err
	}
	if id == "" {
		return daos.Errorf(daos.ErrInval, "container destroy: no label or UUID")
	}
	return p.p.DestroyContainer(ctx, id, force)
}

// ContQuery is daos_cont_query's information.
func (l *Lib) ContQuery(ctx context.Context, coh uint64) (*poolsvc.ContInfo, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return nil, err
	}
	return c.c.Query(ctx)
}

// ContLocal2Global is daos_cont_local2global's blob.
func (l *Lib) ContLocal2Global(coh uint64) ([]byte, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return nil, err
	}
	return c.c.Local2Global()
}

// ContGlobal2Local is daos_cont_global2local through this process's pool
// handle poh.
func (l *Lib) ContGlobal2Local(poh uint64, blob []byte) (uint64, error) {
	p, err := lookup[*pool](l, poh, "pool")
	if err != nil {
		return 0, err
	}
	c, err := p.p.ContainerFromGlobal(blob)
	if err != nil {
		return 0, err
	}
	return l.add(&container{c: c, pool: p})
}

// GenerateOID is daos_obj_generate_oid for container coh: the pool's
// current shape and the container's redundancy factor resolve "X" group
// counts and the default class, so every process of a job that asks with
// the same arguments gets the same id.
func (l *Lib) GenerateOID(coh uint64, oid daos.ObjectID, t placement.OType, cid placement.ClassID, hints placement.Hints) (daos.ObjectID, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return oid, err
	}
	rf := 0
	if c.c.Info != nil {
		if v, ok := c.c.Info.Props["rd_fac"]; ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return oid, daos.Errorf(daos.ErrInval, "container property rd_fac %q: %v", v, err)
			}
			rf = n
		}
	}
	out, err := placement.GenerateOID(oid, t, cid, hints, c.c.Pool.Map().Shape(rf))
	if err != nil {
		return oid, fmt.Errorf("generate oid: %w", err)
	}
	return out, nil
}

// Container is the open container behind coh, for the calls that only
// forward to it (attributes, properties, snapshots, object ids).
func (l *Lib) Container(coh uint64) (*client.Container, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return nil, err
	}
	return c.c, nil
}
