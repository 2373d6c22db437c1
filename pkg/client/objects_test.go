package client_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

func TestListObjects(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	defer client.SetListObjectsBatch(3)()

	got, err := c.ListObjects(ctx, 0)
	require.NoError(t, err)
	assert.Empty(t, got, "a new container has no objects")

	var want []daos.ObjectID
	iod := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 1}}
	var firstEpoch daos.Epoch
	for i := 0; i < 30; i++ {
		class := []string{"S1", "S2", "S4", "SX"}[i%4]
		oid := oidOf(t, c, class, uint64(1000+i))
		o, err := c.Object(oid)
		require.NoError(t, err)
		// Several dkeys, so multi-shard objects have data on several
		// targets and must be listed once.
		for d := 0; d < 6; d++ {
			e, err := o.Update(ctx, []byte(fmt.Sprintf("d%d", d)), iod, [][]byte{{byte(d)}}, 0)
			require.NoError(t, err)
			if i == 0 && d == 0 {
				firstEpoch = e
			}
		}
		want = append(want, oid)
	}
	sort.Slice(want, func(i, j int) bool {
		if want[i].Hi != want[j].Hi {
			return want[i].Hi < want[j].Hi
		}
		return want[i].Lo < want[j].Lo
	})
	got, err = c.ListObjects(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// At the first write's epoch only the first object existed.
	got, err = c.ListObjects(ctx, firstEpoch)
	require.NoError(t, err)
	assert.Equal(t, []daos.ObjectID{oidOf(t, c, "S1", 1000)}, got)

	// A handle the engines do not know is refused.
	bad := *c
	bad.Handle[0] ^= 0xff
	_, err = bad.ListObjects(ctx, 0)
	assert.ErrorIs(t, err, daos.ErrNoHdl)
}
