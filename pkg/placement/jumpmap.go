package placement

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
)

// The placement tree: root -> fault domain path components -> ranks ->
// targets, built from a pool map's ranks, leaving out NEW targets (they do
// not exist for placement until extend makes them UP, so adding ranks
// moves nothing). A view is immutable once built; the pool map drops it on
// any change and builds a new one on the next layout.

// domNode is an inner node: the root, a fault-domain path component or a
// rank. Its leaves are the targets beneath it in global-id order, which is
// (rank, index) order: it does not depend on the order ranks joined the
// map, and ranks with higher numbers append to the leaf lists they enter,
// the case in which jump hashing moves least.
type domNode struct {
	name     string
	parent   int32
	children []int32 // node ids; nil for a rank node (its children are its targets)
	leaves   []int32 // global target ids beneath, ascending
	// leafChild[i] is the position in children (for a rank node: the
	// target index) that leaves[i] lies under.
	leafChild []int32
	rank      int32 // index in PoolMap.ranks for rank nodes, else -1
	usable    int32 // usable targets beneath
}

type view struct {
	nodes    []domNode // 0 is the root
	tgtRank  []int32   // global target id -> rank index
	tgtRankN []uint32  // global target id -> rank number
	tgtIdx   []int32   // global target id -> index within its rank
	tgtState []State
	tgtNode  []int32 // global target id -> its rank node, -1 when NEW
	domains  int     // distinct fault domains in the tree
	leaves   int     // targets in the tree
	pool     sync.Pool
}

func buildView(ranks []RankInfo) *view {
	v := &view{nodes: []domNode{{name: "/", parent: -1, rank: -1}}}
	index := map[string]int32{}
	child := func(parent int32, key, name string) int32 {
		if id, ok := index[key]; ok {
			return id
		}
		id := int32(len(v.nodes))
		v.nodes = append(v.nodes, domNode{name: name, parent: parent, rank: -1})
		v.nodes[parent].children = append(v.nodes[parent].children, id)
		index[key] = id
		return id
	}
	doms := map[string]bool{}
	for ri := range ranks {
		r := &ranks[ri]
		var rankNode int32 = -1
		for ti, s := range r.States {
			gid := int32(len(v.tgtRank))
			v.tgtRank = append(v.tgtRank, int32(ri))
			v.tgtRankN = append(v.tgtRankN, r.Rank)
			v.tgtIdx = append(v.tgtIdx, int32(ti))
			v.tgtState = append(v.tgtState, s)
			if s == StateNew {
				v.tgtNode = append(v.tgtNode, -1)
				continue
			}
			if rankNode < 0 {
				at, key := int32(0), ""
				if r.FaultPath != "" {
					for _, c := range strings.Split(r.FaultPath[1:], "/") {
						key += "/" + c
						at = child(at, key, c)
					}
				}
				rankNode = child(at, fmt.Sprintf("%s#%d", key, r.Rank), fmt.Sprintf("rank%d", r.Rank))
				v.nodes[rankNode].rank = int32(ri)
				doms[r.domainKey()] = true
			}
			v.tgtNode = append(v.tgtNode, rankNode)
			n := &v.nodes[rankNode]
			n.leaves = append(n.leaves, gid)
			n.leafChild = append(n.leafChild, int32(ti))
			if s.Usable() {
				n.usable++
			}
			v.leaves++
		}
	}
	v.domains = len(doms)
	var fill func(id int32)
	fill = func(id int32) {
		n := &v.nodes[id]
		if n.rank >= 0 {
			return
		}
		// Children in a fixed order (domains by name, then ranks by
		// number) so that the fallback scan is deterministic.
		sort.Slice(n.children, func(a, b int) bool {
			x, y := &v.nodes[n.children[a]], &v.nodes[n.children[b]]
			if (x.rank >= 0) != (y.rank >= 0) {
				return x.rank < 0
			}
			if x.rank >= 0 {
				return ranks[x.rank].Rank < ranks[y.rank].Rank
			}
			return x.name < y.name
		})
		type lc struct{ leaf, child int32 }
		var all []lc
		usable := int32(0)
		for ci, c := range n.children {
			fill(c)
			for _, l := range v.nodes[c].leaves {
				all = append(all, lc{l, int32(ci)})
			}
			usable += v.nodes[c].usable
		}
		sort.Slice(all, func(a, b int) bool { return all[a].leaf < all[b].leaf })
		n = &v.nodes[id]
		n.usable = usable
		n.leaves = make([]int32, len(all))
		n.leafChild = make([]int32, len(all))
		for i, x := range all {
			n.leaves[i], n.leafChild[i] = x.leaf, x.child
		}
	}
	fill(0)
	return v
}

// counters are usage counts valid only while their stamp equals the
// current generation, so starting a new group or object costs nothing.
type counters struct {
	stamp []uint32
	n     []int32
}

func newCounters(n int) counters { return counters{make([]uint32, n), make([]int32, n)} }

func (c *counters) get(i int32, gen uint32) int32 {
	if c.stamp[i] != gen {
		return 0
	}
	return c.n[i]
}

