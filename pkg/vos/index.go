package vos

import (
	"cmp"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/google/btree"

	"github.com/daos-go/daos/pkg/daos"
)

// TxID names a transaction at this target; 0 means "not in a transaction"
// (or already committed).
type TxID uint64

// btreeDegree: 32 measured best of 8-64 for memory per key and random
// lookups (keys inserted in order leave nodes half full at any degree).
const btreeDegree = 32

// value is where a stored value's bytes live: inline in SCM (the index; a
// string, immutable and two words), or an extent on the NVMe device (ext
// non-nil; most values are small, so the extent is kept out of line).
type value struct {
	inline string
	ext    *extent
}

// opValue is a value in an operation on its way in: the caller's (or the
// journal record's) bytes, or where they were written on NVMe.
type opValue struct {
	inline []byte
	ext    *extent
}

// bytes returns a copy of the inline bytes; nil for an empty value.
func (v value) bytes() []byte {
	if v.inline == "" {
		return nil
	}
	return []byte(v.inline)
}

func (v opValue) length() uint64 {
	if v.ext != nil {
		return v.ext.Len
	}
	return uint64(len(v.inline))
}

// stored is the value as the index keeps it: the bytes are copied, so the
// caller's buffer (or the journal record) is not retained.
func (v opValue) stored() value { return value{inline: string(v.inline), ext: v.ext} }

// onNVMe reports whether the bytes are on the NVMe device.
func (v value) onNVMe() bool { return v.ext != nil }

// length is the value's size in bytes.
func (v value) length() uint64 {
	if v.ext != nil {
		return v.ext.Len
	}
	return uint64(len(v.inline))
}

// extent is a byte range on the NVMe device; zero Len means none. CRC is
// the CRC-32C of the bytes, checked on every read so that damaged media
// is reported (DER_CSUM) instead of returned.
type extent struct {
	Off uint64
	Len uint64
	CRC uint32
}

// stamp is what every version carries: its epoch and, while uncommitted,
// its transaction.
type stamp struct {
	epoch daos.Epoch
	tx    TxID
}

// svRec is one version of a single value. Size 0 is a tombstone: DAOS
// treats an update of size 0 as removing the value. The checksum, rare,
// is behind a pointer, which keeps the record at 48 bytes.
type svRec struct {
	stamp
	val  value
	csum *string
}

func csumPtr(c []byte) *string {
	if len(c) == 0 {
		return nil
	}
	s := string(c)
	return &s
}

func csumOf(c *string) string {
	if c == nil {
		return ""
	}
	return *c
}

// size is the value's size; 0 for a tombstone.
func (r *svRec) size() uint64 { return r.val.length() }

// arrRec is one array extent written at one epoch. A record size of 0
// marks a punched range: it hides older records and reads as a hole.
type arrRec struct {
	stamp
	recx  daos.Recx
	rsize uint64
	val   value
	csum  string
}

// bytes is the extent's size in bytes.
func (r *arrRec) bytes() uint64 { return r.recx.Nr * r.rsize }

type akey struct {
	name string
	svs  []svRec // ascending epoch; same-epoch versions in apply order
	// more holds what most akeys never have, punches and array extents,
	// so that a single-value akey stays small.
	more *akeyMore
}

type akeyMore struct {
	punches []stamp
	arr     []arrRec // in apply order: later wins among equal epochs
}

func (a *akey) punchList() []stamp {
	if a.more == nil {
		return nil
	}
	return a.more.punches
}

func (a *akey) extents() []arrRec {
	if a.more == nil {
		return nil
	}
	return a.more.arr
}

func (a *akey) setPunches(ps []stamp) {
	if a.more == nil {
		if len(ps) == 0 {
			return
		}
		a.more = &akeyMore{}
	}
	a.more.punches = ps
	a.dropEmptyMore()
}

func (a *akey) setExtents(rs []arrRec) {
	if a.more == nil {
		if len(rs) == 0 {
			return
		}
		a.more = &akeyMore{}
	}
	a.more.arr = rs
	a.dropEmptyMore()
}

func (a *akey) dropEmptyMore() {
	if len(a.more.punches) == 0 && len(a.more.arr) == 0 {
		a.more = nil
	}
}

type dkey struct {
	name  string
	akeys akeySet // with the dkey's punches, which few dkeys have
}

// dkeyBundle is a dkey allocated together with its first akey and room
// for one single-value version: the usual new dkey (one akey, one value)
// then costs one allocation instead of three, and a fetch finds all three
// in adjacent memory. Later versions or akeys are allocated as usual; the
// bundled parts stay valid as long as the dkey lives.
type dkeyBundle struct {
	d  dkey
	a  akey
	sv [1]svRec
}

