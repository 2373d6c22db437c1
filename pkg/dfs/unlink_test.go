package dfs_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/dfs"
)

// A file unlinked with RemoveKeep keeps its data for open handles until
// Destroy; Ostat of such a handle still answers.
func TestRemoveKeepThenDestroy(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("kept")}, 0))
	oid, err := fs.RemoveKeep(ctx, nil, "f")
	require.NoError(t, err)
	require.Equal(t, f.OID(), oid)
	_, err = fs.Lookup(ctx, "/f", rw)
	errno(t, syscall.ENOENT, err)
	buf := make([]byte, 8)
	n, err := fs.Read(ctx, f, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Equal(t, "kept", string(buf[:n]))
	st, err := fs.Ostat(ctx, f)
	require.NoError(t, err)
	require.Equal(t, uint64(4), st.Size)

	require.NoError(t, fs.Destroy(ctx, f))
	n, err = fs.Read(ctx, f, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Zero(t, n, "the data went with Destroy")
	// Only files can be destroyed this way.
	errno(t, syscall.EISDIR, fs.Destroy(ctx, fs.Root()))
}

// A write moves a file's mtime without rewriting its entry (the data's
// newest epoch is its time); an explicit mtime holds until the next
// change to the data.
func TestMtimeFollowsWrites(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	old := time.Date(2019, 1, 2, 3, 4, 5, 0, time.UTC)
	_, err = fs.SetAttr(ctx, f, &dfs.Stat{Mtime: old}, dfs.SetMtime)
	require.NoError(t, err)
	st, err := fs.Ostat(ctx, f)
	require.NoError(t, err)
	require.True(t, st.Mtime.Equal(old), "explicit mtime on an empty file: %v", st.Mtime)

	before := time.Now().Add(-time.Second)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("data")}, 0))
	st, err = fs.Ostat(ctx, f)
	require.NoError(t, err)
	require.True(t, st.Mtime.After(before), "mtime after a write: %v", st.Mtime)
	require.False(t, st.Ctime.Before(st.Mtime), "ctime %v before mtime %v", st.Ctime, st.Mtime)

	// tar and cp -p set the mtime after writing: it holds.
	_, err = fs.SetAttr(ctx, f, &dfs.Stat{Mtime: old}, dfs.SetMtime)
	require.NoError(t, err)
	st, err = fs.Stat(ctx, nil, "f")
	require.NoError(t, err)
	require.True(t, st.Mtime.Equal(old), "explicit mtime after a write: %v", st.Mtime)

	// The next change moves it again, truncation included.
	require.NoError(t, fs.Truncate(ctx, f, 1))
	st, err = fs.Ostat(ctx, f)
	require.NoError(t, err)
	require.True(t, st.Mtime.After(before), "mtime after a truncate: %v", st.Mtime)
}

// A handle opened read-only changes nothing, whatever the mount allows.
func TestSetAttrThroughReadOnlyHandle(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	_, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	ro, err := fs.Lookup(ctx, "/f", syscall.O_RDONLY)
	require.NoError(t, err)
	_, err = fs.SetAttr(ctx, ro, &dfs.Stat{Mode: 0o600}, dfs.SetMode)
	errno(t, syscall.EPERM, err)
	_, err = fs.SetAttr(ctx, nil, &dfs.Stat{}, dfs.SetMode)
	errno(t, syscall.EINVAL, err)
}