func (c *counters) inc(i int32, gen uint32) {
	if c.stamp[i] != gen {
		c.stamp[i], c.n[i] = gen, 0
	}
	c.n[i]++
}

// scratch is the per-computation state: shards of the current group and
// of the whole object under each node and on each target.
type scratch struct {
	grpGen, objGen uint32
	nodeG, nodeO   counters
	tgtG, tgtO     counters
	cand           []int32
	orig           []int32 // first-pass targets of the shards
}

func (v *view) getScratch() *scratch {
	if s, ok := v.pool.Get().(*scratch); ok {
		s.objGen++
		s.grpGen++
		return s
	}
	nn, nt := len(v.nodes), len(v.tgtRank)
	return &scratch{grpGen: 1, objGen: 1,
		nodeG: newCounters(nn), nodeO: newCounters(nn),
		tgtG: newCounters(nt), tgtO: newCounters(nt)}
}

func (v *view) putScratch(s *scratch) { v.pool.Put(s) }

// record counts a shard on target t for the group and/or the object.
func (v *view) record(s *scratch, t int32, grp, obj bool) {
	if grp {
		s.tgtG.inc(t, s.grpGen)
	}
	if obj {
		s.tgtO.inc(t, s.objGen)
	}
	for n := v.tgtNode[t]; n >= 0; n = v.nodes[n].parent {
		if grp {
			s.nodeG.inc(n, s.grpGen)
		}
		if obj {
			s.nodeO.inc(n, s.objGen)
		}
	}
}

// Hashing. mix64 is a 64-bit finaliser (the SplitMix64 one): every input
// bit affects every output bit, which jump hashing needs of its keys.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// jump is Lamping and Veach's jump consistent hash: a bucket in [0, n)
// such that growing n to n+1 moves only 1/(n+1) of the keys, all to the
// new bucket.
func jump(key uint64, n int) int {
	b, j := int64(-1), int64(0)
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}

// maxTries bounds the jump-hash draws at one tree level before falling
// back to a hashed pick among the eligible children; with ordinary maps
// the first few draws succeed.
const maxTries = 24

// pick descends from the root choosing, at each level, a child that
//   - still has a target this group may use (not yet holding one of its
//     shards; in spare mode also usable), and
//   - among those, holds the fewest shards of this group (so shards spread
//     over distinct fault domains, then distinct ranks, then targets), and
//     then the fewest of the object (so the object's groups spread too).
//
// The child is drawn by jump-hashing the key over the node's leaves (so a
// child's chance is proportional to its targets) and drawing again with a
// new key when the drawn child is not eligible. It returns the target, or
// -1 if no target qualifies.
func (v *view) pick(s *scratch, key uint64, spare bool) int32 {
	node := int32(0)
	for level := uint64(0); ; level++ {
		n := &v.nodes[node]
		isRank := n.rank >= 0
		// Eligibility: capacity > 0, then the minimal (group, object) use.
		bestG, bestO := int32(math.MaxInt32), int32(math.MaxInt32)
		cnt := len(n.children)
		if isRank {
			cnt = len(n.leaves)
		}
		for i := 0; i < cnt; i++ {
			g, o, ok := v.childUse(s, n, i, spare)
			if !ok {
				continue
			}
			if g < bestG || (g == bestG && o < bestO) {
				bestG, bestO = g, o
			}
		}
		if bestG == math.MaxInt32 {
			return -1
		}
		chosen := -1
		k := key ^ level*0x9e3779b97f4a7c15
		for try := 0; try < maxTries; try++ {
			k = mix64(k + uint64(try))
			li := jump(k, len(n.leaves))
			ci := int(n.leafChild[li])
			if isRank {
				ci = li
			}
			if g, o, ok := v.childUse(s, n, ci, spare); ok && g == bestG && o == bestO {
				chosen = ci
				break
			}
		}
		if chosen < 0 {
			s.cand = s.cand[:0]
			for i := 0; i < cnt; i++ {
				if g, o, ok := v.childUse(s, n, i, spare); ok && g == bestG && o == bestO {
					s.cand = append(s.cand, int32(i))
				}
			}
			chosen = int(s.cand[mix64(k)%uint64(len(s.cand))])
		}
		if isRank {
			return n.leaves[chosen]
		}
		node = n.children[chosen]
	}
}

// childUse gives the group and object use of child i of n (for a rank
// node: its i-th leaf target) and whether it can take the group's shard.
func (v *view) childUse(s *scratch, n *domNode, i int, spare bool) (g, o int32, ok bool) {
	if n.rank >= 0 {
		t := n.leaves[i]
		g = s.tgtG.get(t, s.grpGen)
		if g > 0 || (spare && !v.tgtState[t].Usable()) {
			return 0, 0, false
		}
		return g, s.tgtO.get(t, s.objGen), true
	}
	c := n.children[i]
	g = s.nodeG.get(c, s.grpGen)
	capacity := int32(len(v.nodes[c].leaves))
	if spare {
		capacity = v.nodes[c].usable
	}
	if capacity-g <= 0 {
		return 0, 0, false
	}
	return g, s.nodeO.get(c, s.objGen), true
}
