package client

import (
	"context"
	"encoding/binary"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/objproto"
)

// ListRecxDecreasing is ListRecx in decreasing index order (DAOS's
// daos_obj_list_recx with incr_order false): up to max extents of akey
// under dkey below anchor (nil: from the end). The page's Anchor (8
// bytes) is the index of its lowest extent: the next page lists the
// extents below it.
//
// The engine lists extents only upwards, so each page walks the akey's
// extents from the start, max at a time, and keeps the last max below
// the anchor: memory stays within twice the page, as with ListRecx, at
// the cost of listing the extents under the page again for every page.
func (o *Object) ListRecxDecreasing(ctx context.Context, epoch daos.Epoch, dkey, akey, anchor []byte, max int) (RecxPage, error) {
	if max <= 0 {
		return RecxPage{}, daos.Errorf(daos.ErrInval, "list recx: room for %d extents", max)
	}
	if anchor != nil && len(anchor) != 8 {
		return RecxPage{}, daos.Errorf(daos.ErrInval, "list recx: anchor of %d bytes is not a decreasing listing's", len(anchor))
	}
	return lastBelow(anchor, max, func(a []byte) (RecxPage, error) {
		return o.ListRecx(ctx, epoch, dkey, akey, a, max)
	})
}

// lastBelow pages upwards through next and keeps the last max extents
// starting below the index in anchor (all of them when anchor is nil),
// an extent reaching past it cut there; they come out highest first.
func lastBelow(anchor []byte, max int, next func(a []byte) (RecxPage, error)) (RecxPage, error) {
	hi, bounded := uint64(0), anchor != nil
	if bounded {
		hi = binary.BigEndian.Uint64(anchor)
	}
	var keep []objproto.Extent
	var rsize uint64
	total := 0
	var a []byte
	for done := false; !done; {
		pg, err := next(a)
		if err != nil {
			return RecxPage{}, err
		}
		for _, x := range pg.Extents {
			if bounded && x.Recx.Idx >= hi {
				done = true
				break
			}
			if bounded && x.Recx.Idx+x.Recx.Nr > hi {
				x.Recx.Nr = hi - x.Recx.Idx
			}
			keep = append(keep, x)
			total++
			if len(keep) >= 2*max {
				keep = append(keep[:0], keep[len(keep)-max:]...)
			}
		}
		if pg.RecordSize != 0 {
			rsize = pg.RecordSize
		}
		if pg.EOF || len(pg.Extents) == 0 {
			done = true
		}
		a = pg.Anchor
	}
	if len(keep) > max {
		keep = keep[len(keep)-max:]
	}
	out := RecxPage{Extents: make([]objproto.Extent, len(keep)), RecordSize: rsize, EOF: total <= max}
	for i, x := range keep {
		out.Extents[len(keep)-1-i] = x
	}
	if len(keep) > 0 {
		out.Anchor = binary.BigEndian.AppendUint64(nil, keep[0].Recx.Idx)
	}
	return out, nil
}
