package placement

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/stretchr/testify/require"
)

// testSpecs is 8 ranks x 4 targets in 4 fault domains of 2 ranks each
// (domains interleave rank numbers so domain and rank order differ).
func testSpecs() []RankSpec {
	var specs []RankSpec
	for r := uint32(0); r < 8; r++ {
		specs = append(specs, RankSpec{Rank: r, Targets: 4, FaultPath: fmt.Sprintf("/rack%d", r%4)})
	}
	return specs
}

func testMap(t testing.TB) *PoolMap {
	m, err := NewPoolMap(testSpecs())
	require.NoError(t, err)
	return m
}

func mustOID(t testing.TB, lo uint64, typ OType, cid ClassID, ps PoolShape) daos.ObjectID {
	oid, err := GenerateOID(daos.ObjectID{Lo: lo, Hi: lo * 0x9e3779b9 & 0xFFFFFFFF}, typ, cid, 0, ps)
	require.NoError(t, err)
	return oid
}

const nObjects = 100_000

// layoutsOf computes the layouts of nObjects objects of class cid.
func layoutsOf(t testing.TB, m *PoolMap, cid ClassID) []*Layout {
	ps := m.Shape(0)
	out := make([]*Layout, nObjects)
	for i := range out {
		l, err := m.Layout(mustOID(t, uint64(i), OTMultiHashed, cid, ps))
		require.NoError(t, err)
		out[i] = l
	}
	return out
}

func rackOf(m *PoolMap, rank uint32) string { return m.rank(rank).FaultPath }

func TestLayoutSmoke(t *testing.T) {
	m := testMap(t)
	for _, name := range []string{"S1", "S4", "SX", "RP_3G1", "RP_2GX", "EC_2P1G1", "EC_2P1GX", "RP_4G2", "EC_4P2G1", "RP_6G1"} {
		var oid daos.ObjectID
		if name == "EC_4P2G1" || name == "RP_6G1" {
			// More shards than domains: GenerateOID refuses, but a layout
			// still separates ranks.
			oid = daos.ObjectID{Hi: uint64(Name2ID(name).Redun())<<48 | 1<<32, Lo: 42}
		} else {
			oid = mustOID(t, 42, OTMultiHashed, Name2ID(name), PoolShape{Targets: 32, Domains: 4})
		}
		l, err := m.Layout(oid)
		require.NoError(t, err)
		require.Len(t, l.Shards, l.Groups*l.GroupSize)
		for g := 0; g < l.Groups; g++ {
			ranks := map[uint32]bool{}
			for _, s := range l.Group(g) {
				ranks[s.Rank] = true
			}
			require.Len(t, ranks, l.GroupSize, "group %d of %s", g, l)
		}
		t.Log(name, l)
	}
}

