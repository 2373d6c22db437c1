package vos

import (
	"encoding/binary"
	"math/bits"
	"strings"

	"github.com/google/btree"

	"github.com/daos-go/daos/pkg/daos"
)

// dkeyOrder is how an object orders its dkeys, from the object type in the
// top byte of the object id, as DAOS does: integer order for objects whose
// dkeys are 64-bit integers (arrays among them), byte order for lexical
// types, and hash order for everything else (the default; callers see no
// particular order).
type dkeyOrder uint8

const (
	orderHash dkeyOrder = iota
	orderUint64
	orderLexical
)

// DAOS object types (daos_otype_t) that change the dkey order.
const (
	otypeDkeyUint64   = 2
	otypeMultiUint64  = 4
	otypeDkeyLexical  = 5
	otypeMultiLexical = 7
	otypeKVUint64     = 9
	otypeKVLexical    = 10
	otypeArray        = 11
	otypeArrayAttr    = 12
	otypeArrayByte    = 13
)

func dkeyOrderOf(oid daos.ObjectID) dkeyOrder {
	switch oid.Hi >> 56 {
	case otypeDkeyUint64, otypeMultiUint64, otypeKVUint64, otypeArray, otypeArrayAttr, otypeArrayByte:
		return orderUint64
	case otypeDkeyLexical, otypeMultiLexical, otypeKVLexical:
		return orderLexical
	}
	return orderHash
}

// checkDkey refuses dkeys the object's type cannot hold: integer-keyed
// objects take 8-byte keys only (a uint64 in the client's byte order,
// little-endian here).
func checkDkey(oid daos.ObjectID, name []byte) error {
	if err := checkKey("dkey", name); err != nil {
		return err
	}
	if dkeyOrderOf(oid) == orderUint64 && len(name) != 8 {
		return daos.Errorf(daos.ErrInval, "dkey of %d bytes for an object with integer dkeys (want 8)", len(name))
	}
	return nil
}

// orderKey is the 64-bit part of a dkey's position: the tree compares it
// first, inside its nodes, and the name only when two are equal. For
// integer and lexical order it agrees with the order of the keys
// themselves; for hash order it is a fixed hash of the name, the same in
// every process so that anchors stay valid across restarts.
func (o dkeyOrder) orderKey(name string) uint64 {
	switch o {
	case orderUint64:
		var b [8]byte
		copy(b[:], name)
		return binary.LittleEndian.Uint64(b[:])
	case orderLexical:
		var b [8]byte
		copy(b[:], name)
		return binary.BigEndian.Uint64(b[:])
	}
	return hashKey(name)
}

