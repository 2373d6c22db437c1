package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// A snapshot's object index table (daos_oit_*): the ids of the objects
// that held data at the snapshot's epoch, kept in an object of type OIT
// with one group of rd_fac+1 replicas whose lo is that epoch, as DAOS
// makes its id. Each id is a dkey of 16 bytes (hi, then lo) holding akey
// "oid"; daos_oit_mark sets akey "mark" beside it. A dkey of another
// length holds the table's header, written last, so that a table whose
// building was cut short is not opened. DAOS's engines build the table;
// here the client does, from ListObjects, when the snapshot is taken,
// and then records in the pool service that the snapshot has one. A
// table goes before its snapshot (DestroySnap).

var (
	oitHeaderDkey = []byte("oit-header")
	oitIDAkey     = []byte("oid")
	oitMarkAkey   = []byte("mark")
)

// OITMarkerMax is DAOS_OIT_MARKER_MAX_LEN: the longest marker.
const OITMarkerMax = 32

// oitWriters bounds the updates in flight while a table is built.
const oitWriters = 16

// OIT is an open object index table.
type OIT struct {
	Epoch daos.Epoch
	c     *Container
	obj   *Object
}

// oitObject is the table object of the snapshot at epoch. Its id does
// not depend on the pool's current shape, so that it is found again
// whatever the pool has become.
func (c *Container) oitObject(epoch daos.Epoch) (*Object, error) {
	rf := 0
	if c.Info != nil {
		if v, ok := c.Info.Props["rd_fac"]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 4 {
				return nil, daos.Errorf(daos.ErrInval, "container property rd_fac %q", v)
			}
			rf = n
		}
	}
	ords := [...]placement.Redun{placement.RP1, placement.RP2, placement.RP3, placement.RP4, placement.RP5}
	id, err := placement.GenerateOID(daos.ObjectID{Lo: uint64(epoch)}, placement.OTOIT,
		placement.ClassDef(ords[rf], 1), 0, placement.PoolShape{RdFac: rf})
	if err != nil {
		return nil, err
	}
	return c.Object(id)
}

// IsOIT reports whether id is an object index table (which listings of a
// container's objects leave out: they are the container's own).
func IsOIT(id daos.ObjectID) bool {
	t := placement.OIDType(id)
	return t == placement.OTOIT || t == placement.OTOITV2
}

func oitKey(id daos.ObjectID) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, id.Hi)
	binary.BigEndian.PutUint64(k[8:], id.Lo)
	return k
}

// BuildOIT records the ids of the objects visible at the snapshot at
// epoch in that snapshot's table (DAOS_SNAP_OPT_OIT). The snapshot must
// exist; building a table that exists already writes the same keys again.
func (c *Container) BuildOIT(ctx context.Context, epoch daos.Epoch) error {
	if err := c.oitBuild(ctx, epoch); err != nil {
		return fmt.Errorf("container %s oit build at %d: %w", c.uuid(), epoch, err)
	}
	return nil
}

func (c *Container) oitBuild(ctx context.Context, epoch daos.Epoch) error {
	if _, err := c.snapAt(ctx, epoch); err != nil {
		return err
	}
	if err := c.oitWrite(ctx, epoch); err != nil {
		// What was written is nobody's: no record says it is there.
		if derr := c.dropOIT(context.WithoutCancel(ctx), epoch); derr != nil {
			err = errors.Join(err, derr)
		}
		return err
	}
	return c.markSnapOIT(ctx, epoch, true)
}

// markSnapOIT records in the pool service whether the snapshot at epoch
// has a table.
func (c *Container) markSnapOIT(ctx context.Context, epoch daos.Epoch, has bool) error {
	p, err := c.service()
	if err != nil {
		return err
	}
	var flags uint64
	if has {
		flags = poolsvc.SnapHasOIT
	}
	return p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpSnapOIT, Handle: uuidString(c.Handle), Epoch: epoch, Flags: flags}, nil)
}