// TestLayoutProperties checks, over 100,000 objects on 8 ranks x 4 targets
// in 4 fault domains: balance, fault-domain separation, determinism, and
// minimal movement when a target goes DOWN and when a rank is excluded.
func TestLayoutProperties(t *testing.T) {
	for _, name := range []string{"S1", "S4", "RP_3G1", "RP_2G2", "EC_2P1G1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := testMap(t)
			cid := Name2ID(name)
			base := layoutsOf(t, m, cid)

			// Balance: every target within 10% of the mean.
			counts := map[[2]int]int{}
			total := 0
			for _, l := range base {
				if !domainsDistinct(l) {
					t.Fatalf("fault domains repeat in a group: %s", l)
				}
				for _, s := range l.Shards {
					counts[[2]int{int(s.Rank), s.Target}]++
					total++
					if s.Rebuilding || s.Replaces >= 0 {
						t.Fatalf("healthy map, rebuilding shard: %s", l)
					}
				}
			}
			require.Len(t, counts, 32)
			mean := float64(total) / 32
			worst := 0.0
			for k, c := range counts {
				dev := (float64(c) - mean) / mean
				worst = max(worst, dev, -dev)
				require.InDelta(t, mean, float64(c), mean*0.10, "target %v", k)
			}
			t.Logf("%s: %d shards, mean %.0f per target, worst deviation %.2f%%", name, total, mean, worst*100)

			// Determinism: same layouts from a map built in another order,
			// through a clone and through an encode/decode round trip.
			specs := testSpecs()
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(specs), func(i, j int) { specs[i], specs[j] = specs[j], specs[i] })
			var m2 *PoolMap
			for i, s := range specs {
				if i == 0 {
					var err error
					m2, err = NewPoolMap([]RankSpec{s})
					require.NoError(t, err)
				} else {
					require.NoError(t, m2.addRanks([]RankSpec{s}, StateUpIn))
				}
			}
			m3, err := DecodePoolMap(m.Clone().Encode())
			require.NoError(t, err)
			for i := 0; i < nObjects; i += 10 {
				l2, err := m2.Layout(base[i].OID)
				require.NoError(t, err)
				require.Equal(t, base[i].Shards, l2.Shards)
				l3, err := m3.Layout(base[i].OID)
				require.NoError(t, err)
				require.Equal(t, base[i].Shards, l3.Shards)
			}

			// Minimal movement: one target DOWN.
			down := m.Clone()
			require.NoError(t, down.Exclude(TargetRef{Rank: 5, Index: 2}))
			moved, onIt := movement(t, base, down, func(s Shard) bool { return s.Rank == 5 && s.Target == 2 })
			require.Equal(t, onIt, moved)
			t.Logf("%s: target 5.2 DOWN: %d of %d shards moved (%.2f%%), all of them from 5.2", name, moved, total, 100*float64(moved)/float64(total))
			// After rebuild (DOWNOUT) the spares stay: checked on a sample.
			require.True(t, down.RebuildDone())
			moved2, _ := movement(t, base[:nObjects/10], down, func(s Shard) bool { return s.Rank == 5 && s.Target == 2 })
			require.InDelta(t, moved/10, moved2, float64(moved)/20+20)

			// Minimal movement: rank 3 excluded.
			ex := m.Clone()
			require.NoError(t, ex.Exclude(TargetRef{Rank: 3, Index: AllTargets}))
			moved, onIt = movement(t, base, ex, func(s Shard) bool { return s.Rank == 3 })
			require.Equal(t, onIt, moved)
			t.Logf("%s: rank 3 excluded: %d of %d shards moved (%.2f%%), all of them from rank 3", name, moved, total, 100*float64(moved)/float64(total))
		})
	}
}

// movement recomputes every layout on m and checks the moved shards: each
// that moved was on a failed target (failed), is now on a usable target of
// another rank, rebuilding, and its group still spans distinct domains.
// It returns how many moved and how many were on failed targets.
func movement(t *testing.T, base []*Layout, m *PoolMap, failed func(Shard) bool) (moved, onFailed int) {
	dest := map[int]int{}
	defer func() {
		most := 0
		for _, n := range dest {
			most = max(most, n)
		}
		if moved > 0 {
			t.Logf("  moved shards went to %d targets: mean %.0f, most %d", len(dest), float64(moved)/float64(len(dest)), most)
		}
	}()
	for _, b := range base {
		l, err := m.Layout(b.OID)
		require.NoError(t, err)
		for i, s := range l.Shards {
			o := b.Shards[i]
			if failed(o) {
				onFailed++
			}
			if s.ID == o.ID {
				continue
			}
			moved++
			dest[s.ID]++
			if !failed(o) || failed(s) || s.Replaces != o.ID || s.Target < 0 {
				t.Fatalf("shard %d moved wrongly:\n%s\n%s", i, b, l)
			}
		}
		if !domainsDistinct(l) {
			t.Fatalf("fault domains repeat in a group: %s", l)
		}
	}
	return moved, onFailed
}

