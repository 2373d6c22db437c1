package poolsvc

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

func TestQueryTargets(t *testing.T) {
	m := NewMachine()
	q := func(id string) (*TargetsReply, error) {
		b, _ := json.Marshal(Query{What: "targets", ID: id})
		out, err := m.Query(b)
		if err != nil {
			return nil, err
		}
		r := &TargetsReply{}
		require.NoError(t, json.Unmarshal(out, r))
		return r, nil
	}
	_, err := q("0")
	assert.ErrorIs(t, err, daos.ErrUninit)
	for _, c := range []*Command{
		{Op: OpCreate, Create: createArgs()},
		{Op: OpMapUpdate, MapOp: MapExclude, Targets: []placement.TargetRef{{Rank: 1, Index: 2}}},
		{Op: OpMapUpdate, MapOp: MapDrain, Targets: []placement.TargetRef{{Rank: 1, Index: 0}}},
	} {
		c.Time = t0
		b, _ := c.Encode()
		if err, ok := m.Apply(b).(error); ok {
			t.Fatalf("%s: %v", c.Op, err)
		}
	}
	for _, tc := range []struct {
		rank    string
		want    []string
		wantErr daos.Errno
	}{
		{rank: "0", want: []string{"UPIN", "UPIN", "UPIN", "UPIN"}},
		{rank: "1", want: []string{"DRAIN", "UPIN", "DOWN", "UPIN"}},
		{rank: "7", wantErr: daos.ErrNonexist},
		{rank: "x", wantErr: daos.ErrInval},
		{rank: "-1", wantErr: daos.ErrInval},
	} {
		r, err := q(tc.rank)
		if tc.wantErr != 0 {
			assert.ErrorIs(t, err, tc.wantErr, tc.rank)
			continue
		}
		require.NoError(t, err, tc.rank)
		assert.EqualValues(t, 3, r.MapVersion, "created at 1, two changes")
		var states []string
		for i, ti := range r.Targets {
			assert.EqualValues(t, i, ti.Index)
			assert.Equal(t, tc.rank, map[uint32]string{0: "0", 1: "1"}[ti.Rank])
			states = append(states, ti.State)
		}
		assert.Equal(t, tc.want, states, "rank %s", tc.rank)
	}
}
