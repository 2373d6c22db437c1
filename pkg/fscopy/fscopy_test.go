package fscopy_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/client/clienttest"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/fscopy"
)

// mounted is a formatted DFS container on three in-process engines, with
// a small chunk size so that files span several chunks.
func mounted(t *testing.T) *dfs.FS {
	c, _ := clienttest.Cluster(t, clienttest.Options{Ranks: 3, Targets: 2, SCMBytes: 256 << 20})
	ctx := context.Background()
	require.NoError(t, dfs.Format(ctx, c, dfs.Attr{ChunkSize: 64 << 10}))
	f, err := dfs.Mount(ctx, c, dfs.RDWR, dfs.WithOIDAllocator(&clienttest.OIDs{}))
	require.NoError(t, err)
	return f
}

var mtime = time.Date(2020, 2, 3, 4, 5, 6, 7000, time.UTC)

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7+i/251)
	}
	return b
}

// sample makes a tree with every kind of entry the copy keeps.
func sample(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "src")
	must := func(err error) { t.Helper(); require.NoError(t, err) }
	must(os.MkdirAll(filepath.Join(root, "a", "b", "c"), 0o755))
	must(os.Mkdir(filepath.Join(root, "empty"), 0o700))
	must(os.WriteFile(filepath.Join(root, "zero"), nil, 0o640))
	must(os.WriteFile(filepath.Join(root, "small"), []byte("hello\n"), 0o600))
	must(os.WriteFile(filepath.Join(root, "a", "odd"), pattern(64<<10+3, 1), 0o755))
	must(os.WriteFile(filepath.Join(root, "a", "b", "c", "big"), pattern(3<<20+17, 9), 0o644))
	// Sparse: data at the start and past a 2 MiB hole, and a hole at the
	// end too.
	sp, err := os.Create(filepath.Join(root, "a", "sparse"))
	must(err)
	_, err = sp.WriteAt(pattern(5000, 3), 0)
	must(err)
	_, err = sp.WriteAt(pattern(70000, 4), 2<<20+100)
	must(err)
	must(sp.Truncate(4 << 20))
	must(sp.Close())
	must(os.Symlink("a/b/c/big", filepath.Join(root, "link")))
	must(os.Symlink("/nowhere/at/all", filepath.Join(root, "a", "dangling")))
	must(os.Chmod(filepath.Join(root, "a", "b"), 0o555)) // read-only dir
	// Times last: creating entries changes their directories' times.
	must(filepath.Walk(root, func(p string, _ fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return lutimes(p, mtime)
	}))
	return root
}