// bundleTail is a dkeyBundle followed by bytes that hold the dkey's name
// and, when small, its first value, so that a lookup and the copy of the
// value touch one allocation. The sizes are the allocator's size classes
// from 144 to 240 bytes, so the tail costs no more than the two small
// allocations it replaces. A first value kept here lives as long as the
// dkey, even after newer versions replace it: that is why only values up
// to maxBundledValue go here.
type bundleTail[T any] struct {
	dkeyBundle
	tail T
}

// maxBundledValue is the largest first value kept in a bundle's tail.
const maxBundledValue = 64

// newDkeyWithAkey makes dkey name holding one akey aname. If first is not
// nil, its bytes are stored with the dkey and returned as firstVal (for
// the caller's first version); ok reports whether they were.
func newDkeyWithAkey(name, aname string, first []byte) (d *dkey, a *akey, firstVal string, ok bool) {
	var b *dkeyBundle
	var tail []byte
	switch need := len(name) + len(first); {
	case need <= 16:
		b, tail = withTail[[16]byte]()
	case need <= 32:
		b, tail = withTail[[32]byte]()
	case need <= 48:
		b, tail = withTail[[48]byte]()
	case need <= 64:
		b, tail = withTail[[64]byte]()
	case need <= 80:
		b, tail = withTail[[80]byte]()
	case need <= 112:
		b, tail = withTail[[112]byte]()
	default:
		b = &dkeyBundle{}
	}
	if tail != nil {
		n := copy(tail, name)
		b.d.name = unsafe.String(&tail[0], n)
		if len(first) > 0 {
			copy(tail[n:], first)
			firstVal, ok = unsafe.String(&tail[n], len(first)), true
		}
	} else {
		b.d.name = strings.Clone(name)
	}
	b.a.name = aname
	b.a.svs = b.sv[:0]
	b.d.akeys.one = &b.a
	return &b.d, &b.a, firstVal, ok
}

func withTail[T any]() (*dkeyBundle, []byte) {
	t := &bundleTail[T]{}
	return &t.dkeyBundle, unsafe.Slice((*byte)(unsafe.Pointer(&t.tail)), unsafe.Sizeof(t.tail))
}

func (d *dkey) punchList() []stamp    { return d.akeys.punches() }
func (d *dkey) setPunches(ps []stamp) { d.akeys.setPunches(ps) }

type object struct {
	oid     daos.ObjectID
	punches []stamp
	dkeys   dkeyTree
	// newest is the highest epoch of any update or punch of the object
	// (daos_array_stat's max epoch: a file's modification time).
	newest daos.Epoch
}

// noteWrite records a change at epoch.
func (o *object) noteWrite(epoch daos.Epoch) { o.newest = max(o.newest, epoch) }

func newObject(oid daos.ObjectID) *object {
	return &object{oid: oid, dkeys: newDkeyTree(dkeyOrderOf(oid))}
}

// objectSet is a container's objects: a B-tree in object id order for
// enumeration and a map for lookups, which are far more frequent and
// should neither search the tree nor allocate a search key.
type objectSet struct {
	tree *btree.BTreeG[*object]
	byID map[daos.ObjectID]*object
	// last is the object found last: I/O tends to stay on one object for
	// a while, and checking it is cheaper than hashing the id. Readers
	// holding the pool's read lock set it concurrently, hence atomic;
	// Delete clears it under the write lock.
	last *atomic.Pointer[object]
}

func newObjectSet() objectSet {
	return objectSet{tree: btree.NewG(btreeDegree, objLess), byID: make(map[daos.ObjectID]*object), last: new(atomic.Pointer[object])}
}

func (s objectSet) Get(oid daos.ObjectID) *object {
	if o := s.last.Load(); o != nil && o.oid == oid {
		return o
	}
	o := s.byID[oid]
	if o != nil {
		s.last.Store(o)
	}
	return o
}
func (s objectSet) Has(o *object) bool { return s.byID[o.oid] != nil }
func (s objectSet) Len() int           { return len(s.byID) }

func (s objectSet) ReplaceOrInsert(o *object) {
	s.tree.ReplaceOrInsert(o)
	s.byID[o.oid] = o
	s.last.Store(o) // it may replace the cached one
}

func (s objectSet) Delete(o *object) {
	s.tree.Delete(o)
	delete(s.byID, o.oid)
	s.last.CompareAndSwap(o, nil)
}

func (s objectSet) Ascend(fn btree.ItemIteratorG[*object]) { s.tree.Ascend(fn) }

func (s objectSet) AscendGreaterOrEqual(pivot *object, fn btree.ItemIteratorG[*object]) {
	s.tree.AscendGreaterOrEqual(pivot, fn)
}

