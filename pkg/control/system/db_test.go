package system

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

var t0 = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func joinCmd(uuid, addr string, idx uint32, rank uint32) *Command {
	return &Command{Op: OpJoin, Time: t0, Join: &JoinRequest{
		UUID: uuid, Addr: addr, Index: idx, Rank: rank, URI: "tcp://" + addr, Contexts: 2,
		FaultDomain: "/" + addr, Incarnation: 1,
	}}
}

func mustJoin(t *testing.T, db *Database, c *Command) *JoinResult {
	t.Helper()
	res := db.Apply(roundTrip(t, c))
	jr, ok := res.(*JoinResult)
	require.True(t, ok, "join refused: %v", res)
	return jr
}

// roundTrip passes a command through its log encoding, as replicas see it.
func roundTrip(t *testing.T, c *Command) *Command {
	t.Helper()
	b, err := c.Encode()
	require.NoError(t, err)
	out, err := DecodeCommand(b)
	require.NoError(t, err)
	return out
}

func TestJoinAssignsRanksInOrderAndKeepsThem(t *testing.T) {
	db := NewDatabase()
	a := mustJoin(t, db, joinCmd("u-a", "h1:10001", 0, NilRank))
	b := mustJoin(t, db, joinCmd("u-b", "h2:10001", 0, NilRank))
	c := mustJoin(t, db, joinCmd("u-c", "h2:10001", 1, NilRank))
	assert.Equal(t, []uint32{0, 1, 2}, []uint32{a.Member.Rank, b.Member.Rank, c.Member.Rank})
	assert.True(t, a.Created)
	assert.Equal(t, uint32(3), c.MapVersion)

	// The same engine rejoining keeps its rank, with or without saying it.
	again := mustJoin(t, db, joinCmd("u-b", "h2:10001", 0, 1))
	assert.Equal(t, uint32(1), again.Member.Rank)
	assert.False(t, again.Created)
	again = mustJoin(t, db, joinCmd("u-b", "h2:10001", 0, NilRank))
	assert.Equal(t, uint32(1), again.Member.Rank)
	assert.Equal(t, uint32(5), db.MapVersion())
	assert.Len(t, db.Members(), 3)
	assert.Equal(t, uint64(5), db.DataVersion())
}

func TestJoinRefusals(t *testing.T) {
	db := NewDatabase()
	mustJoin(t, db, joinCmd("u-a", "h1:10001", 0, NilRank))
	mustJoin(t, db, joinCmd("u-b", "h2:10001", 0, NilRank))
	before, _ := db.Snapshot()

	for name, c := range map[string]*Command{
		"wrong rank":          joinCmd("u-a", "h1:10001", 0, 1),
		"moved":               joinCmd("u-a", "h9:10001", 0, NilRank),
		"rank of another":     joinCmd("u-x", "h3:10001", 0, 1),
		"no uuid":             joinCmd("", "h3:10001", 0, NilRank),
		"bad fault domain":    {Op: OpJoin, Join: &JoinRequest{UUID: "u-y", Addr: "h3:1", Rank: NilRank, FaultDomain: "rack"}},
		"deeper fault domain": {Op: OpJoin, Join: &JoinRequest{UUID: "u-z", Addr: "h3:1", Rank: NilRank, FaultDomain: "/r1/h3"}},
		"nothing to replace":  {Op: OpJoin, Join: &JoinRequest{UUID: "u-r", Addr: "h1:10001", Rank: NilRank, Replace: true}},
	} {
		res := db.Apply(roundTrip(t, c))
		err, ok := res.(error)
		require.True(t, ok, "%s: accepted: %v", name, res)
		assert.Error(t, err, name)
	}
	after, _ := db.Snapshot()
	assert.JSONEq(t, string(before), string(after), "refused joins changed the record")
}

func TestAdminExcludedCannotJoinUntilCleared(t *testing.T) {
	db := NewDatabase()
	mustJoin(t, db, joinCmd("u-a", "h1:10001", 0, NilRank))
	res := db.Apply(&Command{Op: OpState, Time: t0, State: &StateChange{Ranks: []uint32{0, 7}, State: StateAdminExcluded, Admin: true}})
	rs := res.([]StateResult)
	require.Len(t, rs, 2)
	assert.True(t, rs[0].Changed)
	assert.False(t, rs[1].Changed)
	assert.Equal(t, "not a member", rs[1].Reason)
	_, entries := db.GroupMap()
	assert.Empty(t, entries, "an excluded rank stays in the group map")

	err, _ := db.Apply(joinCmd("u-a", "h1:10001", 0, 0)).(error)
	require.Error(t, err)
	assert.True(t, errors.Is(err, daos.ErrNoPerm), "%v", err)

	rs = db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{0}, State: StateExcluded, Admin: true}}).([]StateResult)
	assert.True(t, rs[0].Changed)
	jr := mustJoin(t, db, joinCmd("u-a", "h1:10001", 0, 0))
	assert.Equal(t, StateJoined, jr.Member.State)
	_, entries = db.GroupMap()
	assert.Len(t, entries, 1)
}