// oitWrite writes the table of the objects visible at epoch.
func (c *Container) oitWrite(ctx context.Context, epoch daos.Epoch) error {
	ids, err := c.ListObjects(ctx, epoch)
	if err != nil {
		return err
	}
	o, err := c.oitObject(epoch)
	if err != nil {
		return err
	}
	// The first error ends the build: the rest are not sent.
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan daos.ObjectID)
	errs := make([]error, oitWriters)
	var wg sync.WaitGroup
	for w := range oitWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				val := oitKey(id)
				iod := daos.IOD{Name: oitIDAkey, Type: daos.IODSingle, Size: uint64(len(val))}
				if _, err := o.Update(bctx, val, []daos.IOD{iod}, [][]byte{val}, 0); err != nil {
					errs[w] = err
					cancel()
					return
				}
			}
		}()
	}
feed:
	for _, id := range ids {
		select {
		case work <- id:
		case <-bctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := firstError(errs, nil); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	hdr := binary.LittleEndian.AppendUint64(nil, uint64(len(ids)))
	iod := daos.IOD{Name: oitIDAkey, Type: daos.IODSingle, Size: uint64(len(hdr))}
	_, err = o.Update(ctx, oitHeaderDkey, []daos.IOD{iod}, [][]byte{hdr}, 0)
	return err
}

// snapAt is the container's snapshot at epoch; DER_NONEXIST when there
// is none.
func (c *Container) snapAt(ctx context.Context, epoch daos.Epoch) (poolsvc.Snap, error) {
	snaps, err := c.ListSnaps(ctx)
	if err != nil {
		return poolsvc.Snap{}, err
	}
	for _, s := range snaps {
		if s.Epoch == epoch {
			return s, nil
		}
	}
	return poolsvc.Snap{}, daos.Errorf(daos.ErrNonexist, "no snapshot at epoch %d", epoch)
}

// dropOIT punches the table of the snapshot at epoch, whole or cut
// short, if there is one.
func (c *Container) dropOIT(ctx context.Context, epoch daos.Epoch) error {
	o, err := c.oitObject(epoch)
	if err != nil {
		return err
	}
	return o.Punch(ctx)
}

// oitComplete reports whether o holds a whole table (its header).
func oitComplete(ctx context.Context, o *Object) (bool, error) {
	sizes, err := o.Sizes(ctx, daos.EpochMax, oitHeaderDkey, []daos.IOD{{Name: oitIDAkey, Type: daos.IODSingle}})
	if err != nil {
		return false, err
	}
	return sizes[0] != 0, nil
}

// OpenOIT opens the table of the snapshot at epoch (daos_oit_open):
// DER_NONEXIST when there is no such snapshot or it has no complete table.
func (c *Container) OpenOIT(ctx context.Context, epoch daos.Epoch) (*OIT, error) {
	t, err := func() (*OIT, error) {
		s, err := c.snapAt(ctx, epoch)
		if err == nil && !s.OIT {
			err = daos.Errorf(daos.ErrNonexist, "the snapshot at epoch %d has no object index table", epoch)
		}
		if err != nil {
			return nil, err
		}
		return c.openOIT(ctx, epoch)
	}()
	if err != nil {
		return nil, fmt.Errorf("container %s oit open at %d: %w", c.uuid(), epoch, err)
	}
	return t, nil
}

// openOIT opens the table at epoch, whose snapshot exists.
func (c *Container) openOIT(ctx context.Context, epoch daos.Epoch) (*OIT, error) {
	o, err := c.oitObject(epoch)
	if err != nil {
		return nil, err
	}
	has, err := oitComplete(ctx, o)
	if err == nil && !has {
		err = daos.Errorf(daos.ErrNonexist, "the snapshot at epoch %d has no object index table", epoch)
	}
	if err != nil {
		return nil, err
	}
	return &OIT{Epoch: epoch, c: c, obj: o}, nil
}

// Destroy punches the table t (daos_cont_snap_oit_destroy); its
// snapshot stays. The record goes after the table: should that fail, the
// table is gone all the same (OpenOIT finds no header) and a later
// DestroySnap punches nothing that matters.
func (t *OIT) Destroy(ctx context.Context) error {
	err := t.obj.Punch(ctx)
	if err == nil && t.c.pool != nil {
		err = t.c.markSnapOIT(ctx, t.Epoch, false)
	}
	if err != nil {
		return fmt.Errorf("oit destroy at %d: %w", t.Epoch, err)
	}
	return nil
}

// List returns up to max ids after anchor (daos_oit_list). With filter,
// only the ids it keeps are returned; it is given each id's marker (nil:
// none) and ends the listing with an error. The anchor moves past every
// id looked at, kept or not.
func (t *OIT) List(ctx context.Context, anchor *Anchor, max int, filter func(daos.ObjectID, []byte) (bool, error)) ([]daos.ObjectID, error) {
	var out []daos.ObjectID
	for !anchor.EOF && len(out) < max {
		// No more keys than there is room for: a key listed is a key
		// the anchor has passed.
		keys, err := t.obj.ListDkeys(ctx, daos.EpochMax, anchor, max-len(out))
		if err != nil {
			return out, fmt.Errorf("oit list: %w", err)
		}
		for _, k := range keys {
			if len(k) != 16 {
				continue // the header
			}
			id := daos.ObjectID{Hi: binary.BigEndian.Uint64(k), Lo: binary.BigEndian.Uint64(k[8:])}
			if filter != nil {
				m, err := t.marker(ctx, k)
				if err != nil {
					return out, fmt.Errorf("oit list: %w", err)
				}
				keep, err := filter(id, m)
				if err != nil {
					return out, err
				}
				if !keep {
					continue
				}
			}
			out = append(out, id)
		}
	}
	return out, nil
}

// marker is the marker of the id whose key is k; nil when it has none.
func (t *OIT) marker(ctx context.Context, k []byte) ([]byte, error) {
	iods := []daos.IOD{{Name: oitMarkAkey, Type: daos.IODSingle}}
	sizes, err := t.obj.Sizes(ctx, daos.EpochMax, k, iods)
	if err != nil || sizes[0] == 0 {
		return nil, err
	}
	if sizes[0] > OITMarkerMax {
		return nil, daos.Errorf(daos.ErrProto, "a marker of %d bytes", sizes[0])
	}
	buf := make([]byte, sizes[0])
	iods[0].Size = sizes[0]
	if _, err := t.obj.Fetch(ctx, daos.EpochMax, k, iods, [][]byte{buf}, 0); err != nil {
		return nil, err
	}
	return buf, nil
}

// Mark sets id's marker (daos_oit_mark); nil clears it. An id not in the
// table is DER_NONEXIST.
func (t *OIT) Mark(ctx context.Context, id daos.ObjectID, marker []byte) error {
	if marker != nil && (len(marker) == 0 || len(marker) > OITMarkerMax) {
		return daos.Errorf(daos.ErrInval, "oit mark: a marker of %d bytes (1 to %d)", len(marker), OITMarkerMax)
	}
	k := oitKey(id)
	sizes, err := t.obj.Sizes(ctx, daos.EpochMax, k, []daos.IOD{{Name: oitIDAkey, Type: daos.IODSingle}})
	if err == nil && sizes[0] == 0 {
		err = daos.Errorf(daos.ErrNonexist, "object %s is not in the table", id)
	}
	if err == nil {
		if marker == nil {
			err = t.obj.PunchAkeys(ctx, k, [][]byte{oitMarkAkey}, 0)
		} else {
			iod := daos.IOD{Name: oitMarkAkey, Type: daos.IODSingle, Size: uint64(len(marker))}
			_, err = t.obj.Update(ctx, k, []daos.IOD{iod}, [][]byte{bytes.Clone(marker)}, 0)
		}
	}
	if err != nil {
		return fmt.Errorf("oit mark %s: %w", id, err)
	}
	return nil
}