func newDkey(name string) *dkey { return &dkey{name: name} }

func objLess(a, b *object) bool { return a.oid.Less(b.oid) }

// view is what one read sees: versions at or below epoch, committed or of
// its own transaction.
type view struct {
	epoch daos.Epoch
	tx    TxID
}

// visible reports whether a version stamped s is in the view, ignoring
// punches.
func (v view) visible(s stamp) bool {
	return s.epoch <= v.epoch && (s.tx == 0 || s.tx == v.tx)
}

// floor is the newest punch in the view among punches, or base if that is
// newer. Versions at or below the floor are hidden.
func (v view) floor(base daos.Epoch, punches []stamp) daos.Epoch {
	f := base
	for _, p := range punches {
		if p.epoch > f && v.visible(p) {
			f = p.epoch
		}
	}
	return f
}

// newestSV is the index of the newest single-value version in the view
// above floor, or -1.
func (a *akey) newestSV(v view, floor daos.Epoch) int {
	for i := len(a.svs) - 1; i >= 0; i-- {
		s := &a.svs[i]
		if s.epoch <= floor {
			return -1
		}
		if v.visible(s.stamp) {
			return i
		}
	}
	return -1
}

// exists reports whether the akey has data in the view: a non-tombstone
// single value, or an array extent with data.
func (a *akey) exists(v view, floor daos.Epoch) bool {
	floor = v.floor(floor, a.punchList())
	if i := a.newestSV(v, floor); i >= 0 && a.svs[i].size() > 0 {
		return true
	}
	return len(visibleFragments(a.extents(), v, floor, daos.Recx{Idx: 0, Nr: ^uint64(0)})) > 0
}

func (d *dkey) exists(v view, floor daos.Epoch) bool {
	floor = v.floor(floor, d.punchList())
	found := false
	d.akeys.Ascend(func(a *akey) bool {
		found = a.exists(v, floor)
		return !found
	})
	return found
}

func (o *object) exists(v view) bool {
	floor := v.floor(0, o.punches)
	found := false
	o.dkeys.Ascend(func(d *dkey) bool {
		found = d.exists(v, floor)
		return !found
	})
	return found
}

// fragment is a visible piece of an array: records [recx) come from rec.
type fragment struct {
	recx daos.Recx
	rec  *arrRec
}

// visibleFragments paints the records in the view above floor, newest
// first, over the range want and returns the pieces that hold data, in
// index order. Punched ranges (record size 0) hide what is below them and
// are not returned.
func visibleFragments(recs []arrRec, v view, floor daos.Epoch, want daos.Recx) []fragment {
	// Candidates newest first: higher epoch, then later in apply order.
	var cand []int
	for i := range recs {
		r := &recs[i]
		if r.epoch > floor && v.visible(r.stamp) && r.recx.Overlaps(want) {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return nil
	}
	sortNewestFirst(recs, cand)
	// covered holds disjoint painted ranges in index order.
	var covered []fragment
	for _, i := range cand {
		r := &recs[i]
		lo, hi := max(r.recx.Idx, want.Idx), min(r.recx.End(), want.End())
		for _, gap := range gaps(covered, lo, hi) {
			covered = insertFragment(covered, fragment{recx: gap, rec: r})
		}
	}
	out := covered[:0]
	for _, f := range covered {
		if f.rec.rsize > 0 {
			out = append(out, f)
		}
	}
	return out
}

// sortNewestFirst orders record indexes by epoch descending; among equal
// epochs the later apply (higher index) wins, so it goes first.
func sortNewestFirst(recs []arrRec, idx []int) {
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(recs[b].epoch, recs[a].epoch); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
}

// gaps returns the parts of [lo, hi) not covered by the disjoint, sorted
// fragments.
func gaps(covered []fragment, lo, hi uint64) []daos.Recx {
	var out []daos.Recx
	cur := lo
	for _, f := range covered {
		if f.recx.End() <= cur {
			continue
		}
		if f.recx.Idx >= hi {
			break
		}
		if f.recx.Idx > cur {
			out = append(out, daos.Recx{Idx: cur, Nr: f.recx.Idx - cur})
		}
		cur = max(cur, f.recx.End())
		if cur >= hi {
			return out
		}
	}
	if cur < hi {
		out = append(out, daos.Recx{Idx: cur, Nr: hi - cur})
	}
	return out
}

func insertFragment(fs []fragment, f fragment) []fragment {
	i := 0
	for i < len(fs) && fs[i].recx.Idx < f.recx.Idx {
		i++
	}
	fs = append(fs, fragment{})
	copy(fs[i+1:], fs[i:])
	fs[i] = f
	return fs
}
