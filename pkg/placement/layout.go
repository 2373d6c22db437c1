// Package placement decides where the shards of a DAOS object live.
//
// It holds DAOS's object classes (oclass.go), the object id encoding that
// carries type, redundancy and group count in oid.hi (oid.go), the pool
// map of ranks, targets, fault domains and target states the pool service
// replicates (poolmap.go), and the layout computation (jumpmap.go and this
// file).
//
// # Algorithm
//
// The pool map's ranks form a tree: root, then the components of each
// rank's fault domain path ("/rack1/node2"; a rank without one is its own
// domain), then the rank, then its targets. An object's layout is
// Groups x GroupSize shards, group-major. Each shard gets a 64-bit key
// hashed from the object id, its group and its position, and descends the
// tree: at each node it draws a child by jump consistent hashing the key
// over the node's targets (so each child's chance is proportional to its
// targets and the draw is stable when targets are appended), redrawing
// with a rehashed key while the drawn child is not eligible. Eligible
// children still have a target free for this group and hold the fewest
// shards of the group (then of the object). So shards of one group land in
// distinct fault domains while domains remain, then in distinct ranks,
// then on distinct targets, and the groups of one object spread out too.
//
// This first pass ignores target states: it depends only on the tree, so
// a target failure cannot move any shard that was not on it. A second pass
// keeps every shard whose target is usable (UPIN or UP) and, for each
// shard on a DOWN, DOWNOUT, DRAIN target, draws a spare with the same
// descent restricted to usable targets, against the group's remaining
// shards. Ties go to domains the object's first pass did not use, the
// failed shard's included, so rebuild spreads over the other domains; a
// spare joins the failed shard's domain only when that is the one the
// group has free. So when one target fails, exactly the
// shards on it move; when it is reintegrated they return. NEW targets are
// not in the tree until extend makes them UP, so adding ranks moves
// nothing until then, and extension with higher rank numbers appends to
// the jump-hash bucket lists, which moves the fewest shards.
//
// DRAIN: DAOS moves a drained target's shards to new targets during
// rebuild while the target keeps serving. New layouts here treat DRAIN like
// DOWN (the shard is placed on a spare) and say so: the shard's Replaces
// and ReplacesState name the draining target, which still holds the data
// until the drain's rebuild completes.
//
// Dkeys map to groups (GroupOfDkey): for object types with integer dkeys
// (DKEY_UINT64, MULTI_UINT64, KV_UINT64 and the array types) the 8-byte
// little-endian integer itself modulo the group count, so consecutive array
// chunks stripe across groups; otherwise a 64-bit hash of the key bytes
// modulo the group count.
package placement

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/daos-go/daos/pkg/daos"
)

// Shard is one shard's place.
type Shard struct {
	Rank uint32
	// Target is the index within the rank, -1 when no usable target was
	// left for this shard (the layout is degraded).
	Target int
	// ID is the target's position in the map (ranks in rank order, then
	// target index), -1 with Target.
	ID int
	// Rebuilding: the data is not there yet (an UP target being filled, or
	// a spare standing in for a DOWN or DRAIN target before rebuild ends).
	Rebuilding bool
	// Replaces is the ID of the shard's own target when that target is not
	// usable and this is its spare, else -1; ReplacesState is its state.
	Replaces      int
	ReplacesState State
}

// Layout is an object's shards for one pool map version.
type Layout struct {
	OID        daos.ObjectID
	Class      ClassID // as the oid carries it (resolved group count)
	MapVersion uint32
	Groups     int
	GroupSize  int
	Shards     []Shard // Groups*GroupSize, group-major
}

// Group gives the shards of group g.
func (l *Layout) Group(g int) []Shard { return l.Shards[g*l.GroupSize : (g+1)*l.GroupSize] }

func (l *Layout) String() string {
	s := fmt.Sprintf("oid %s class %s ver %d:", l.OID, l.Class, l.MapVersion)
	for g := 0; g < l.Groups; g++ {
		s += " ["
		for i, sh := range l.Group(g) {
			if i > 0 {
				s += " "
			}
			if sh.Target < 0 {
				s += "-"
			} else {
				s += fmt.Sprintf("%d.%d", sh.Rank, sh.Target)
			}
			if sh.Rebuilding {
				s += "R"
			}
		}
		s += "]"
	}
	return s
}

// objectShape gives the group count and size an object id asks for.
func objectShape(oid daos.ObjectID, v *view) (groups, size int, err error) {
	var attr ClassAttr
	var ok bool
	if OIDRedun(oid) == 0 {
		// Legacy classes are encoded as ord 0 with the id as the group
		// count; their real group count is the class's.
		attr, ok = LookupClass(ClassID(OIDGroups(oid)))
		groups = int(attr.GroupNr)
	} else {
		attr, ok = ResolvedClassAttr(OIDClass(oid))
		groups = int(OIDGroups(oid))
	}
	if !ok || IsNil(oid) {
		return 0, 0, daos.Errorf(daos.ErrInval, "layout: oid %s has no valid class (0x%x)", oid, uint32(OIDClass(oid)))
	}
	size = attr.GroupSize()
	if size == 0 {
		size = v.domains
	}
	if size == 0 || size > v.leaves {
		return 0, 0, daos.Errorf(daos.ErrInval, "layout: oid %s needs groups of %d, pool has %d targets", oid, size, v.leaves)
	}
	return groups, size, nil
}