func lutimes(p string, t time.Time) error {
	ts := []unix.Timespec{unix.NsecToTimespec(t.UnixNano()), unix.NsecToTimespec(t.UnixNano())}
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// same checks that trees a and b hold the same entries, data, modes,
// mtimes and link targets.
func same(t *testing.T, a, b string) {
	t.Helper()
	var names []string
	require.NoError(t, filepath.Walk(a, func(p string, _ fs.FileInfo, err error) error {
		rel, _ := filepath.Rel(a, p)
		names = append(names, rel)
		return err
	}))
	n := 0
	require.NoError(t, filepath.Walk(b, func(p string, _ fs.FileInfo, err error) error {
		n++
		return err
	}))
	require.Equal(t, len(names), n, "entry count of %s and %s", a, b)
	for _, rel := range names {
		pa, pb := filepath.Join(a, rel), filepath.Join(b, rel)
		sa, err := os.Lstat(pa)
		require.NoError(t, err)
		sb, err := os.Lstat(pb)
		require.NoError(t, err, rel)
		require.Equal(t, sa.Mode(), sb.Mode(), rel)
		if rel != "." {
			require.True(t, sa.ModTime().Equal(sb.ModTime()), "%s: mtime %v, copy's %v", rel, sa.ModTime(), sb.ModTime())
		}
		switch {
		case sa.Mode()&fs.ModeSymlink != 0:
			ta, _ := os.Readlink(pa)
			tb, _ := os.Readlink(pb)
			require.Equal(t, ta, tb, rel)
		case sa.Mode().IsRegular():
			da, _ := os.ReadFile(pa)
			db, err := os.ReadFile(pb)
			require.NoError(t, err)
			require.True(t, bytes.Equal(da, db), "%s: data differs", rel)
		}
	}
}

func TestRoundTripThroughDFS(t *testing.T) {
	ctx := context.Background()
	src := sample(t)
	f := mounted(t)
	d := fscopy.NewDFS(f, "daos://pool/cont")
	var bar bytes.Buffer
	// Into the root: the source directory goes in under its name.
	st, err := fscopy.Copy(ctx, fscopy.Local{}, src, d, "/", fscopy.Options{Workers: 4, BufSize: 100 << 10, Progress: &bar})
	require.NoError(t, err)
	require.Equal(t, fscopy.Stats{Dirs: 5, Files: 5, Links: 2, Bytes: st.Bytes}, st)
	require.Contains(t, bar.String(), "100%")
	// The sparse file's hole was not written: its middle chunks are absent.
	o, err := f.Lookup(ctx, "/src/a/sparse", syscall.O_RDONLY)
	require.NoError(t, err)
	cs, chunks, err := f.DataChunks(ctx, o)
	require.NoError(t, err)
	require.Equal(t, uint64(64<<10), cs)
	for _, c := range chunks {
		require.True(t, c == 0 || (c >= 32 && c <= 34) || c == 63, "chunk %d of the sparse file was written", c)
	}
	// Container to container (here: to another directory of the same
	// one), then back out to the host.
	require.NoError(t, f.Mkdir(ctx, nil, "again", 0o755, 0))
	_, err = fscopy.Copy(ctx, d, "/src", d, "/again/copy", fscopy.Options{})
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "out")
	_, err = fscopy.Copy(ctx, d, "/again/copy", fscopy.Local{}, out, fscopy.Options{Workers: 3})
	require.NoError(t, err)
	same(t, src, out)
	var sst syscall.Stat_t
	require.NoError(t, syscall.Stat(filepath.Join(out, "a", "sparse"), &sst))
	require.Less(t, sst.Blocks*512, int64(1<<20), "the copy of the sparse file is not sparse")
	// No temporary names are left anywhere.
	require.NoError(t, filepath.Walk(out, func(p string, _ fs.FileInfo, err error) error {
		require.NotContains(t, p, ".daos-copy.")
		return err
	}))
	// A root source merges its contents into the destination.
	merged := t.TempDir()
	_, err = fscopy.Copy(ctx, d, "/", fscopy.Local{}, merged, fscopy.Options{})
	require.NoError(t, err)
	same(t, src, filepath.Join(merged, "src"))
	same(t, src, filepath.Join(merged, "again", "copy"))
}

func TestDestinationRules(t *testing.T) {
	ctx := context.Background()
	src := sample(t)
	dir := t.TempDir()
	// A missing destination is created; its parent must exist.
	_, err := fscopy.Copy(ctx, fscopy.Local{}, src, fscopy.Local{}, filepath.Join(dir, "new"), fscopy.Options{})
	require.NoError(t, err)
	same(t, src, filepath.Join(dir, "new"))
	_, err = fscopy.Copy(ctx, fscopy.Local{}, src, fscopy.Local{}, filepath.Join(dir, "no", "such"), fscopy.Options{})
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.Contains(t, err.Error(), filepath.Join(dir, "no"))
	// A directory onto a file is ENOTDIR; a file onto a file replaces it.
	_, err = fscopy.Copy(ctx, fscopy.Local{}, src, fscopy.Local{}, filepath.Join(dir, "new", "small"), fscopy.Options{})
	require.ErrorIs(t, err, syscall.ENOTDIR)
	_, err = fscopy.Copy(ctx, fscopy.Local{}, filepath.Join(src, "a", "odd"), fscopy.Local{}, filepath.Join(dir, "new", "small"), fscopy.Options{})
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dir, "new", "small"))
	require.NoError(t, err)
	require.Equal(t, pattern(64<<10+3, 1), got)
	// Copying again merges: the same tree results.
	_, err = fscopy.Copy(ctx, fscopy.Local{}, src, fscopy.Local{}, dir, fscopy.Options{})
	require.NoError(t, err)
	same(t, src, filepath.Join(dir, "src"))
	// Links named on the command line are followed, as cp -H does.
	links := t.TempDir()
	require.NoError(t, os.Symlink(src, filepath.Join(links, "src-link")))
	require.NoError(t, os.Mkdir(filepath.Join(links, "real-dst"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(links, "real-dst"), filepath.Join(links, "dst-link")))
	_, err = fscopy.Copy(ctx, fscopy.Local{}, filepath.Join(links, "src-link"), fscopy.Local{}, filepath.Join(links, "dst-link"), fscopy.Options{})
	require.NoError(t, err)
	same(t, src, filepath.Join(links, "real-dst", "src-link"))

	// A missing source names itself.
	_, err = fscopy.Copy(ctx, fscopy.Local{}, filepath.Join(src, "nope"), fscopy.Local{}, dir, fscopy.Options{})
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.Contains(t, err.Error(), "nope")
}