// domainsDistinct checks that no group of a layout on testMap uses a fault
// domain (rack r%4) twice.
func domainsDistinct(l *Layout) bool {
	for g := 0; g < l.Groups; g++ {
		used := 0
		for _, s := range l.Group(g) {
			bit := 1 << (s.Rank % 4)
			if used&bit != 0 {
				return false
			}
			used |= bit
		}
	}
	return true
}

func TestLayoutStates(t *testing.T) {
	m := testMap(t)
	ps := m.Shape(0)
	oid := mustOID(t, 7, OTMultiHashed, Name2ID("RP_3G1"), ps)
	l0, err := m.Layout(oid)
	require.NoError(t, err)
	victim := l0.Shards[1]
	ref := TargetRef{Rank: victim.Rank, Index: victim.Target}

	// DOWN: a spare, rebuilding.
	require.NoError(t, m.Exclude(ref))
	l1, err := m.Layout(oid)
	require.NoError(t, err)
	require.Equal(t, l0.Shards[0], l1.Shards[0])
	require.Equal(t, l0.Shards[2], l1.Shards[2])
	require.NotEqual(t, victim.ID, l1.Shards[1].ID)
	require.Equal(t, []int{1}, Moved(l0, l1))
	require.True(t, l1.Shards[1].Rebuilding)
	require.Equal(t, StateDown, l1.Shards[1].ReplacesState)
	spare := l1.Shards[1]

	// DOWNOUT: same spare, rebuilt.
	require.NoError(t, m.ExcludeOut(ref))
	l2, err := m.Layout(oid)
	require.NoError(t, err)
	require.Equal(t, spare.ID, l2.Shards[1].ID)
	require.False(t, l2.Shards[1].Rebuilding)

	// Reintegrate: back home, being filled; after rebuild, as at first.
	require.NoError(t, m.Reintegrate(ref))
	l3, err := m.Layout(oid)
	require.NoError(t, err)
	require.Equal(t, victim.ID, l3.Shards[1].ID)
	require.True(t, l3.Shards[1].Rebuilding)
	require.NoError(t, m.AddIn(ref))
	l4, err := m.Layout(oid)
	require.NoError(t, err)
	require.Equal(t, l0.Shards, l4.Shards)

	// DRAIN: placed elsewhere, reported.
	require.NoError(t, m.Drain(ref))
	l5, err := m.Layout(oid)
	require.NoError(t, err)
	require.Equal(t, victim.ID, l5.Shards[1].Replaces)
	require.Equal(t, StateDrain, l5.Shards[1].ReplacesState)
	require.True(t, l5.Shards[1].Rebuilding)

	// Exclude refuses a draining target; exclude-out ends the drain.
	require.ErrorIs(t, m.Exclude(ref), daos.ErrInval)
	require.NoError(t, m.ExcludeOut(ref))

	// Everything down: shards without a target, no crash.
	for _, r := range m.Ranks() {
		require.NoError(t, m.Exclude(TargetRef{Rank: r.Rank, Index: AllTargets}))
	}
	l6, err := m.Layout(oid)
	require.NoError(t, err)
	for _, s := range l6.Shards {
		require.Equal(t, -1, s.Target)
	}
}

func TestLayoutSpareInSameDomain(t *testing.T) {
	// 4 domains, RP_4G1 uses all of them: a failed shard's spare must stay
	// in its domain (on the other rank there); with the whole domain down,
	// it goes to another rank elsewhere.
	m := testMap(t)
	oid := mustOID(t, 99, OTMultiHashed, Name2ID("RP_4G1"), m.Shape(0))
	l0, err := m.Layout(oid)
	require.NoError(t, err)
	v := l0.Shards[0]
	require.NoError(t, m.Exclude(TargetRef{Rank: v.Rank, Index: AllTargets}))
	l1, err := m.Layout(oid)
	require.NoError(t, err)
	require.Equal(t, rackOf(m, v.Rank), rackOf(m, l1.Shards[0].Rank))
	require.NotEqual(t, v.Rank, l1.Shards[0].Rank)
	require.NoError(t, m.Exclude(TargetRef{Rank: l1.Shards[0].Rank, Index: AllTargets}))
	l2, err := m.Layout(oid)
	require.NoError(t, err)
	ranks := map[uint32]bool{}
	for _, s := range l2.Shards {
		require.GreaterOrEqual(t, s.Target, 0)
		ranks[s.Rank] = true
	}
	require.Len(t, ranks, 4)
}

