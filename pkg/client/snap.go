package client

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// Snapshots (daos_cont_create_snap, daos_cont_list_snap,
// daos_cont_destroy_snap). The pool service records them; the epoch is
// the later of this client's hybrid logical clock (past every epoch it
// has written at or been told of) and the service leader's engine's.

// CreateSnap takes a snapshot of the container now, optionally named,
// and returns its epoch. The container must be open for writing.
func (c *Container) CreateSnap(ctx context.Context, name string) (daos.Epoch, error) {
	p, err := c.service()
	if err != nil {
		return 0, fmt.Errorf("container %s create-snap: %w", c.uuid(), err)
	}
	epoch := p.c.Clock.Now()
	var taken daos.Epoch
	if err := p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpSnapCreate, Handle: uuidString(c.Handle), Epoch: epoch, Name: name}, &taken); err != nil {
		return 0, fmt.Errorf("container %s create-snap: %w", c.uuid(), err)
	}
	if taken < epoch {
		taken = epoch // a service that does not say
	}
	p.c.Clock.Update(uint64(taken))
	return taken, nil
}

// ListSnaps lists the container's snapshots in epoch order.
func (c *Container) ListSnaps(ctx context.Context) ([]poolsvc.Snap, error) {
	p, err := c.service()
	if err != nil {
		return nil, fmt.Errorf("container %s list-snaps: %w", c.uuid(), err)
	}
	var out []poolsvc.Snap
	if err := p.query(ctx, poolsvc.Query{What: "snapshots", ID: c.uuid(), Handle: uuidString(c.Handle)}, &out); err != nil {
		return nil, fmt.Errorf("container %s list-snaps: %w", c.uuid(), err)
	}
	return out, nil
}

// DestroySnap destroys one snapshot, found by epoch, by name, or by
// both (then both must match), with its object index table; DER_NONEXIST
// when there is none.
func (c *Container) DestroySnap(ctx context.Context, epoch daos.Epoch, name string) error {
	p, err := c.service()
	if err == nil && epoch == 0 && name == "" {
		err = daos.Errorf(daos.ErrInval, "give a snapshot epoch or name")
	}
	if err == nil {
		// Its object index table goes first, so that a failure leaves
		// the snapshot to destroy again rather than a table nobody finds.
		err = c.dropSnapOIT(ctx, epoch, name)
	}
	if err == nil {
		err = p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpSnapDestroy, Handle: uuidString(c.Handle), Epoch: epoch, Name: name}, nil)
	}
	if err != nil {
		return fmt.Errorf("container %s destroy-snap: %w", c.uuid(), err)
	}
	return nil
}

// DestroySnapRange destroys every snapshot with an epoch in [lo, hi], as
// daos_cont_destroy_snap does with an epoch range, and returns the epochs
// destroyed. An empty range or one holding no snapshot is DER_NONEXIST.
func (c *Container) DestroySnapRange(ctx context.Context, lo, hi daos.Epoch) ([]daos.Epoch, error) {
	if lo > hi {
		return nil, fmt.Errorf("container %s destroy-snap: %w", c.uuid(),
			daos.Errorf(daos.ErrInval, "epoch range %d-%d is empty", lo, hi))
	}
	snaps, err := c.ListSnaps(ctx)
	if err != nil {
		return nil, err
	}
	var done []daos.Epoch
	for _, s := range snaps {
		if s.Epoch < lo || s.Epoch > hi {
			continue
		}
		if err := c.DestroySnap(ctx, s.Epoch, ""); err != nil {
			return done, err
		}
		done = append(done, s.Epoch)
	}
	if len(done) == 0 {
		return nil, fmt.Errorf("container %s destroy-snap: %w", c.uuid(),
			daos.Errorf(daos.ErrNonexist, "no snapshot in epoch range %d-%d", lo, hi))
	}
	return done, nil
}

// dropSnapOIT drops the object index table of the snapshot named by epoch
// or name, when the pool service says it has one (DestroySnap says when
// there is no such snapshot).
func (c *Container) dropSnapOIT(ctx context.Context, epoch daos.Epoch, name string) error {
	snaps, err := c.ListSnaps(ctx)
	if err != nil {
		return err
	}
	for _, s := range snaps {
		if (epoch == 0 || s.Epoch == epoch) && (name == "" || s.Name == name) {
			if !s.OIT {
				return nil
			}
			return c.dropOIT(ctx, s.Epoch)
		}
	}
	return nil
}
