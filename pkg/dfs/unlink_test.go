package dfs_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
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