// hashKey mixes the name 8 bytes at a time and finishes with an avalanche
// step. Collisions only cost a name comparison; they never merge keys.
func hashKey(s string) uint64 {
	const m = 0x9e3779b97f4a7c15
	h := uint64(len(s)) * m
	for len(s) >= 8 {
		h = bits.RotateLeft64((h^binary.LittleEndian.Uint64([]byte(s[:8])))*m, 31)
		s = s[8:]
	}
	if len(s) > 0 {
		var b [8]byte
		copy(b[:], s)
		h = bits.RotateLeft64((h^binary.LittleEndian.Uint64(b[:])^0xff)*m, 31)
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// dnodeMax is the fan-out of the dkey tree: 55 entries, with the fences
// and padding below, make a node of just under 1 KiB, one allocation size
// class with little slack.
const dnodeMax = 55

// fenceBlock is how many order keys one fence covers: 8 keys are one
// cache line.
const fenceBlock = 8

// dnodeFences is the number of fences: one per block but the last, whose
// end is the node's end.
const dnodeFences = (dnodeMax - 1) / fenceBlock

// dnode is a node of the dkey B+tree. Leaves hold the dkeys; inner nodes
// hold children and, for each child, a lower bound of its keys. Searches
// compare the 64-bit order keys inside the node and look at a name only on
// a tie. A leaf keeps its dkeys in slots that never move on insert or
// delete; pos maps the i-th entry in order to its slot. Shifting pointers
// would cost a write barrier per pointer while the collector runs, which
// doubled the cost of an insert. The pointers come first so the
// collector's scan of a node ends before the order keys.
//
// A search reads the fences (one cache line: the last order key of each
// block of 8), then one block of ks (one more line, ks being 64-byte
// aligned in the 1 KiB node), where bisecting the whole of ks would read
// five or six lines, each a likely cache miss in a large tree.
type dnode struct {
	slots [dnodeMax]*dkey // leaves: the dkeys, densely in [0, n), unordered
	in    *dinner         // nil for a leaf
	fence [dnodeFences]uint64
	_     [64 - (dnodeMax*8+8+dnodeFences*8)%64]byte // aligns ks to a cache line
	ks    [dnodeMax]uint64
	pos   [dnodeMax]uint8 // leaves: the slot of each entry, in order
	n     int32
}

// setFences recomputes the fences from block from on after ks changed
// there. Fences of blocks not full are not read; they hold the largest key.
func (n *dnode) setFences(from int) {
	for j := from / fenceBlock; j < dnodeFences; j++ {
		if last := j*fenceBlock + fenceBlock - 1; last < int(n.n) {
			n.fence[j] = n.ks[last]
		} else {
			n.fence[j] = ^uint64(0)
		}
	}
}

// dinner is what only inner nodes have. A bound is kept as a name, not as
// the dkey it came from, so that a deleted dkey is not kept alive by it.
type dinner struct {
	kids   [dnodeMax]*dnode
	bounds [dnodeMax]string
}

func (n *dnode) leaf() bool { return n.in == nil }

// nameAt is the name of entry i: a dkey's in a leaf, a bound in an inner
// node.
func (n *dnode) nameAt(i int) string {
	if n.in != nil {
		return n.in.bounds[i]
	}
	return n.slots[n.pos[i]].name
}

// dkeyAt is entry i of a leaf.
func (n *dnode) dkeyAt(i int) *dkey { return n.slots[n.pos[i]] }

// keyLess orders (order key, name) pairs.
func keyLess(ak uint64, an string, bk uint64, bn string) bool {
	if ak != bk {
		return ak < bk
	}
	return an < bn
}

// lowerBound is the first entry at or after (k, name).
func (n *dnode) lowerBound(k uint64, name string) int {
	i, _ := n.search(k, name)
	return i
}

// search is lowerBound that also reports whether entry i is (k, name).
// Names are read only on a tie of order keys, and compared once each.
func (n *dnode) search(k uint64, name string) (int, bool) {
	cnt := int(n.n)
	// The block holding the first key at or above k: the first whose
	// fence is at or above k (every key before it is below k).
	b := 0
	for b < dnodeFences && (b+1)*fenceBlock <= cnt && n.fence[b] < k {
		b++
	}
	lo := b * fenceBlock
	for end := min(lo+fenceBlock, cnt); lo < end && n.ks[lo] < k; {
		lo++
	}
	for ; lo < cnt && n.ks[lo] == k; lo++ {
		switch c := strings.Compare(n.nameAt(lo), name); {
		case c == 0:
			return lo, true
		case c > 0:
			return lo, false
		}
	}
	return lo, false
}

// child is the child whose range holds (k, name): the last whose bound is
// at or below it (the first child takes everything below the others).
func (n *dnode) child(k uint64, name string) int {
	i, found := n.search(k, name)
	if found {
		return i
	}
	return max(i-1, 0)
}

// entry is what put inserts: a dkey into a leaf, or a child with its bound
// into an inner node.
type entry struct {
	k     uint64
	d     *dkey
	kid   *dnode
	bound string
}

// firstEntry is the entry an inner node keeps for n: n and its least key.
func (n *dnode) firstEntry() entry {
	return entry{k: n.ks[0], kid: n, bound: n.nameAt(0)}
}

func (n *dnode) insertAt(i int, e entry) {
	copy(n.ks[i+1:n.n+1], n.ks[i:n.n])
	n.ks[i] = e.k
	if n.in != nil {
		copy(n.in.kids[i+1:n.n+1], n.in.kids[i:n.n])
		copy(n.in.bounds[i+1:n.n+1], n.in.bounds[i:n.n])
		n.in.kids[i], n.in.bounds[i] = e.kid, e.bound
	} else {
		copy(n.pos[i+1:n.n+1], n.pos[i:n.n])
		n.pos[i] = uint8(n.n)
		n.slots[n.n] = e.d
	}
	n.n++
	n.setFences(i)
}

func (n *dnode) removeAt(i int) {
	last := int(n.n) - 1
	copy(n.ks[i:last], n.ks[i+1:n.n])
	n.ks[last] = 0
	if n.in != nil {
		copy(n.in.kids[i:last], n.in.kids[i+1:n.n])
		copy(n.in.bounds[i:last], n.in.bounds[i+1:n.n])
		n.in.kids[last], n.in.bounds[last] = nil, ""
	} else {
		// The last slot fills the freed one, so slots stay dense.
		freed := n.pos[i]
		copy(n.pos[i:last], n.pos[i+1:n.n])
		if int(freed) != last {
			n.slots[freed] = n.slots[last]
			for j := 0; j < last; j++ {
				if int(n.pos[j]) == last {
					n.pos[j] = freed
					break
				}
			}
		}
		n.slots[last], n.pos[last] = nil, 0
	}
	n.n--
	n.setFences(i)
}

// moveTail moves entries [at, n) to the end of dst.
func (n *dnode) moveTail(at int, dst *dnode) {
	m := int(n.n) - at
	copy(dst.ks[dst.n:], n.ks[at:n.n])
	clear(n.ks[at:n.n])
	if n.in != nil {
		copy(dst.in.kids[dst.n:], n.in.kids[at:n.n])
		copy(dst.in.bounds[dst.n:], n.in.bounds[at:n.n])
		clear(n.in.kids[at:n.n])
		clear(n.in.bounds[at:n.n])
	} else {
		// Entries are renumbered on both sides: splits and merges are
		// rare enough to rewrite the slots.
		var moved [dnodeMax]*dkey
		for j := 0; j < m; j++ {
			moved[j] = n.dkeyAt(at + j)
		}
		var kept [dnodeMax]*dkey
		for j := 0; j < at; j++ {
			kept[j] = n.dkeyAt(j)
		}
		n.slots = kept
		for j := 0; j < at; j++ {
			n.pos[j] = uint8(j)
		}
		clear(n.pos[at:n.n])
		for j := 0; j < m; j++ {
			dst.slots[int(dst.n)+j] = moved[j]
			dst.pos[int(dst.n)+j] = uint8(int(dst.n) + j)
		}
	}
	dst.n += int32(m)
	n.n = int32(at)
	n.setFences(at)
	dst.setFences(int(dst.n) - m)
}

func (n *dnode) sibling() *dnode {
	if n.in != nil {
		return &dnode{in: &dinner{}}
	}
	return &dnode{}
}

// put inserts e at i, splitting a full node first. A full node on the
// tree's right edge that receives an entry at its end keeps its entries
// and starts a new node: keys that arrive in order (integer and lexical
// dkeys, and checkpoint loads in every order) then fill nodes instead of
// leaving them half empty. It returns the new right sibling, if any.
func (n *dnode) put(i int, e entry, edge bool) *dnode {
	if n.n < dnodeMax {
		n.insertAt(i, e)
		return nil
	}
	at := dnodeMax / 2
	if edge && i == dnodeMax {
		at = dnodeMax
	}
	r := n.sibling()
	n.moveTail(at, r)
	if i >= at {
		r.insertAt(i-at, e)
	} else {
		n.insertAt(i, e)
	}
	return r
}

// dkeyTree is an object's dkeys in the object's dkey order.
type dkeyTree struct {
	root  *dnode
	size  int
	gen   uint64 // counts changes, so a finger can tell it is stale
	order dkeyOrder
}

func newDkeyTree(order dkeyOrder) dkeyTree { return dkeyTree{order: order} }

// Len is the number of dkeys.
func (t *dkeyTree) Len() int { return t.size }

// get finds the dkey named name.
func (t *dkeyTree) get(name string) *dkey {
	d, _ := t.find(name)
	return d
}

// finger is where find would have put the dkey it did not find: an
// update looks a dkey up while checking space and inserts it later under
// the same lock, and the finger saves it the second descent.
type finger struct {
	leaf *dnode
	i    int
	k    uint64
	gen  uint64
	// ok: the leaf has room, and no bound above it must be lowered.
	ok bool
}

// find is get that also returns a finger when the dkey is absent.
func (t *dkeyTree) find(name string) (*dkey, finger) {
	if t.root == nil {
		return nil, finger{}
	}
	k := t.order.orderKey(name)
	n := t.root
	ok := true
	for !n.leaf() {
		ci := n.child(k, name)
		if ci == 0 && keyLess(k, name, n.ks[0], n.in.bounds[0]) {
			ok = false // insert lowers this bound
		}
		n = n.in.kids[ci]
	}
	i, found := n.search(k, name)
	if found {
		return n.dkeyAt(i), finger{}
	}
	return nil, finger{leaf: n, i: i, k: k, gen: t.gen, ok: ok && n.n < dnodeMax}
}

// insertAt inserts d, which find did not find, at f if the tree has not
// changed since and the leaf needs no split; otherwise it searches again.
func (t *dkeyTree) insertAt(f finger, d *dkey) {
	if !f.ok || f.gen != t.gen || t.root == nil {
		t.ReplaceOrInsert(d)
		return
	}
	f.leaf.insertAt(f.i, entry{k: f.k, d: d})
	t.size++
	t.gen++
}

// Has reports whether a dkey of d's name is in the tree.
func (t *dkeyTree) Has(d *dkey) bool { return t.get(d.name) != nil }

// ReplaceOrInsert puts d in the tree, replacing a dkey of the same name.
func (t *dkeyTree) ReplaceOrInsert(d *dkey) {
	t.gen++
	k := t.order.orderKey(d.name)
	if t.root == nil {
		t.root = &dnode{}
	}
	if r := t.insert(t.root, k, d, true); r != nil {
		root := &dnode{in: &dinner{}}
		root.insertAt(0, t.root.firstEntry())
		root.insertAt(1, r.firstEntry())
		t.root = root
	}
}

func (t *dkeyTree) insert(n *dnode, k uint64, d *dkey, edge bool) *dnode {
	if n.leaf() {
		i, found := n.search(k, d.name)
		if found {
			n.slots[n.pos[i]] = d
			return nil
		}
		t.size++
		return n.put(i, entry{k: k, d: d}, edge)
	}
	ci := n.child(k, d.name)
	if ci == 0 && keyLess(k, d.name, n.ks[0], n.in.bounds[0]) {
		// Keep every bound at or below its subtree's keys, so bounds stay
		// sorted and any node can be split or merged with them.
		n.ks[0], n.in.bounds[0] = k, d.name
	}
	edge = edge && ci == int(n.n)-1
	r := t.insert(n.in.kids[ci], k, d, edge)
	if r == nil {
		return nil
	}
	return n.put(ci+1, r.firstEntry(), edge)
}

// Delete removes the dkey of d's name, if present.
func (t *dkeyTree) Delete(d *dkey) {
	if t.root == nil {
		return
	}
	if !t.remove(t.root, t.order.orderKey(d.name), d.name) {
		return
	}
	t.size--
	t.gen++
	for !t.root.leaf() && t.root.n == 1 {
		t.root = t.root.in.kids[0]
	}
	if t.root.n == 0 {
		t.root = nil
	}
}

// remove deletes (k, name) under n and keeps nodes from staying nearly
// empty: a child that falls below a quarter full merges with a neighbour
// when both fit in one node.
func (t *dkeyTree) remove(n *dnode, k uint64, name string) bool {
	if n.leaf() {
		i, found := n.search(k, name)
		if !found {
			return false
		}
		n.removeAt(i)
		return true
	}
	ci := n.child(k, name)
	kids := &n.in.kids
	if !t.remove(kids[ci], k, name) {
		return false
	}
	kid := kids[ci]
	switch {
	case kid.n == 0:
		if ci == 0 && n.n > 1 {
			// The next child inherits the range, so it takes the bound:
			// its own would no longer be below every key routed to it.
			n.ks[1], n.in.bounds[1] = n.ks[0], n.in.bounds[0]
		}
		n.removeAt(ci)
	case kid.n < dnodeMax/4:
		// The left node keeps its bound, which stays a lower bound of the
		// merged keys.
		if ci > 0 && kids[ci-1].n+kid.n <= dnodeMax {
			kid.moveTail(0, kids[ci-1])
			n.removeAt(ci)
		} else if ci+1 < int(n.n) && kids[ci+1].n+kid.n <= dnodeMax {
			kids[ci+1].moveTail(0, kid)
			n.removeAt(ci + 1)
		}
	}
	return true
}

// Ascend calls fn on every dkey in order until fn returns false.
func (t *dkeyTree) Ascend(fn btree.ItemIteratorG[*dkey]) {
	if t.root != nil {
		ascend(t.root, fn)
	}
}

func ascend(n *dnode, fn btree.ItemIteratorG[*dkey]) bool {
	for i := 0; i < int(n.n); i++ {
		if n.leaf() {
			if !fn(n.dkeyAt(i)) {
				return false
			}
		} else if !ascend(n.in.kids[i], fn) {
			return false
		}
	}
	return true
}

// AscendGreaterOrEqual calls fn on the dkeys at or after pivot's name, in
// order, until fn returns false.
func (t *dkeyTree) AscendGreaterOrEqual(pivot *dkey, fn btree.ItemIteratorG[*dkey]) {
	if t.root != nil {
		ascendFrom(t.root, t.order.orderKey(pivot.name), pivot.name, fn)
	}
}

func ascendFrom(n *dnode, k uint64, name string, fn btree.ItemIteratorG[*dkey]) bool {
	if n.leaf() {
		for i := n.lowerBound(k, name); i < int(n.n); i++ {
			if !fn(n.dkeyAt(i)) {
				return false
			}
		}
		return true
	}
	ci := n.child(k, name)
	if !ascendFrom(n.in.kids[ci], k, name, fn) {
		return false
	}
	for i := ci + 1; i < int(n.n); i++ {
		if !ascend(n.in.kids[i], fn) {
			return false
		}
	}
	return true
}

// Descend calls fn on every dkey in reverse order until fn returns false.
func (t *dkeyTree) Descend(fn btree.ItemIteratorG[*dkey]) {
	if t.root != nil {
		descend(t.root, fn)
	}
}

func descend(n *dnode, fn btree.ItemIteratorG[*dkey]) bool {
	for i := int(n.n) - 1; i >= 0; i-- {
		if n.leaf() {
			if !fn(n.dkeyAt(i)) {
				return false
			}
		} else if !descend(n.in.kids[i], fn) {
			return false
		}
	}
	return true
}