// shardKey hashes the oid with the shard's group and position; spare keys
// take a different salt so a spare draw is independent of the first.
func shardKey(base uint64, g, i int, spare bool) uint64 {
	k := base ^ mix64(uint64(g)<<20|uint64(i)+1)
	if spare {
		k = mix64(k ^ 0x5bd1e9955bd1e995)
	}
	return k
}

// Shape is the number of groups and shards per group oid has on the map,
// or why it has no layout there: what ComputeLayout checks before it
// places anything, at a fraction of its cost.
func Shape(m *PoolMap, oid daos.ObjectID) (groups, size int, err error) {
	return objectShape(oid, m.view())
}

// ComputeLayout places oid's shards on the map (see the package doc).
func ComputeLayout(m *PoolMap, oid daos.ObjectID) (*Layout, error) {
	v := m.view()
	groups, size, err := objectShape(oid, v)
	if err != nil {
		return nil, err
	}
	l := &Layout{OID: oid, Class: OIDClass(oid), MapVersion: m.version, Groups: groups, GroupSize: size,
		Shards: make([]Shard, groups*size)}
	s := v.getScratch()
	defer v.putScratch(s)
	base := mix64(oid.Hi ^ mix64(oid.Lo))

	if cap(s.orig) < len(l.Shards) {
		s.orig = make([]int32, len(l.Shards))
	}
	orig := s.orig[:len(l.Shards)]
	for g := 0; g < groups; g++ {
		s.grpGen++
		for i := 0; i < size; i++ {
			t := v.pick(s, shardKey(base, g, i, false), false)
			orig[g*size+i] = t
			v.record(s, t, true, true)
		}
	}
	// The object counters still hold the first pass, failed shards
	// included, so spares prefer domains the object did not use, the
	// failed shard's among them: rebuild data spreads over the other
	// domains instead of piling onto the failed rank's neighbours.
	for g := 0; g < groups; g++ {
		s.grpGen++
		sh := l.Shards[g*size : (g+1)*size]
		for i := range sh {
			t := orig[g*size+i]
			if v.tgtState[t].Usable() {
				v.record(s, t, true, false)
			}
		}
		for i := range sh {
			t := orig[g*size+i]
			st := v.tgtState[t]
			if st.Usable() {
				sh[i] = v.shard(t, st == StateUp, -1, StateUnknown)
				continue
			}
			sp := v.pick(s, shardKey(base, g, i, true), true)
			if sp < 0 {
				sh[i] = Shard{Target: -1, ID: -1, Rebuilding: true, Replaces: int(t), ReplacesState: st}
				continue
			}
			v.record(s, sp, true, true)
			// A spare for a DOWNOUT target holds rebuilt data; for DOWN
			// and DRAIN, rebuild has not finished.
			rebuilding := st != StateDownOut || v.tgtState[sp] == StateUp
			sh[i] = v.shard(sp, rebuilding, int(t), st)
		}
	}
	return l, nil
}

// Layout is ComputeLayout on m.
func (m *PoolMap) Layout(oid daos.ObjectID) (*Layout, error) { return ComputeLayout(m, oid) }

func (v *view) shard(t int32, rebuilding bool, replaces int, rs State) Shard {
	return Shard{Rank: v.tgtRankN[t], Target: int(v.tgtIdx[t]), ID: int(t), Rebuilding: rebuilding,
		Replaces: replaces, ReplacesState: rs}
}

// DkeyHash is the 64-bit value a dkey maps to groups by: the integer for
// object types with integer dkeys (8 bytes, little-endian), else a hash of
// the bytes. Clients and engines must agree on it.
func DkeyHash(oid daos.ObjectID, dkey []byte) uint64 {
	if OIDType(oid).DkeyIsUint64() && len(dkey) == 8 {
		return binary.LittleEndian.Uint64(dkey)
	}
	h := fnv.New64a()
	h.Write(dkey)
	return mix64(h.Sum64())
}

// GroupOfDkey is the group holding dkey: DkeyHash modulo the group count.
func GroupOfDkey(l *Layout, dkey []byte) int {
	if l.Groups <= 1 {
		return 0
	}
	return int(DkeyHash(l.OID, dkey) % uint64(l.Groups))
}

// GroupOfDkey is the package function as a method.
func (l *Layout) GroupOfDkey(dkey []byte) int { return GroupOfDkey(l, dkey) }

// Moved lists the shard indices whose target differs between two layouts
// of the same object (what a rebuild between the two map versions must
// move). It returns nil when the layouts have different shapes.
func Moved(prev, cur *Layout) []int {
	if prev.OID != cur.OID || len(prev.Shards) != len(cur.Shards) {
		return nil
	}
	var out []int
	for i := range cur.Shards {
		if prev.Shards[i].ID != cur.Shards[i].ID {
			out = append(out, i)
		}
	}
	return out
}
