package poolsvc

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

func TestQuery(t *testing.T) {
	m := NewMachine()
	q := func(what, id string) ([]byte, error) {
		b, _ := json.Marshal(Query{What: what, ID: id})
		return m.Query(b)
	}
	_, err := q("info", "")
	assert.True(t, errors.Is(err, daos.ErrUninit))
	cmd := &Command{Op: OpCreate, Time: time.Unix(1, 0), Create: &CreateArgs{UUID: "11111111-2222-3333-4444-555555555555", Label: "tank",
		Ranks: []placement.RankSpec{{Rank: 0, Targets: 4}, {Rank: 1, Targets: 4}}, SvcRanks: []uint32{0}}}
	b, err := cmd.Encode()
	require.NoError(t, err)
	res := m.Apply(b)
	_, failed := res.(error)
	require.False(t, failed, "%v", res)

	out, err := q("info", "")
	require.NoError(t, err)
	var info PoolInfo
	require.NoError(t, json.Unmarshal(out, &info))
	assert.Equal(t, "tank", info.Label)
	assert.Equal(t, 8, info.TotalTargets)

	out, err = q("map", "")
	require.NoError(t, err)
	var mr MapReply
	require.NoError(t, json.Unmarshal(out, &mr))
	pm, err := placement.DecodePoolMap(mr.Map)
	require.NoError(t, err)
	assert.Equal(t, 8, pm.NumTargets())
	assert.Equal(t, mr.Version, pm.Version())

	for _, tc := range []struct {
		name string
		want Prop
	}{
		{"label", Prop{Str: "tank"}},
		{"svc_list", Prop{Str: "[0]"}},
	} {
		out, err = q("props", "")
		require.NoError(t, err)
		var props map[string]Prop
		require.NoError(t, json.Unmarshal(out, &props))
		assert.Equal(t, tc.want, props[tc.name], tc.name)
	}

	out, err = q("containers", "")
	require.NoError(t, err)
	assert.Equal(t, "[]", string(out))
	_, err = q("container", "nope")
	assert.True(t, errors.Is(err, daos.ErrNonexist), "%v", err)
	_, err = q("cont_handle", "66666666-2222-3333-4444-555555555555")
	assert.True(t, errors.Is(err, daos.ErrNoHdl), "%v", err)
	_, err = q("bogus", "")
	assert.True(t, errors.Is(err, daos.ErrInval))
	_, err = m.Query([]byte("{"))
	assert.True(t, errors.Is(err, daos.ErrProto))
}

func TestAggregationQuery(t *testing.T) {
	s := base(t)
	m := &Machine{State: s}
	ask := func() *AggregationReply {
		t.Helper()
		out, err := m.Query([]byte(`{"what":"aggregation"}`))
		require.NoError(t, err)
		var r AggregationReply
		require.NoError(t, json.Unmarshal(out, &r))
		return &r
	}
	r := ask()
	assert.Equal(t, uint64(ReclaimLazy), r.Reclaim, "DAOS's default")
	assert.Equal(t, map[string][]uint64{c1: {}}, r.Snapshots)
	apply(t, s, &Command{Op: OpSnapCreate, Handle: ch, Epoch: 50}, &Command{Op: OpSnapCreate, Handle: ch, Epoch: 70},
		&Command{Op: OpSetProps, Props: map[string]string{"reclaim": "time"}})
	r = ask()
	assert.Equal(t, uint64(ReclaimTime), r.Reclaim)
	assert.Equal(t, map[string][]uint64{c1: {50, 70}}, r.Snapshots)
	apply(t, s, &Command{Op: OpSetProps, Props: map[string]string{"reclaim": "disabled"}})
	assert.Equal(t, uint64(ReclaimDisabled), ask().Reclaim)
	m.SetEpochSource(func() uint64 { return 12345 })
	assert.Equal(t, uint64(12345), ask().Now, "the leader's clock")
	// Not a client's read.
	_, err := m.ClientQuery([]byte(`{"what":"aggregation","handle":"` + ph + `"}`))
	assert.ErrorIs(t, err, daos.ErrNoPerm)
}