func TestUnsupportedEntries(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o644))
	require.NoError(t, syscall.Mkfifo(filepath.Join(src, "fifo"), 0o644))
	dst := t.TempDir()
	_, err := fscopy.Copy(ctx, fscopy.Local{}, src, fscopy.Local{}, dst, fscopy.Options{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "fifo")
	require.Contains(t, err.Error(), "--ignore-unsupported")
	st, err := fscopy.Copy(ctx, fscopy.Local{}, src, fscopy.Local{}, dst, fscopy.Options{IgnoreUnsupported: true})
	require.NoError(t, err)
	require.Equal(t, int64(1), st.Skipped)
	require.Equal(t, int64(1), st.Files)
	_, err = os.Lstat(filepath.Join(dst, filepath.Base(src), "fifo"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// faulty is the host file system with reads or writes of files whose
// name contains bad failing after the first block.
type faulty struct {
	fscopy.Local
	bad      string
	readErr  error
	writeErr error
}

type faultyFile struct {
	fscopy.File
	t *faulty
}

func (f faulty) Open(ctx context.Context, p string) (fscopy.File, error) {
	in, err := f.Local.Open(ctx, p)
	if err != nil || !strings.Contains(p, f.bad) {
		return in, err
	}
	return faultyFile{in, &f}, nil
}

func (f faulty) Create(ctx context.Context, p string, mode uint32) (fscopy.File, error) {
	out, err := f.Local.Create(ctx, p, mode)
	if err != nil || !strings.Contains(p, f.bad) {
		return out, err
	}
	return faultyFile{out, &f}, nil
}

func (f faultyFile) ReadAt(ctx context.Context, b []byte, off uint64) (int, error) {
	if off > 0 && f.t.readErr != nil {
		return 0, f.t.readErr
	}
	return f.File.ReadAt(ctx, b, off)
}

func (f faultyFile) WriteAt(ctx context.Context, b []byte, off uint64) error {
	if off > 0 && f.t.writeErr != nil {
		return f.t.writeErr
	}
	return f.File.WriteAt(ctx, b, off)
}

// An unreadable source or a full destination fails the copy with an
// error naming the file, and the file already at the destination keeps
// its old content whole: nothing half-written replaces it.
func TestFailuresLeaveDestinationWhole(t *testing.T) {
	ctx := context.Background()
	src := sample(t)
	dst := t.TempDir()
	_, err := fscopy.Copy(ctx, fscopy.Local{}, src, fscopy.Local{}, dst, fscopy.Options{})
	require.NoError(t, err)
	big := filepath.Join(dst, "src", "a", "b", "c", "big")
	before, err := os.ReadFile(big)
	require.NoError(t, err)
	// Change the source so that a successful copy would change it.
	require.NoError(t, os.Chmod(filepath.Join(src, "a", "b"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "a", "b", "c", "big"), pattern(2<<20, 77), 0o644))
	for _, f := range []faulty{
		{bad: "big", readErr: syscall.EIO},
		{bad: "big", writeErr: syscall.ENOSPC},
	} {
		_, err = fscopy.Copy(ctx, f, src, f, dst, fscopy.Options{BufSize: 256 << 10})
		require.Error(t, err)
		require.True(t, errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENOSPC), "%v", err)
		require.Contains(t, err.Error(), "big")
		after, err := os.ReadFile(big)
		require.NoError(t, err)
		require.True(t, bytes.Equal(before, after), "a failed copy changed the destination")
		names, err := os.ReadDir(filepath.Dir(big))
		require.NoError(t, err)
		require.Len(t, names, 1, "a temporary file was left: %v", names)
	}
}
