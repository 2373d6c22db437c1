package poolhost

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// TestPoolSpace checks that any client can ask a pool's leader for the
// space of every target's shard, and that a rank of the map whose engine
// is gone is left out rather than failing the query.
func TestPoolSpace(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := &mapCluster{uris: map[uint32]string{}}
	dead, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: rpc.NewRegistry()})
	require.NoError(t, err)
	c.uris[7] = dead.URI().String()
	dead.Close()
	c.ranks = []uint32{0, 1, 2, 7}
	es := make([]*testEngine, 3)
	for r := range es {
		es[r] = c.start(t, uint32(r), t.TempDir(), 0)
		defer es[r].stop()
	}
	pool := UUID{0x5e}
	uris := c.rankURIs()
	plan := Plan{Pool: pool, Ranks: []uint32{0, 1, 2}, URIs: uris, SCMBytes: []uint64{64 << 20, 64 << 20, 64 << 20},
		NVMeBytes: []uint64{0, 0, 0}, SvcRanks: []uint32{0, 1, 2}, Init: initCmd}
	require.NoError(t, es[0].host.CreatePool(ctx, plan))
	replicas := []string{uris[0], uris[1], uris[2]}
	_, err = (&Client{EP: es[0].ep}).Apply(ctx, pool, replicas, []byte("1"))
	require.NoError(t, err)

	// A plain client endpoint, without the engines' key.
	cep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}})
	require.NoError(t, err)
	defer cep.Close()
	ts, err := (&Client{EP: cep}).Space(ctx, pool, replicas)
	require.NoError(t, err)
	require.Len(t, ts, 6, "three engines of two targets; the gone rank is left out")
	var total, free uint64
	for _, s := range ts {
		require.NotZero(t, s.SCMTotal)
		require.LessOrEqual(t, s.SCMFree, s.SCMTotal)
		total += s.SCMTotal
		free += s.SCMFree
	}
	require.InDelta(t, float64(3*64<<20), float64(total), float64(3*64<<20)/10)
	require.NotZero(t, free)

	// An unknown pool is not hosted anywhere.
	_, err = (&Client{EP: cep}).Space(ctx, UUID{0x99}, replicas)
	require.Error(t, err)
}
