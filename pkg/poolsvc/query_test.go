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
