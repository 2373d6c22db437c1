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
	return walkObject(ctx, from, epoch, st, func(dk []byte, iod daos.IOD, data []byte) error {
		_, err := to.Update(ctx, dk, []daos.IOD{iod}, [][]byte{data}, 0)
		return err
	}, nil)
}

// walkObject reads every akey of o as of epoch and hands each single
// value, and each array extent in pieces of at most clonePieceBytes, to
// visit. A failure is returned at once, unless onErr is set: it is then
// told of failures to list a dkey's akeys or to read an akey, and the walk
// goes on when it returns nil.
func walkObject(ctx context.Context, o *Object, epoch daos.Epoch, st *CloneStats,
	visit func(dk []byte, iod daos.IOD, data []byte) error, onErr func(dk, ak []byte, err error) error) error {
	report := func(dk, ak []byte, err error) error {
		if onErr == nil {
			if ak == nil {
				return fmt.Errorf("dkey %q: %w", dk, err)
			}
			return fmt.Errorf("dkey %q akey %q: %w", dk, ak, err)
		}
		return onErr(dk, ak, err)
	}
	var anchor Anchor
	for !anchor.EOF {
		dkeys, err := o.ListDkeys(ctx, epoch, &anchor, cloneDkeyBatch)
		if err != nil {
			return err
		}
		for _, dk := range dkeys {
			akeys, err := o.ListAkeys(ctx, epoch, dk)
			if err != nil {
				if err := report(dk, nil, err); err != nil {
					return err
				}
				continue
			}
			for _, ak := range akeys {
				if err := walkAkey(ctx, o, epoch, dk, ak, st, visit); err != nil {
					if err := report(dk, ak, err); err != nil {
						return err
					}
					continue
				}
				st.Akeys++
			}
			st.Dkeys++
		}
	}
	return nil
}

// walkAkey reads one akey: its single value if it has one, else its array
// extents, piece by piece.
func walkAkey(ctx context.Context, o *Object, epoch daos.Epoch, dk, ak []byte, st *CloneStats,
	visit func(dk []byte, iod daos.IOD, data []byte) error) error {
	sizes, err := o.Sizes(ctx, epoch, dk, []daos.IOD{{Name: ak, Type: daos.IODSingle}})
	if err != nil {
		return err
	}
	if sizes[0] > 0 {
		iod := daos.IOD{Name: ak, Type: daos.IODSingle, Size: sizes[0]}
		buf := make([]byte, sizes[0])
		if _, err := o.Fetch(ctx, epoch, dk, []daos.IOD{iod}, [][]byte{buf}, 0); err != nil {
			return err
		}
		if err := visit(dk, iod, buf); err != nil {
			return err
		}
		st.Bytes += sizes[0]
		return nil
	}
	var anchor []byte
	for {
		page, err := o.ListRecx(ctx, epoch, dk, ak, anchor, cloneRecxBatch)
		if err != nil {
			return err
		}
		if page.RecordSize == 0 && len(page.Extents) > 0 {
			return daos.Errorf(daos.ErrProto, "extents listed without a record size")
		}
		for _, e := range page.Extents {
			if err := walkExtent(ctx, o, epoch, dk, ak, e.Recx, page.RecordSize, st, visit); err != nil {
				return err
			}
		}
		if page.EOF || len(page.Extents) == 0 {
			return nil
		}
		anchor = page.Anchor
	}
}

// walkExtent reads the records of r in pieces of at most clonePieceBytes.
func walkExtent(ctx context.Context, o *Object, epoch daos.Epoch, dk, ak []byte, r daos.Recx, rsize uint64, st *CloneStats,
	visit func(dk []byte, iod daos.IOD, data []byte) error) error {
	per := max(clonePieceBytes/rsize, 1)
	for idx := r.Idx; idx < r.Idx+r.Nr; {
		n := min(per, r.Idx+r.Nr-idx)
		iod := daos.IOD{Name: ak, Type: daos.IODArray, Size: rsize, Recxs: []daos.Recx{{Idx: idx, Nr: n}}}
		buf := make([]byte, n*rsize)
		if _, err := o.Fetch(ctx, epoch, dk, []daos.IOD{iod}, [][]byte{buf}, 0); err != nil {
			return err
		}
		if err := visit(dk, iod, buf); err != nil {
			return err
		}
		st.Bytes += n * rsize
		idx += n
	}
	return nil
}

// CheckProblem is one thing Check could not read.
type CheckProblem struct {
	OID        daos.ObjectID
	Dkey, Akey []byte // empty where the object (or the dkey) failed as a whole
	Err        error
}

// Check reads every object of c as of epoch (0 or EpochMax: the newest),
// every key and value, as DAOS's container check does: a value that
// cannot be read (its checksum does not verify, its target is gone, its
// record is damaged) is a problem, and the walk goes on. It stops early
// only when the objects cannot be listed or ctx ends.
func Check(ctx context.Context, c *Container, epoch daos.Epoch, progress func(CloneStats)) (CloneStats, []CheckProblem, error) {
	var st CloneStats
	var problems []CheckProblem
	listAt, readAt := epoch, epoch
	if listAt == daos.EpochMax {
		listAt = 0
	}
	if readAt == 0 {
		readAt = daos.EpochMax
	}
	oids, err := c.ListObjects(ctx, listAt)
	if err != nil {
		return st, nil, fmt.Errorf("check: %w", err)
	}
	for _, oid := range oids {
		if err := ctx.Err(); err != nil {
			return st, problems, err
		}
		o, err := c.OpenObject(oid, OORO)
		if err == nil {
			err = walkObject(ctx, o, readAt, &st, func([]byte, daos.IOD, []byte) error { return nil },
				func(dk, ak []byte, err error) error {
					problems = append(problems, CheckProblem{OID: oid, Dkey: dk, Akey: ak, Err: err})
					return nil
				})
		}
		if err != nil {
			problems = append(problems, CheckProblem{OID: oid, Err: err})
		}
		st.Objects++
		if progress != nil {
			progress(st)
		}
	}
	return st, problems, nil
}