func TestLayoutExtend(t *testing.T) {
	m := testMap(t)
	base := make([]*Layout, 20000)
	for i := range base {
		l, err := m.Layout(mustOID(t, uint64(i), OTMultiHashed, Name2ID("RP_2G1"), m.Shape(0)))
		require.NoError(t, err)
		base[i] = l
	}
	// Adding ranks (NEW) moves nothing.
	require.NoError(t, m.AddRanks([]RankSpec{{Rank: 8, Targets: 4, FaultPath: "/rack4"}, {Rank: 9, Targets: 4, FaultPath: "/rack4"}}))
	moved := 0
	for _, b := range base {
		l, err := m.Layout(b.OID)
		require.NoError(t, err)
		require.Equal(t, b.Shards, l.Shards)
	}
	// Extend: shards move, mostly onto the new targets.
	require.NoError(t, m.Extend(TargetRef{Rank: 8, Index: AllTargets}, TargetRef{Rank: 9, Index: AllTargets}))
	toNew := 0
	for _, b := range base {
		l, err := m.Layout(b.OID)
		require.NoError(t, err)
		for i, s := range l.Shards {
			if s.ID != b.Shards[i].ID {
				moved++
				if s.Rank >= 8 {
					toNew++
					require.True(t, s.Rebuilding)
				}
			}
		}
	}
	total := 2 * len(base)
	t.Logf("extend 32 -> 40 targets (new domain): %d of %d shards moved (%.1f%%; ideal %.1f%%), %d onto new targets",
		moved, total, 100*float64(moved)/float64(total), 100*8.0/40, toNew)
}

func TestGroupOfDkey(t *testing.T) {
	m := testMap(t)
	arr := mustOID(t, 1, OTArray, Name2ID("S8"), m.Shape(0))
	l, err := m.Layout(arr)
	require.NoError(t, err)
	for i := uint64(0); i < 32; i++ {
		var k [8]byte
		for j := range k {
			k[j] = byte(i >> (8 * j))
		}
		require.Equal(t, int(i%8), GroupOfDkey(l, k[:]))
		require.Equal(t, int(i%8), l.GroupOfDkey(k[:]))
	}
	kv := mustOID(t, 2, OTMultiHashed, Name2ID("S8"), m.Shape(0))
	l, err = m.Layout(kv)
	require.NoError(t, err)
	hits := make([]int, 8)
	for i := 0; i < 8000; i++ {
		g := GroupOfDkey(l, []byte(fmt.Sprintf("dkey-%d", i)))
		require.Equal(t, g, GroupOfDkey(l, []byte(fmt.Sprintf("dkey-%d", i))))
		hits[g]++
	}
	for _, h := range hits {
		require.InDelta(t, 1000, h, 150)
	}
	one := mustOID(t, 3, OTMultiHashed, Name2ID("S1"), m.Shape(0))
	l, err = m.Layout(one)
	require.NoError(t, err)
	require.Equal(t, 0, GroupOfDkey(l, []byte("x")))
}

