package client

import (
	"context"
	"encoding/binary"
	"sort"

	"github.com/daos-go/daos/pkg/daos"
)

// IOMap is what a fetch found of an array akey within the extents it
// asked for (DAOS's daos_iom_t): the pieces holding data, in index order.
type IOMap struct {
	// Extents are the first pieces (as many as asked to keep); Count
	// is how many there are in all.
	Extents []daos.Recx
	Count   int
	// Lo and Hi are the lowest and highest pieces (zero when none).
	Lo, Hi daos.Recx
}

// ioMapPage is how many extents each listing of DataExtents asks for.
const ioMapPage = 1024

// DataExtents is the I/O map of a fetch of akey's array under dkey over
// recxs as of epoch: each stored extent visible there (as ListRecx gives
// them: every piece of a write not hidden by a later one), cut to each
// recx asked for. The engine's fetch reply does not carry this, so it is
// found by listing the akey's extents from the lowest index asked up to
// the highest one, ioMapPage at a time; keep bounds how many pieces are
// kept (negative: all), the others are only counted.
func (o *Object) DataExtents(ctx context.Context, epoch daos.Epoch, dkey, akey []byte, recxs []daos.Recx, keep int) (IOMap, error) {
	var m IOMap
	asked := make([]daos.Recx, 0, len(recxs))
	for _, r := range recxs {
		if r.Nr > 0 {
			asked = append(asked, r)
		}
	}
	if len(asked) == 0 {
		return m, nil
	}
	sort.Slice(asked, func(i, j int) bool { return asked[i].Idx < asked[j].Idx })
	end := uint64(0)
	for _, r := range asked {
		end = max(end, r.End())
	}
	anchor := binary.BigEndian.AppendUint64(nil, asked[0].Idx)
	for {
		pg, err := o.ListRecx(ctx, epoch, dkey, akey, anchor, ioMapPage)
		if err != nil {
			return IOMap{}, err
		}
		for _, x := range pg.Extents {
			if x.Recx.Idx >= end {
				return m, nil
			}
			m.add(x.Recx, asked, keep)
		}
		if pg.EOF || len(pg.Extents) == 0 {
			return m, nil
		}
		anchor = pg.Anchor
	}
}

// add records the parts of f within the extents asked for (sorted by
// index).
func (m *IOMap) add(f daos.Recx, asked []daos.Recx, keep int) {
	for _, r := range asked {
		if r.Idx >= f.End() {
			break
		}
		lo, hi := max(r.Idx, f.Idx), min(r.End(), f.End())
		if lo >= hi {
			continue
		}
		piece := daos.Recx{Idx: lo, Nr: hi - lo}
		if m.Count == 0 {
			m.Lo = piece
		}
		m.Hi = piece
		m.Count++
		if keep < 0 || len(m.Extents) < keep {
			m.Extents = append(m.Extents, piece)
		}
	}
}
