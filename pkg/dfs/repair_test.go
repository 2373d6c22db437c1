package dfs_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/dfs"
)

// TestRepairs: a lost superblock is recreated over the existing root, a
// lost root entry relinked, a damaged entry type fixed from its object.
func TestRepairs(t *testing.T) {
	ctx := context.Background()
	fs, c, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "dir", 0o755, 0))
	f, err := fs.Open(ctx, nil, "file", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("survives")}, 0))
	require.NoError(t, f.Release())
	rootOID := fs.Root().OID()
	sb, err := c.Object(dfs.SBOID())
	require.NoError(t, err)
	listing := func(fs *dfs.FS) []string {
		var a dfs.Anchor
		names, err := fs.Readdir(ctx, fs.Root(), &a, 100)
		require.NoError(t, err)
		return names
	}

	// The superblock and root entry gone: no mount, until fix-sb.
	require.NoError(t, sb.PunchAkeys(ctx, []byte("/"), [][]byte{[]byte("sb"), []byte("e")}, 0))
	_, err = dfs.Mount(ctx, c, dfs.RDWR)
	errno(t, syscall.EINVAL, err)
	root, found, err := dfs.RecreateSB(ctx, c, dfs.Attr{ChunkSize: 8192})
	require.NoError(t, err)
	require.True(t, found, "the root object was found among the objects")
	require.Equal(t, rootOID, root)
	fs2, err := dfs.Mount(ctx, c, dfs.RDWR)
	require.NoError(t, err)
	require.Equal(t, uint64(8192), fs2.Attr().ChunkSize)
	require.ElementsMatch(t, []string{"dir", "file"}, listing(fs2))

	// Only the root entry gone: fix-root.
	_, err = dfs.RelinkRoot(ctx, c)
	errno(t, syscall.EEXIST, err)
	require.NoError(t, sb.PunchAkeys(ctx, []byte("/"), [][]byte{[]byte("e")}, 0))
	_, err = dfs.Mount(ctx, c, dfs.RDWR)
	require.Error(t, err)
	root, err = dfs.RelinkRoot(ctx, c)
	require.NoError(t, err)
	require.Equal(t, rootOID, root)
	fs3, err := dfs.Mount(ctx, c, dfs.RDWR)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"dir", "file"}, listing(fs3))

	// An entry whose type bits were damaged gets its object's.
	require.NoError(t, dfs.SetEntryMode(ctx, fs3, nil, "file", syscall.S_IFDIR|0o644))
	st, err := fs3.Stat(ctx, nil, "file")
	require.NoError(t, err)
	require.Equal(t, uint32(syscall.S_IFDIR), st.Mode&syscall.S_IFMT)
	changed, err := fs3.FixEntry(ctx, nil, "file", 0)
	require.NoError(t, err)
	require.True(t, changed)
	got, err := fs3.Lookup(ctx, "/file", rw)
	require.NoError(t, err)
	require.True(t, got.IsFile())
	buf := make([]byte, 16)
	n, err := fs3.Read(ctx, got, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Equal(t, "survives", string(buf[:n]))
	changed, err = fs3.FixEntry(ctx, nil, "dir", 0)
	require.NoError(t, err)
	require.False(t, changed, "a sound entry is left alone")
	changed, err = fs3.FixEntry(ctx, nil, "file", 65536)
	require.NoError(t, err)
	require.True(t, changed, "a file's chunk size can be set")
	_, err = fs3.FixEntry(ctx, nil, "nosuch", 0)
	errno(t, syscall.ENOENT, err)
}
