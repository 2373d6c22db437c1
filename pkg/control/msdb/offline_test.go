package msdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/rsvc"
)

func TestInspectMissing(t *testing.T) {
	st, err := Inspect(filepath.Join(t.TempDir(), "none"))
	require.NoError(t, err)
	require.False(t, st.Exists)
}

// TestRecoverLostMajority: three replicas, two lost for good; the third,
// recovered offline, leads alone with every record.
func TestRecoverLostMajority(t *testing.T) {
	nodes, addrs := cluster(t, 3)
	ctx := context.Background()
	for i := 0; i < 20; i++ { // past the snapshot threshold (16)
		_, err := applyOnLeader(ctx, t, nodes, join(fmt.Sprintf("u%d", i)))
		require.NoError(t, err)
	}
	n := nodes[0]
	eventually(t, "replica 0 applies the joins", func() bool { return len(n.db.Members()) == 20 })

	// A running replica holds its database: both calls refuse.
	_, err := Inspect(n.dir)
	require.True(t, errors.Is(err, ErrInUse), "%v", err)
	_, err = Recover(n.dir, n.addr, slog.New(slog.DiscardHandler))
	require.True(t, errors.Is(err, ErrInUse), "%v", err)

	for _, x := range nodes {
		x.stop()
	}
	before, err := Inspect(n.dir)
	require.NoError(t, err)
	require.True(t, before.Exists)
	require.Len(t, before.Voters, 3)
	require.NotZero(t, before.LastIndex)
	require.NotZero(t, before.CurrentTerm)

	backup, err := Recover(n.dir, n.addr, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	old, err := rsvc.InspectLocal(backup, DBFile)
	require.NoError(t, err, "the backup is a usable store")
	require.Equal(t, before.LastIndex, old.LastIndex)
	require.Len(t, old.Voters, 3)

	after, err := Inspect(n.dir)
	require.NoError(t, err)
	require.Equal(t, []rsvc.Member{{ID: n.addr, Addr: n.addr}}, after.Voters)
	require.NotEmpty(t, after.Snapshots)
	require.Equal(t, before.LastIndex, after.Snapshots[0].Index)

	// Started alone, with the config still naming all three, it leads.
	n.start(t, addrs)
	ldr := leader(t, []*node{n})
	require.NoError(t, ldr.rep.Barrier(ctx))
	require.Len(t, n.db.Members(), 20)
	res, err := n.rep.Apply(ctx, join("after"))
	require.NoError(t, err)
	require.NotNil(t, res)
}

func TestRecoverRefusesMissingDB(t *testing.T) {
	dir := t.TempDir()
	_, err := Recover(dir, "127.0.0.1:1", nil)
	require.ErrorIs(t, err, os.ErrNotExist)
	entries, _ := os.ReadDir(dir)
	require.Empty(t, entries, "nothing created")
}
