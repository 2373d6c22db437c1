package client

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// Container cloning (daos container clone): every object of a container
// copied into another, object ids, keys and the values visible at one
// epoch, so that the copy reads as the source did then. History (older
// versions, punches) is not copied. The destination should be new: what
// it holds under the same keys is overwritten.

// CloneStats counts what Clone copied.
type CloneStats struct {
	Objects, Dkeys, Akeys uint64
	Bytes                 uint64
}

// Clone page sizes and the largest piece of an array fetched at once.
const (
	cloneDkeyBatch  = 256
	cloneRecxBatch  = 256
	clonePieceBytes = 4 << 20
)

// Clone copies src's objects as of epoch (a snapshot's, so that nothing
// changes underneath; 0 or EpochMax read the newest) into dst. progress,
// if set, is called after each object.
func Clone(ctx context.Context, src, dst *Container, epoch daos.Epoch, progress func(CloneStats)) (CloneStats, error) {
	var st CloneStats
	listAt := epoch
	if listAt == daos.EpochMax {
		listAt = 0
	}
	readAt := epoch
	if readAt == 0 {
		readAt = daos.EpochMax
	}
	oids, err := src.ListObjects(ctx, listAt)
	if err != nil {
		return st, fmt.Errorf("clone: %w", err)
	}
	for _, oid := range oids {
		from, err := src.OpenObject(oid, OORO)
		if err != nil {
			return st, fmt.Errorf("clone object %s: %w", oid, err)
		}
		to, err := dst.OpenObject(oid, OORW)
		if err != nil {
			return st, fmt.Errorf("clone object %s: %w", oid, err)
		}
		if err := cloneObject(ctx, from, to, readAt, &st); err != nil {
			return st, fmt.Errorf("clone object %s: %w", oid, err)
		}
		st.Objects++
		if progress != nil {
			progress(st)
		}
	}
	return st, nil
}

func cloneObject(ctx context.Context, from, to *Object, epoch daos.Epoch, st *CloneStats) error {
	var anchor Anchor
	for !anchor.EOF {
		dkeys, err := from.ListDkeys(ctx, epoch, &anchor, cloneDkeyBatch)
		if err != nil {
			return err
		}
		for _, dk := range dkeys {
			akeys, err := from.ListAkeys(ctx, epoch, dk)
			if err != nil {
				return fmt.Errorf("dkey %q: %w", dk, err)
			}
			for _, ak := range akeys {
				if err := cloneAkey(ctx, from, to, epoch, dk, ak, st); err != nil {
					return fmt.Errorf("dkey %q akey %q: %w", dk, ak, err)
				}
				st.Akeys++
			}
			st.Dkeys++
		}
	}
	return nil
}

// cloneAkey copies one akey: its single value if it has one, else its
// array extents, piece by piece.
func cloneAkey(ctx context.Context, from, to *Object, epoch daos.Epoch, dk, ak []byte, st *CloneStats) error {
	sizes, err := from.Sizes(ctx, epoch, dk, []daos.IOD{{Name: ak, Type: daos.IODSingle}})
	if err != nil {
		return err
	}
	if sizes[0] > 0 {
		iod := daos.IOD{Name: ak, Type: daos.IODSingle, Size: sizes[0]}
		buf := make([]byte, sizes[0])
		if _, err := from.Fetch(ctx, epoch, dk, []daos.IOD{iod}, [][]byte{buf}, 0); err != nil {
			return err
		}
		if _, err := to.Update(ctx, dk, []daos.IOD{iod}, [][]byte{buf}, 0); err != nil {
			return err
		}
		st.Bytes += sizes[0]
		return nil
	}
	var anchor []byte
	for {
		page, err := from.ListRecx(ctx, epoch, dk, ak, anchor, cloneRecxBatch)
		if err != nil {
			return err
		}
		if page.RecordSize == 0 && len(page.Extents) > 0 {
			return daos.Errorf(daos.ErrProto, "extents listed without a record size")
		}
		for _, e := range page.Extents {
			if err := cloneExtent(ctx, from, to, epoch, dk, ak, e.Recx, page.RecordSize, st); err != nil {
				return err
			}
		}
		if page.EOF || len(page.Extents) == 0 {
			return nil
		}
		anchor = page.Anchor
	}
}

// cloneExtent copies the records of r in pieces of at most clonePieceBytes.
func cloneExtent(ctx context.Context, from, to *Object, epoch daos.Epoch, dk, ak []byte, r daos.Recx, rsize uint64, st *CloneStats) error {
	per := max(clonePieceBytes/rsize, 1)
	for idx := r.Idx; idx < r.Idx+r.Nr; {
		n := min(per, r.Idx+r.Nr-idx)
		iod := daos.IOD{Name: ak, Type: daos.IODArray, Size: rsize, Recxs: []daos.Recx{{Idx: idx, Nr: n}}}
		buf := make([]byte, n*rsize)
		if _, err := from.Fetch(ctx, epoch, dk, []daos.IOD{iod}, [][]byte{buf}, 0); err != nil {
			return err
		}
		if _, err := to.Update(ctx, dk, []daos.IOD{iod}, [][]byte{buf}, 0); err != nil {
			return err
		}
		st.Bytes += n * rsize
		idx += n
	}
	return nil
}
