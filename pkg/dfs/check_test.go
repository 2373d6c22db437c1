package dfs_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
)

// TestCheck: objects no entry reaches are found, relinked into
// /lost+found with their data, or removed.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	write := func(parent *dfs.Obj, name, data string) *dfs.Obj {
		f, err := fs.Open(ctx, parent, name, fileMode, create, 0, 0, "")
		require.NoError(t, err)
		require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte(data)}, 0))
		return f
	}
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o755, 0))
	d, err := fs.Lookup(ctx, "/d", rw)
	require.NoError(t, err)
	require.NoError(t, fs.Mkdir(ctx, d, "sub", 0o755, 0))
	write(d, "kept", "kept data").Release()
	write(nil, "top", "top data").Release()

	rep, err := fs.Check(ctx, dfs.CheckOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Leaked)
	require.Equal(t, 3, rep.Dirs, "/, /d, /d/sub")
	require.Equal(t, 4, rep.Entries)
	require.Equal(t, rep.Objects, rep.Reachable)

	// A file whose entry went but whose object stayed is leaked.
	lost := write(d, "lost", "recover me")
	oid, err := fs.RemoveKeep(ctx, d, "lost", lost.OID())
	require.NoError(t, err)
	rep, err = fs.Check(ctx, dfs.CheckOptions{})
	require.NoError(t, err)
	require.Equal(t, []daos.ObjectID{oid}, rep.Leaked)
	require.Zero(t, rep.Relinked+rep.Removed, "printing changes nothing")

	rep, err = fs.Check(ctx, dfs.CheckOptions{Relink: true, Name: "run1"})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Relinked)
	require.Equal(t, "/lost+found/run1", rep.RelinkDir)
	f, err := fs.Lookup(ctx, "/lost+found/run1/"+oid.String(), rw)
	require.NoError(t, err)
	buf := make([]byte, 32)
	n, err := fs.Read(ctx, f, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Equal(t, "recover me", string(buf[:n]))
	require.NoError(t, f.Release())
	rep, err = fs.Check(ctx, dfs.CheckOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Leaked, "relinked objects are reached")

	// Another leak, removed this time.
	gone := write(nil, "gone", "punch me")
	_, err = fs.RemoveKeep(ctx, nil, "gone", gone.OID())
	require.NoError(t, err)
	rep, err = fs.Check(ctx, dfs.CheckOptions{Remove: true})
	require.NoError(t, err)
	require.Equal(t, []daos.ObjectID{gone.OID()}, rep.Leaked)
	require.Equal(t, 1, rep.Removed)
	n, err = fs.Read(ctx, gone, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Zero(t, n, "the removed object's data is gone")
	rep, err = fs.Check(ctx, dfs.CheckOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Leaked)

	_, err = fs.Check(ctx, dfs.CheckOptions{Remove: true, Relink: true})
	errno(t, syscall.EINVAL, err)
	require.NoError(t, lost.Release())
}