func TestReplaceTakesAnExcludedRank(t *testing.T) {
	db := NewDatabase()
	mustJoin(t, db, joinCmd("u-a", "h1:10001", 0, NilRank))
	db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{0}, State: StateErrored}})
	db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{0}, State: StateExcluded}})
	c := joinCmd("u-new", "h1:10001", 0, NilRank)
	c.Join.Replace = true
	jr := mustJoin(t, db, c)
	assert.Equal(t, uint32(0), jr.Member.Rank)
	assert.Equal(t, "u-new", jr.Member.UUID)
	assert.Len(t, db.Members(), 1)
}

func TestStateChangesFollowTransitionRules(t *testing.T) {
	db := NewDatabase()
	mustJoin(t, db, joinCmd("u-a", "h1:10001", 0, NilRank))
	apply := func(s MemberState, inc uint64) StateResult {
		return db.Apply(&Command{Op: OpState, Time: t0, State: &StateChange{Ranks: []uint32{0}, State: s, Incarnation: inc}}).([]StateResult)[0]
	}
	assert.False(t, apply(StateReady, 0).Changed, "Joined -> Ready is illegal")
	assert.True(t, apply(StateErrored, 1).Changed)
	assert.False(t, apply(StateStopping, 0).Changed, "Errored -> Stopping is illegal")
	// An event about an older process changes nothing.
	mustJoin(t, db, &Command{Op: OpJoin, Join: &JoinRequest{UUID: "u-a", Addr: "h1:10001", Rank: 0, Incarnation: 5, FaultDomain: "/h1:10001"}})
	r := apply(StateErrored, 4)
	assert.False(t, r.Changed)
	assert.Contains(t, r.Reason, "incarnation 4")
	assert.True(t, apply(StateErrored, 5).Changed)
	m, err := db.Member(0)
	require.NoError(t, err)
	assert.Equal(t, StateErrored, m.State)
	_, err = db.Member(3)
	assert.True(t, errors.Is(err, daos.ErrNonexist))
}

func TestTransitionTable(t *testing.T) {
	for _, tc := range []struct {
		from, to MemberState
		ok       bool
	}{
		{StateJoined, StateJoined, false},
		{StateUnknown, StateJoined, false},
		{StateAdminExcluded, StateJoined, false},
		{StateReady, StateExcluded, false},
		{StateStarting, StateExcluded, false},
		{StateJoined, StateReady, false},
		{StateErrored, StateJoined, false},
		{StateUnresponsive, StateStopping, false},
		{StateCheckerStarted, StateJoined, false},
		{StateExcluded, StateStopped, false},
		{StateExcluded, StateJoined, true},
		{StateReady, StateJoined, true},
		{StateJoined, StateStopping, true},
		{StateStopping, StateStopped, true},
		{StateJoined, StateExcluded, true},
		{StateJoined, StateUnresponsive, true},
		{StateUnresponsive, StateExcluded, true},
	} {
		assert.Equal(t, tc.ok, tc.from.CanTransition(tc.to), "%s -> %s", tc.from, tc.to)
	}
}

func TestStateNames(t *testing.T) {
	for _, n := range stateNames {
		got, err := ParseState(n.s.JSONName())
		require.NoError(t, err)
		assert.Equal(t, n.s, got)
	}
	mask, err := ParseStateMask("joined, Excluded")
	require.NoError(t, err)
	assert.Equal(t, StateJoined|StateExcluded, mask)
	_, err = ParseStateMask("joined,bogus")
	assert.Error(t, err)
	_, err = ParseStateMask("")
	assert.Error(t, err)
}

func TestPropsAndAttrs(t *testing.T) {
	db := NewDatabase()
	p, err := db.Props(nil, "sys", "1.0")
	require.NoError(t, err)
	assert.Equal(t, "exclude;pool_exclude;pool_rebuild", p[PropSelfHeal])
	assert.Equal(t, "sys", p[PropDaosSystem])
	assert.True(t, db.SelfHeal("exclude"))

	for _, bad := range []map[string]string{
		{PropSelfHeal: "exclude;bogus"}, {PropPoolScrubMode: "always"}, {PropPoolScrubThresh: "-1"},
		{PropDaosSystem: "x"}, {"nope": "1"}, {},
	} {
		_, isErr := db.Apply(&Command{Op: OpSetProps, KV: bad}).(error)
		assert.True(t, isErr, "%v accepted", bad)
	}
	assert.Nil(t, db.Apply(&Command{Op: OpSetProps, KV: map[string]string{PropSelfHeal: "none"}}))
	assert.False(t, db.SelfHeal("exclude"))

	db.Apply(&Command{Op: OpSetAttrs, KV: map[string]string{"a": "1", "b": "2"}})
	db.Apply(&Command{Op: OpSetAttrs, KV: map[string]string{"b": ""}})
	got, err := db.Attrs(nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "1"}, got)
	_, err = db.Attrs([]string{"b"})
	assert.True(t, errors.Is(err, daos.ErrNonexist))
}

