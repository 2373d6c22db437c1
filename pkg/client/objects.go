package client

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/placement"
)

// listObjectsBatch is how many ids one enumeration asks a target for.
var listObjectsBatch uint32 = 1024

// ListObjects lists the ids of the container's objects that hold data
// visible at epoch (0: the newest), in ascending (Hi, Lo) order, leaving
// out the snapshots' object index tables. Every
// target of the pool map that serves reads (UP, UPIN, DRAIN) is asked in
// turn, resuming each with its anchor; an object with shards on several
// targets is listed once. Targets that are DOWN, DOWNOUT or NEW hold no
// readable shards and are skipped. A stale pool map is refreshed and the
// walk restarted once.
func (c *Container) ListObjects(ctx context.Context, epoch daos.Epoch) ([]daos.ObjectID, error) {
	for attempt := 0; ; attempt++ {
		out, err := c.listObjects(ctx, epoch)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, daos.ErrStale) || attempt > 0 {
			return nil, fmt.Errorf("container %s list-objects: %w", uuidString(c.UUID), err)
		}
		if rerr := c.Pool.Refresh(ctx); rerr != nil {
			return nil, fmt.Errorf("container %s list-objects: %w", uuidString(c.UUID), errors.Join(err, rerr))
		}
	}
}

func (c *Container) listObjects(ctx context.Context, epoch daos.Epoch) ([]daos.ObjectID, error) {
	pm := c.Pool.Map()
	if pm == nil {
		return nil, daos.Errorf(daos.ErrUninit, "no pool map")
	}
	seen := map[daos.ObjectID]struct{}{}
	for _, rk := range pm.Ranks() {
		for idx, st := range rk.States {
			if st != placement.StateUp && st != placement.StateUpIn && st != placement.StateDrain {
				continue
			}
			u, err := c.Pool.uri(rk.Rank)
			if err != nil {
				return nil, err
			}
			shard := objclient.Shard{URI: u, Target: uint32(idx)}
			h := objproto.Header{Pool: c.Pool.UUID, Cont: c.UUID, ContHandle: c.Handle, MapVersion: pm.Version(),
				Target: uint32(idx), Epoch: epoch}
			var anchor []byte
			for {
				resp, err := c.IO.Enumerate(ctx, shard, objproto.EnumReq{Header: h, Kind: objproto.EnumObjects,
					Anchor: anchor, Max: listObjectsBatch})
				if err != nil {
					return nil, fmt.Errorf("rank %d target %d: %w", rk.Rank, idx, err)
				}
				for _, o := range resp.OIDs {
					if !IsOIT(o) { // the snapshots' tables are the container's own
						seen[o] = struct{}{}
					}
				}
				if resp.EOF {
					break
				}
				if len(resp.OIDs) == 0 && slices.Equal(resp.Anchor, anchor) {
					return nil, daos.Errorf(daos.ErrProto, "rank %d target %d: enumeration made no progress", rk.Rank, idx)
				}
				anchor = resp.Anchor
			}
		}
	}
	out := make([]daos.ObjectID, 0, len(seen))
	for o := range seen {
		out = append(out, o)
	}
	slices.SortFunc(out, daos.ObjectID.Compare)
	return out, nil
}
