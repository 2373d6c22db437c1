package placement

import (
	"bytes"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/stretchr/testify/require"
)

func TestPoolMapCreate(t *testing.T) {
	m := testMap(t)
	require.Equal(t, uint32(1), m.Version())
	require.Equal(t, 32, m.NumTargets())
	require.Equal(t, PoolShape{Targets: 32, Domains: 4, RdFac: 1}, m.Shape(1))
	st, err := m.TargetState(3, 2)
	require.NoError(t, err)
	require.Equal(t, StateUpIn, st)
	_, err = m.TargetState(3, 4)
	require.ErrorIs(t, err, daos.ErrNonexist)
	_, err = m.TargetState(99, 0)
	require.ErrorIs(t, err, daos.ErrNonexist)

	// Default fault domain: one per rank.
	d, err := NewPoolMap([]RankSpec{{Rank: 0, Targets: 2}, {Rank: 1, Targets: 2}, {Rank: 2, Targets: 2}})
	require.NoError(t, err)
	require.Equal(t, PoolShape{Targets: 6, Domains: 3}, d.Shape(0))

	for _, bad := range [][]RankSpec{
		{{Rank: 0, Targets: 0}},
		{{Rank: 0, Targets: maxTargetsPerRank + 1}},
		{{Rank: 0, Targets: 1, FaultPath: "rack"}},
		{{Rank: 0, Targets: 1, FaultPath: "/rack/"}},
		{{Rank: 0, Targets: 1, FaultPath: "/a//b"}},
		{{Rank: 0, Targets: 1, FaultPath: "/"}},
	} {
		_, err := NewPoolMap(bad)
		require.ErrorIs(t, err, daos.ErrInval, "%v", bad)
	}
	_, err = NewPoolMap([]RankSpec{{Rank: 1, Targets: 1}, {Rank: 1, Targets: 1}})
	require.ErrorIs(t, err, daos.ErrExist)
}

func TestPoolMapStateCodes(t *testing.T) {
	// DAOS's C bit values and the proto enum numbers.
	for s, want := range map[State][2]int{StateNew: {0x1, 5}, StateUp: {0x2, 3}, StateUpIn: {0x4, 4},
		StateDown: {0x8, 2}, StateDownOut: {0x10, 1}, StateDrain: {0x20, 6}, StateUnknown: {0, 0}} {
		require.Equal(t, want[0], int(s))
		require.Equal(t, want[1], s.ProtoState())
	}
	require.Equal(t, "DOWNOUT", StateDownOut.String())
	require.Equal(t, "UNKNOWN", State(0x40).String())
	require.Equal(t, CompType(255), CompRoot)
}

func TestPoolMapTransitions(t *testing.T) {
	m := testMap(t)
	ver := m.Version()
	step := func(err error, want State, refs ...TargetRef) {
		t.Helper()
		require.NoError(t, err)
		ver++
		require.Equal(t, ver, m.Version())
		for _, r := range refs {
			st, err := m.TargetState(r.Rank, r.Index)
			require.NoError(t, err)
			require.Equal(t, want, st, "%v", r)
		}
	}
	refuse := func(err error, code daos.Errno) {
		t.Helper()
		require.ErrorIs(t, err, code)
		require.Equal(t, ver, m.Version(), "a refused change must not bump the version")
	}
	a := TargetRef{Rank: 1, Index: 0}
	b := TargetRef{Rank: 2, Index: 3}

	// Illegal from UPIN: reintegrate, extend, exclude-out; add-in of an
	// UPIN target is a no-op.
	refuse(m.Reintegrate(a), daos.ErrInval)
	refuse(m.Extend(a), daos.ErrInval)
	refuse(m.ExcludeOut(a), daos.ErrInval)
	require.NoError(t, m.AddIn(a))
	require.Equal(t, ver, m.Version())
	refuse(m.Exclude(TargetRef{Rank: 42, Index: 0}), daos.ErrNonexist)
	refuse(m.Exclude(TargetRef{Rank: 1, Index: 4}), daos.ErrNonexist)
	refuse(m.Exclude(TargetRef{Rank: 1, Index: -2}), daos.ErrNonexist)

	step(m.Exclude(a), StateDown, a) // UPIN -> DOWN
	require.NoError(t, m.Exclude(a)) // repeat: no-op, no new version
	require.Equal(t, ver, m.Version())
	refuse(m.Drain(a), daos.ErrInval) // drain wants UPIN
	refuse(m.AddIn(a), daos.ErrInval)
	step(m.ExcludeOut(a), StateDownOut, a) // DOWN -> DOWNOUT
	step(m.Reintegrate(a), StateUp, a)     // DOWNOUT -> UP
	refuse(m.Drain(a), daos.ErrInval)      // UP is not UPIN
	step(m.AddIn(a), StateUpIn, a)         // UP -> UPIN
	step(m.Exclude(a), StateDown, a)       // UPIN -> DOWN
	step(m.Reintegrate(a), StateUp, a)     // DOWN -> UP
	step(m.Exclude(a), StateDown, a)       // UP -> DOWN

	step(m.Drain(b), StateDrain, b) // UPIN -> DRAIN
	refuse(m.Exclude(b), daos.ErrInval)
	refuse(m.Reintegrate(b), daos.ErrInval)
	step(m.ExcludeOut(b), StateDownOut, b) // DRAIN -> DOWNOUT

	// All-or-nothing: one bad target refuses the whole call.
	c := TargetRef{Rank: 3, Index: 1}
	refuse(m.Exclude(c, TargetRef{Rank: 5, Index: 9}), daos.ErrNonexist)
	refuse(m.Exclude(c, b), daos.ErrInval) // b is DOWNOUT
	st, _ := m.TargetState(3, 1)
	require.Equal(t, StateUpIn, st)

	// A whole rank, one version; targets already out are skipped.
	step(m.Exclude(TargetRef{Rank: 2, Index: AllTargets}), StateDown, TargetRef{Rank: 2, Index: 0}, TargetRef{Rank: 2, Index: 2})
	st, _ = m.TargetState(2, 3)
	require.Equal(t, StateDownOut, st)

	// Rebuild completion: UP -> UPIN, DOWN/DRAIN -> DOWNOUT, one version.
	step(m.Reintegrate(a), StateUp, a)
	step(m.Drain(c), StateDrain, c)
	require.True(t, m.RebuildDone())
	ver++
	require.Equal(t, ver, m.Version())
	for ref, want := range map[TargetRef]State{a: StateUpIn, c: StateDownOut, {Rank: 2, Index: 0}: StateDownOut} {
		st, _ := m.TargetState(ref.Rank, ref.Index)
		require.Equal(t, want, st)
	}
	require.False(t, m.RebuildDone())
	require.Equal(t, ver, m.Version())

	// Extension: AddRanks (NEW) then Extend (NEW -> UP) then add-in.
	n := TargetRef{Rank: 8, Index: AllTargets}
	step(m.AddRanks([]RankSpec{{Rank: 8, Targets: 2, FaultPath: "/rack0"}}), StateNew, TargetRef{Rank: 8, Index: 0})
	require.ErrorIs(t, m.AddRanks([]RankSpec{{Rank: 8, Targets: 2}}), daos.ErrExist)
	require.Equal(t, 34, m.NumTargets())
	require.Equal(t, 32-5, m.Shape(0).Targets) // NEW and the 5 DOWNOUT (rank 2, 3.1) do not count
	refuse(m.Exclude(n), daos.ErrInval)
	refuse(m.Reintegrate(n), daos.ErrInval)
	step(m.Extend(n), StateUp, TargetRef{Rank: 8, Index: 1})
	step(m.AddIn(n), StateUpIn, TargetRef{Rank: 8, Index: 1})
}

