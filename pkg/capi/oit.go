package capi

import (
	"context"
	"errors"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// oitHandle is what an object index table handle holds (daos_oit_open).
type oitHandle struct {
	t    *client.OIT
	cont *container
}

// SnapOpt is daos_cont_create_snap_opt with DAOS_SNAP_OPT_CR: a snapshot
// and, with table, its object index table; it returns the snapshot's
// epoch. Both or neither: a table that cannot be built takes the new
// snapshot with it.
func (l *Lib) SnapOpt(ctx context.Context, coh uint64, name string, table bool) (daos.Epoch, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return 0, err
	}
	epoch, err := c.c.CreateSnap(ctx, name)
	if err != nil || !table {
		return epoch, err
	}
	if err := c.c.BuildOIT(ctx, epoch); err != nil {
		if derr := c.c.DestroySnap(context.WithoutCancel(ctx), epoch, ""); derr != nil {
			err = errors.Join(err, derr)
		}
		return 0, err
	}
	return epoch, nil
}

// SnapOIT is daos_cont_snap_oit_create: the table of the snapshot at epoch.
func (l *Lib) SnapOIT(ctx context.Context, coh uint64, epoch daos.Epoch) error {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return err
	}
	return c.c.BuildOIT(ctx, epoch)
}

// OITOpen is daos_oit_open.
func (l *Lib) OITOpen(ctx context.Context, coh uint64, epoch daos.Epoch) (uint64, error) {
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return 0, err
	}
	t, err := c.c.OpenOIT(ctx, epoch)
	if err != nil {
		return 0, err
	}
	return l.add(&oitHandle{t: t, cont: c})
}

// OITClose is daos_oit_close.
func (l *Lib) OITClose(oh uint64) error {
	_, err := remove[*oitHandle](l, oh, "oit")
	return err
}

// OIT is the open table behind oh.
func (l *Lib) OIT(oh uint64) (*client.OIT, error) {
	h, err := lookup[*oitHandle](l, oh, "oit")
	if err != nil {
		return nil, err
	}
	return h.t, nil
}

// OITList lists up to max ids of t after a (daos_oit_list and, with
// filter, its filtered forms) and returns the anchor to go on from.
func (l *Lib) OITList(ctx context.Context, t *client.OIT, a Anchor, max int, filter func(daos.ObjectID, []byte) (bool, error)) ([]daos.ObjectID, Anchor, error) {
	if a.EOF {
		return nil, a, nil
	}
	from, err := l.resume(a)
	if err != nil {
		return nil, a, err
	}
	ca := &client.Anchor{Group: a.Group, Key: from}
	ids, err := t.List(ctx, ca, max, filter)
	if err != nil {
		return nil, a, err
	}
	if ca.EOF {
		return ids, Anchor{EOF: true}, nil
	}
	return ids, l.anchorAt(ca.Group, ca.Key), nil
}