func TestLayoutBadOID(t *testing.T) {
	m := testMap(t)
	for _, oid := range []daos.ObjectID{
		{},                       // nil
		{Lo: 1},                  // class 0
		{Hi: 0x00FF000100000000}, // unknown redundancy
		{Hi: 0x0001000000000000}, // zero groups
		{Hi: 0x0000000700000000}, // legacy id 7, not in the table
		{Hi: 0x000D000100000000}, // RP_8: 8 replicas > 4 domains is fine, but...
	} {
		_, err := m.Layout(oid)
		if oid.Hi == 0x000D000100000000 {
			require.NoError(t, err) // 8 shards on 8 ranks
			continue
		}
		require.ErrorIs(t, err, daos.ErrInval, "%v", oid)
	}
	big := daos.ObjectID{Hi: uint64(RP64)<<48 | 1<<32}
	_, err := m.Layout(big)
	require.ErrorIs(t, err, daos.ErrInval)
}

func BenchmarkLayout(b *testing.B) {
	m := testMap(b)
	for _, name := range []string{"S1", "RP_3G1", "EC_2P1G1", "EC_4P2GX", "SX"} {
		oid := mustOID(b, 1, OTMultiHashed, Name2ID(name), PoolShape{Targets: 32, Domains: 8})
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				oid.Lo = uint64(i)
				if _, err := m.Layout(oid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestLayoutConcurrent computes layouts from many goroutines while clones
// of the map change (run with -race).
func TestLayoutConcurrent(t *testing.T) {
	m := testMap(t)
	cid := Name2ID("RP_2G2")
	want := make([]*Layout, 200)
	for i := range want {
		l, err := m.Layout(mustOID(t, uint64(i), OTMultiHashed, cid, m.Shape(0)))
		require.NoError(t, err)
		want[i] = l
	}
	done := make(chan error, 4)
	for w := 0; w < 4; w++ {
		go func() {
			for i, wl := range want {
				l, err := m.Layout(wl.OID)
				if err == nil && fmt.Sprint(l.Shards) != fmt.Sprint(wl.Shards) {
					err = fmt.Errorf("object %d: layout changed", i)
				}
				if err != nil {
					done <- err
					return
				}
				c := m.Clone()
				if err := c.Exclude(TargetRef{Rank: uint32(i % 8), Index: i % 4}); err != nil {
					done <- err
					return
				}
				if _, err := c.Layout(wl.OID); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for w := 0; w < 4; w++ {
		require.NoError(t, <-done)
	}
}

// Fault paths of two levels (/rack/node, several ranks per node): the
// domains are the nodes. Replicas of a group land on distinct nodes, and
// targets stay within 10% of the mean, as with one level.
func TestLayoutTwoLevelDomains(t *testing.T) {
	var specs []RankSpec
	for r := uint32(0); r < 12; r++ {
		specs = append(specs, RankSpec{Rank: r, Targets: 4, FaultPath: fmt.Sprintf("/rack%d/node%d", r%3, r%6)})
	}
	m, err := NewPoolMap(specs)
	require.NoError(t, err)
	ps := m.Shape(0)
	require.Equal(t, 6, ps.Domains)
	for _, name := range []string{"S1", "RP_3G1", "SX"} {
		counts := map[[2]int]int{}
		total := 0
		n := nObjects
		if name == "SX" {
			n /= 100 // every object spans every target
		}
		for i := 0; i < n; i++ {
			l, err := m.Layout(mustOID(t, uint64(i), OTMultiHashed, Name2ID(name), ps))
			require.NoError(t, err)
			for g := 0; g < l.Groups; g++ {
				nodes := map[string]bool{}
				for _, s := range l.Group(g) {
					node := m.rank(s.Rank).FaultPath
					require.False(t, nodes[node], "%s: node %s twice in a group: %s", name, node, l)
					nodes[node] = true
				}
			}
			for _, s := range l.Shards {
				counts[[2]int{int(s.Rank), s.Target}]++
				total++
			}
		}
		require.Len(t, counts, 48, name)
		mean := float64(total) / 48
		for k, c := range counts {
			require.InDelta(t, mean, float64(c), mean*0.10, "%s: target %v", name, k)
		}
	}
}
