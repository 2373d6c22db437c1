package vos

import (
	"encoding/binary"
	"fmt"

	"github.com/google/btree"

	"github.com/daos-go/daos/pkg/daos"
)

// Anchor is a position in an enumeration. The zero value starts at the
// beginning; each call moves it past what it returned; EOF is set once
// nothing is left. It is plain data so it can travel in RPCs.
type Anchor struct {
	// Key is the last key returned (for extents, the next record index as
	// 8 big-endian bytes).
	Key []byte
	EOF bool
}

// ReadOptions qualify enumerations and queries.
type ReadOptions struct {
	// Tx lets a transaction see its own uncommitted writes.
	Tx TxID
}

func checkPage(max int) error {
	if max <= 0 {
		return daos.Errorf(daos.ErrInval, "page size %d must be positive", max)
	}
	return nil
}

func oidKey(o daos.ObjectID) []byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], o.Hi)
	binary.BigEndian.PutUint64(b[8:], o.Lo)
	return b[:]
}

// ListObjects returns up to max objects of the container that hold data as
// of epoch, in object id order, after the anchor.
func (p *Pool) ListObjects(cont ContainerID, epoch daos.Epoch, anchor *Anchor, max int, opts ReadOptions) ([]daos.ObjectID, error) {
	if err := checkPage(max); err != nil {
		return nil, fmt.Errorf("list objects of %s: %w", cont, err)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.readableContainer(cont)
	if err != nil {
		return nil, fmt.Errorf("list objects: %w", err)
	}
	v := view{epoch: epoch, tx: opts.Tx}
	var out []daos.ObjectID
	start := &object{}
	if anchor.Key != nil {
		if len(anchor.Key) != 16 {
			return nil, fmt.Errorf("list objects of %s: %w", cont, daos.Errorf(daos.ErrInval, "anchor of %d bytes is not an object anchor", len(anchor.Key)))
		}
		start.oid = daos.ObjectID{Hi: binary.BigEndian.Uint64(anchor.Key[:8]), Lo: binary.BigEndian.Uint64(anchor.Key[8:])}
	}
	full := false
	c.objs.AscendGreaterOrEqual(start, func(o *object) bool {
		if anchor.Key != nil && o.oid == start.oid {
			return true
		}
		if len(out) == max {
			full = true
			return false
		}
		if o.exists(v) {
			out = append(out, o.oid)
			anchor.Key = oidKey(o.oid)
		}
		return true
	})
	anchor.EOF = !full
	return out, nil
}

// ListDkeys returns up to max dkeys of the object that hold data as of
// epoch, in key order, after the anchor.
func (p *Pool) ListDkeys(cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, anchor *Anchor, max int, opts ReadOptions) ([][]byte, error) {
	if err := checkPage(max); err != nil {
		return nil, fmt.Errorf("list dkeys of %s/%s: %w", cont, oid, err)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.readableContainer(cont)
	if err != nil {
		return nil, fmt.Errorf("list dkeys: %w", err)
	}
	v := view{epoch: epoch, tx: opts.Tx}
	o := c.object(oid, false)
	if o == nil {
		anchor.EOF = true
		return nil, nil
	}
	floor := v.floor(0, o.punches)
	from := o.dkeys.AscendGreaterOrEqual
	if anchor.Key == nil {
		// In hash order the empty name is not necessarily first.
		from = func(_ *dkey, fn btree.ItemIteratorG[*dkey]) { o.dkeys.Ascend(fn) }
	}
	return pageKeys(from, &dkey{name: string(anchor.Key)}, anchor, max,
		func(d *dkey) string { return d.name }, func(d *dkey) bool { return d.exists(v, floor) }), nil
}

// pageKeys walks keys from the anchor and returns up to max of those that
// hold data, moving the anchor past them and setting EOF when the walk
// ended before the page filled.
func pageKeys[T any](from func(T, btree.ItemIteratorG[T]), pivot T, anchor *Anchor, max int,
	name func(T) string, holdsData func(T) bool) [][]byte {
	var names []string
	full := false
	from(pivot, func(k T) bool {
		if anchor.Key != nil && name(k) == string(anchor.Key) {
			return true
		}
		if len(names) == max {
			full = true
			return false
		}
		if holdsData(k) {
			names = append(names, name(k))
		}
		return true
	})
	anchor.EOF = !full
	if len(names) == 0 {
		return nil
	}
	// The page's names share one buffer, and the anchor is set once.
	size := 0
	for _, n := range names {
		size += len(n)
	}
	buf := make([]byte, 0, size)
	out := make([][]byte, len(names))
	for i, n := range names {
		buf = append(buf, n...)
		out[i] = buf[len(buf)-len(n) : len(buf) : len(buf)]
	}
	anchor.Key = []byte(names[len(names)-1])
	return out
}

// ListAkeys returns up to max akeys of the dkey that hold data as of epoch,
// in key order, after the anchor.
func (p *Pool) ListAkeys(cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, dkeyName []byte, anchor *Anchor, max int, opts ReadOptions) ([][]byte, error) {
	if err := checkPage(max); err != nil {
		return nil, fmt.Errorf("list akeys of %s/%s: %w", cont, oid, err)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.readableContainer(cont)
	if err != nil {
		return nil, fmt.Errorf("list akeys: %w", err)
	}
	v := view{epoch: epoch, tx: opts.Tx}
	d, floor := lookupDkey(c, oid, string(dkeyName), v)
	if d == nil {
		anchor.EOF = true
		return nil, nil
	}
	return pageKeys(d.akeys.AscendGreaterOrEqual, &akey{name: string(anchor.Key)}, anchor, max,
		func(a *akey) string { return a.name }, func(a *akey) bool { return a.exists(v, floor) }), nil
}

// lookupDkey finds a dkey and the punch floor that applies to its akeys.
func lookupDkey(c *container, oid daos.ObjectID, name string, v view) (*dkey, daos.Epoch) {
	o := c.object(oid, false)
	if o == nil {
		return nil, 0
	}
	d := o.dkey(name, false)
	if d == nil {
		return nil, 0
	}
	return d, v.floor(v.floor(0, o.punches), d.punchList())
}

// lookupAkey finds an akey and the punch floor that applies to its values.
func lookupAkey(c *container, oid daos.ObjectID, dk, ak string, v view) (*akey, daos.Epoch) {
	d, floor := lookupDkey(c, oid, dk, v)
	if d == nil {
		return nil, 0
	}
	a := d.akey(ak, false)
	if a == nil {
		return nil, 0
	}
	return a, v.floor(floor, a.punchList())
}

// ListRecx returns up to max written pieces of an array akey as of epoch,
// in index order, after the anchor, with the epoch each piece was written
// at, and the record size.
func (p *Pool) ListRecx(cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, dkeyName, akeyName []byte, anchor *Anchor, max int, opts ReadOptions) ([]ExtentInfo, uint64, error) {
	if err := checkPage(max); err != nil {
		return nil, 0, fmt.Errorf("list extents of %s/%s: %w", cont, oid, err)
	}
	from := uint64(0)
	if anchor.Key != nil {
		if len(anchor.Key) != 8 {
			return nil, 0, fmt.Errorf("list extents of %s/%s: %w", cont, oid, daos.Errorf(daos.ErrInval, "anchor of %d bytes is not an extent anchor", len(anchor.Key)))
		}
		from = binary.BigEndian.Uint64(anchor.Key)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.readableContainer(cont)
	if err != nil {
		return nil, 0, fmt.Errorf("list extents: %w", err)
	}
	v := view{epoch: epoch, tx: opts.Tx}
	a, floor := lookupAkey(c, oid, string(dkeyName), string(akeyName), v)
	anchor.EOF = true
	if a == nil {
		return nil, 0, nil
	}
	frags := visibleFragments(a.extents(), v, floor, daos.Recx{Idx: from, Nr: ^uint64(0) - from})
	var out []ExtentInfo
	rsize := uint64(0)
	for i, f := range frags {
		if i == max {
			anchor.EOF = false
			break
		}
		out = append(out, ExtentInfo{Recx: f.recx, Epoch: f.rec.epoch})
		rsize = f.rec.rsize
		anchor.Key = binary.BigEndian.AppendUint64(nil, f.recx.End())
	}
	return out, rsize, nil
}

// What QueryKey finds missing: an ordinary answer (an array's empty
// groups give it on every size query), so made once rather than
// formatted per call.
var (
	errQueryNoObject = daos.Errorf(daos.ErrNonexist, "query key: the object has no data here")
	errQueryNoDkey   = daos.Errorf(daos.ErrNonexist, "query key: no such dkey")
	errQueryNoAkey   = daos.Errorf(daos.ErrNonexist, "query key: no such akey")
	errQueryNoExtent = daos.Errorf(daos.ErrNonexist, "query key: the akey has no array extent")
)

// QueryResult is what QueryKey found.
type QueryResult struct {
	Dkey []byte
	Akey []byte
	Recx daos.Recx
	// MaxEpoch is the newest change (update or punch) to the object.
	MaxEpoch daos.Epoch
}

// maxEpochOf is QueryKey's GetMaxEpoch: the newest change to oid here; an
// object with none is DER_NONEXIST, as for any query.
func (p *Pool) maxEpochOf(cont ContainerID, oid daos.ObjectID) (QueryResult, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.readableContainer(cont)
	if err != nil {
		return QueryResult{}, fmt.Errorf("query max epoch of %s/%s: %w", cont, oid, err)
	}
	o := c.object(oid, false)
	if o == nil {
		return QueryResult{}, errQueryNoObject
	}
	return QueryResult{MaxEpoch: o.newest}, nil
}

// QueryKey finds the greatest (GetMax) or least (GetMin) dkey (GetDkey),
// akey within it (GetAkey) and written extent of the akey (GetRecx) as of
// epoch; keys not asked for are taken from the arguments. With GetDkey
// and GetRecx for a given akey, the dkey is the extreme one holding an
// extent of that akey. Nothing found is DER_NONEXIST.
func (p *Pool) QueryKey(cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, flags daos.QueryFlags, dkeyName, akeyName []byte, opts ReadOptions) (QueryResult, error) {
	// Formatted only on failure: this is on every call's path.
	failed := func(err error) error { return fmt.Errorf("query key of %s/%s: %w", cont, oid, err) }
	if flags == daos.GetMaxEpoch {
		return p.maxEpochOf(cont, oid)
	}
	wantMax := flags&daos.GetMax != 0
	if wantMax == (flags&daos.GetMin != 0) {
		return QueryResult{}, failed(daos.Errorf(daos.ErrInval, "flags %#x must hold exactly one of GET_MAX and GET_MIN", uint32(flags)))
	}
	if flags&(daos.GetDkey|daos.GetAkey|daos.GetRecx) == 0 {
		return QueryResult{}, failed(daos.Errorf(daos.ErrInval, "flags %#x ask for nothing", uint32(flags)))
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.readableContainer(cont)
	if err != nil {
		return QueryResult{}, failed(err)
	}
	v := view{epoch: epoch, tx: opts.Tx}
	res := QueryResult{Dkey: dkeyName, Akey: akeyName}
	o := c.object(oid, false)
	if o == nil {
		return res, errQueryNoObject
	}
	res.MaxEpoch = o.newest
	floor := v.floor(0, o.punches)
	var d *dkey
	if flags&daos.GetDkey != 0 {
		exists := func(d *dkey) bool { return d.exists(v, floor) }
		if flags&(daos.GetAkey|daos.GetRecx) == daos.GetRecx {
			// The akey is given and an extent of it is wanted: the
			// extreme dkey that has one (an array's size is its
			// greatest chunk holding records, not one holding only
			// metadata or punched cells).
			exists = func(d *dkey) bool {
				if !d.exists(v, floor) {
					return false
				}
				a := d.akey(string(akeyName), false)
				afloor := v.floor(floor, d.punchList())
				return a != nil && a.exists(v, afloor) &&
					len(visibleFragments(a.extents(), v, v.floor(afloor, a.punchList()), daos.Recx{Idx: 0, Nr: ^uint64(0)})) > 0
			}
		}
		if o.dkeys.order == orderHash {
			d = lexicalExtreme(o.dkeys.Ascend, wantMax, exists)
		} else {
			d = extremeKey(o.dkeys.Ascend, o.dkeys.Descend, wantMax, exists)
		}
		if d != nil {
			res.Dkey = []byte(d.name)
		}
	} else if d = o.dkey(string(dkeyName), false); d != nil && !d.exists(v, floor) {
		d = nil
	}
	if d == nil {
		return res, errQueryNoDkey
	}
	if flags&(daos.GetAkey|daos.GetRecx) == 0 {
		return res, nil
	}
	afloor := v.floor(floor, d.punchList())
	var a *akey
	if flags&daos.GetAkey != 0 {
		a = extremeKey(d.akeys.Ascend, d.akeys.Descend, wantMax, func(a *akey) bool { return a.exists(v, afloor) })
		if a != nil {
			res.Akey = []byte(a.name)
		}
	} else if a = d.akey(string(akeyName), false); a != nil && !a.exists(v, afloor) {
		a = nil
	}
	if a == nil {
		return res, errQueryNoAkey
	}
	if flags&daos.GetRecx == 0 {
		return res, nil
	}
	frags := visibleFragments(a.extents(), v, v.floor(afloor, a.punchList()), daos.Recx{Idx: 0, Nr: ^uint64(0)})
	if len(frags) == 0 {
		return res, errQueryNoExtent
	}
	if wantMax {
		res.Recx = frags[len(frags)-1].recx
	} else {
		res.Recx = frags[0].recx
	}
	return res, nil
}

// lexicalExtreme is the byte-wise greatest or least dkey that holds data,
// for objects whose dkeys are in hash order: every dkey must be looked at.
func lexicalExtreme(all func(btree.ItemIteratorG[*dkey]), wantMax bool, ok func(*dkey) bool) *dkey {
	var found *dkey
	all(func(d *dkey) bool {
		if (found == nil || (d.name > found.name) == wantMax) && ok(d) {
			found = d
		}
		return true
	})
	return found
}

// extremeKey walks keys from the wanted end and returns the first that
// holds data.
func extremeKey[T any](asc, desc func(btree.ItemIteratorG[T]), wantMax bool, ok func(T) bool) T {
	var found T
	walk := asc
	if wantMax {
		walk = desc
	}
	hit := false
	walk(func(k T) bool {
		if ok(k) {
			found, hit = k, true
		}
		return !hit
	})
	return found
}
