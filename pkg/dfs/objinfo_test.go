package dfs_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/placement"
)

func TestDirectoryDefaults(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o755, 0))
	d, err := fs.Lookup(ctx, "/d", rw)
	require.NoError(t, err)
	in, err := fs.Info(ctx, d)
	require.NoError(t, err)
	require.Equal(t, uint64(4096), in.ChunkSize, "the container's chunk size")

	s2 := placement.Name2ID("S2")
	require.NoError(t, fs.SetOClass(ctx, d, s2))
	require.NoError(t, fs.SetChunkSize(ctx, d, 8192))
	in, err = fs.Info(ctx, d)
	require.NoError(t, err)
	require.Equal(t, dfs.ObjInfo{OClass: s2, ChunkSize: 8192, DirOClass: s2, FileOClass: s2, OID: d.OID()}, *in)

	// New files in it take the defaults (through a handle opened after
	// the change), existing objects keep theirs.
	d2, err := fs.Lookup(ctx, "/d", rw)
	require.NoError(t, err)
	f, err := fs.Open(ctx, d2, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	fi, err := fs.Info(ctx, f)
	require.NoError(t, err)
	require.Equal(t, s2, fi.OClass)
	require.Equal(t, uint64(8192), fi.ChunkSize)
	st, err := fs.Ostat(ctx, f)
	require.NoError(t, err)
	require.Equal(t, uint64(8192), st.Blksize)

	// Back to the container's defaults.
	require.NoError(t, fs.SetOClass(ctx, d, 0))
	require.NoError(t, fs.SetChunkSize(ctx, d, 0))
	in, err = fs.Info(ctx, d)
	require.NoError(t, err)
	require.Equal(t, uint64(4096), in.ChunkSize)

	// Only directories; unknown classes; read-only mounts; removed dirs.
	errno(t, syscall.ENOTDIR, fs.SetOClass(ctx, f, s2))
	errno(t, syscall.ENOTDIR, fs.SetChunkSize(ctx, f, 1<<20))
	errno(t, syscall.EINVAL, fs.SetOClass(ctx, d, 0xfff0))
	errno(t, syscall.EINVAL, fs.SetOClass(ctx, nil, s2))
	_, err = fs.Remove(ctx, d, "f", false)
	require.NoError(t, err)
	_, err = fs.Remove(ctx, nil, "d", false)
	require.NoError(t, err)
	errno(t, syscall.ENOENT, fs.SetChunkSize(ctx, d, 1<<20))
	_, err = fs.Info(ctx, nil)
	errno(t, syscall.EINVAL, err)
}

func TestCreatedStat(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create|syscall.O_EXCL, 0, 0, "")
	require.NoError(t, err)
	st, ok := fs.CreatedStat(f)
	require.True(t, ok)
	want, err := fs.Ostat(ctx, f)
	require.NoError(t, err)
	require.Equal(t, want, st, "the stat of a new file is what a stat would say")
	l, err := fs.Open(ctx, nil, "l", linkMode, create, 0, 0, "target")
	require.NoError(t, err)
	st, ok = fs.CreatedStat(l)
	require.True(t, ok)
	require.Equal(t, uint64(6), st.Size)
	// A handle to an existing object has none.
	again, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	_, ok = fs.CreatedStat(again)
	require.False(t, ok)
	_, ok = fs.CreatedStat(nil)
	require.False(t, ok)
}

func TestHints(t *testing.T) {
	file, dir, err := dfs.ParseHints(" file:single , dir:MAX")
	require.NoError(t, err)
	require.Equal(t, placement.HintShdTny, file)
	require.Equal(t, placement.HintShdMax, dir)
	for _, bad := range []string{"file", "file:some", "files:max", "dir:single,bogus"} {
		_, _, err := dfs.ParseHints(bad)
		errno(t, syscall.EINVAL, err)
	}
	// Format resolves them into the default classes.
	ctx := context.Background()
	c := cluster(t)
	require.NoError(t, dfs.Format(ctx, c, dfs.Attr{Hints: "file:single,dir:max"}))
	fs, err := dfs.Mount(ctx, c, dfs.RDWR, dfs.WithOIDAllocator(&counter{}))
	require.NoError(t, err)
	require.Equal(t, placement.Name2ID("S1"), fs.Attr().FileOClass)
	require.Equal(t, placement.Name2ID("S6"), fs.Attr().DirOClass, "as many groups as the 6 targets")
	errno(t, syscall.EINVAL, dfs.Format(ctx, cluster(t), dfs.Attr{Hints: "file:huge"}))
}