func TestSnapshotRestore(t *testing.T) {
	db := NewDatabase()
	mustJoin(t, db, joinCmd("u-a", "h1:10001", 0, NilRank))
	mustJoin(t, db, joinCmd("u-b", "h2:10001", 0, NilRank))
	db.Apply(&Command{Op: OpSetAttrs, KV: map[string]string{"k": "v"}})
	snap, err := db.Snapshot()
	require.NoError(t, err)

	other := NewDatabase()
	require.NoError(t, other.Restore(snap))
	assert.Equal(t, db.Members(), other.Members())
	assert.Equal(t, db.MapVersion(), other.MapVersion())
	// Both assign the same next rank.
	a := mustJoin(t, db, joinCmd("u-c", "h3:10001", 0, NilRank))
	b := mustJoin(t, other, joinCmd("u-c", "h3:10001", 0, NilRank))
	assert.Equal(t, a.Member.Rank, b.Member.Rank)

	assert.Error(t, other.Restore([]byte("{")))
	assert.Error(t, other.Restore([]byte(`{"members":{"1":{"rank":2}}}`)))
	assert.Len(t, other.Members(), 3, "a failed restore changed the record")
}

func TestUnknownCommand(t *testing.T) {
	db := NewDatabase()
	_, isErr := db.Apply(&Command{Op: "drop_table"}).(error)
	assert.True(t, isErr)
	_, isErr = db.Apply(&Command{Op: OpJoin}).(error)
	assert.True(t, isErr)
	_, err := DecodeCommand([]byte("not json"))
	assert.Error(t, err)
}

func TestJoinReviewRegressions(t *testing.T) {
	// Several excluded ranks at one address and index: a replace takes the
	// lowest, whatever the map order (replicas must agree).
	for i := 0; i < 50; i++ {
		db := NewDatabase()
		mustJoin(t, db, joinCmd("u-a", "h1:10001", 0, NilRank))
		mustJoin(t, db, joinCmd("u-b", "h1:10001", 0, NilRank))
		for _, r := range []uint32{0, 1} {
			db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{r}, State: StateErrored}})
			db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{r}, State: StateExcluded}})
		}
		c := joinCmd("u-new", "h1:10001", 0, NilRank)
		c.Join.Replace = true
		require.Equal(t, uint32(0), mustJoin(t, db, c).Member.Rank)
	}

	// A refused replace changes nothing (admin-excluded is not replaceable).
	db := NewDatabase()
	mustJoin(t, db, joinCmd("u-a", "h1:10001", 0, NilRank))
	mustJoin(t, db, joinCmd("u-b", "h2:10001", 0, NilRank))
	db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{0}, State: StateAdminExcluded, Admin: true}})
	before, _ := db.Snapshot()
	c := joinCmd("u-new", "h1:10001", 0, NilRank)
	c.Join.Replace = true
	_, refused := db.Apply(c).(error)
	require.True(t, refused)
	deep := joinCmd("u-new", "h1:10001", 0, NilRank)
	deep.Join.Replace, deep.Join.FaultDomain = true, "/a/b/c"
	db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{0}, State: StateExcluded, Admin: true}})
	mid, _ := db.Snapshot()
	_, refused = db.Apply(deep).(error)
	require.True(t, refused, "a replace with a deeper fault domain was accepted")
	after, _ := db.Snapshot()
	assert.JSONEq(t, string(mid), string(after))
	assert.NotEqual(t, string(before), string(mid))

	// A join from an older incarnation than the member's is stale.
	db = NewDatabase()
	c = joinCmd("u-a", "h1:10001", 0, NilRank)
	c.Join.Incarnation = 200
	mustJoin(t, db, c)
	old := joinCmd("u-a", "h1:10001", 0, 0)
	old.Join.Incarnation, old.Join.URI = 100, "tcp://old"
	err, _ := db.Apply(old).(error)
	require.True(t, errors.Is(err, daos.ErrStale), "%v", err)
	m, _ := db.Member(0)
	assert.Equal(t, uint64(200), m.Incarnation)

	// A claimed top rank does not exhaust new ranks.
	db = NewDatabase()
	mustJoin(t, db, joinCmd("u-top", "h1:10001", 0, NilRank-1))
	assert.Equal(t, uint32(0), mustJoin(t, db, joinCmd("u-next", "h2:10001", 0, NilRank)).Member.Rank)
}

func TestStateChangeGuards(t *testing.T) {
	db := NewDatabase()
	c := joinCmd("u-a", "h1:10001", 0, NilRank)
	c.Join.Incarnation = 7
	mustJoin(t, db, c)
	res := db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{0}, State: StateErrored, Incarnations: []uint64{6}}}).([]StateResult)
	assert.False(t, res[0].Changed, "a change for another incarnation applied")
	res = db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{0}, State: StateErrored, From: StateStopping}}).([]StateResult)
	assert.False(t, res[0].Changed, "a change from another state applied")
	res = db.Apply(&Command{Op: OpState, State: &StateChange{Ranks: []uint32{0}, State: StateErrored, Incarnations: []uint64{7}, From: StateJoined}}).([]StateResult)
	assert.True(t, res[0].Changed)
}