func TestPoolMapEncode(t *testing.T) {
	m := testMap(t)
	require.NoError(t, m.Exclude(TargetRef{Rank: 1, Index: 2}))
	require.NoError(t, m.Drain(TargetRef{Rank: 4, Index: AllTargets}))
	require.NoError(t, m.AddRanks([]RankSpec{{Rank: 20, Targets: 3}}))
	enc := m.Encode()
	d, err := DecodePoolMap(enc)
	require.NoError(t, err)
	require.Equal(t, m.Version(), d.Version())
	require.Equal(t, m.Ranks(), d.Ranks())
	require.Equal(t, enc, d.Encode())

	// Deterministic: the same map built in another order encodes the same.
	specs := testSpecs()
	rev := make([]RankSpec, len(specs))
	for i := range specs {
		rev[i] = specs[len(specs)-1-i]
	}
	m2, err := NewPoolMap(rev)
	require.NoError(t, err)
	require.Equal(t, testMap(t).Encode(), m2.Encode())

	// Clones are independent.
	c := m.Clone()
	require.NoError(t, c.Exclude(TargetRef{Rank: 0, Index: 0}))
	st, _ := m.TargetState(0, 0)
	require.Equal(t, StateUpIn, st)
	require.NotEqual(t, c.Version(), m.Version())

	for i := 0; i < len(enc); i++ {
		_, err := DecodePoolMap(enc[:i])
		require.ErrorIs(t, err, daos.ErrProto, "truncated at %d", i)
	}
	_, err = DecodePoolMap(append(bytes.Clone(enc), 0))
	require.ErrorIs(t, err, daos.ErrProto)
	bad := bytes.Clone(enc)
	bad[len(bad)-1] = 0x40 // not a state
	_, err = DecodePoolMap(bad)
	require.ErrorIs(t, err, daos.ErrProto)
}

func FuzzDecodePoolMap(f *testing.F) {
	m := testMap(f)
	f.Add(m.Encode())
	require.NoError(f, m.Exclude(TargetRef{Rank: 3, Index: AllTargets}))
	f.Add(m.Encode())
	f.Add([]byte("DPM1\x01\x00\x00\x00\x01\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodePoolMap(b)
		if err != nil {
			if daos.Code(err) != daos.ErrProto {
				t.Fatalf("error without DER_PROTO: %v", err)
			}
			return
		}
		// A decoded map re-encodes to the same bytes and can place objects.
		if !bytes.Equal(m.Encode(), b) {
			t.Fatalf("re-encoding differs")
		}
		oid := daos.ObjectID{Hi: uint64(RP2)<<48 | 2<<32, Lo: 5}
		if l, err := m.Layout(oid); err == nil && len(l.Shards) != 4 {
			t.Fatalf("layout with %d shards", len(l.Shards))
		}
		_ = m.Clone().RebuildDone()
	})
}
