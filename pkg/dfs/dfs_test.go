package dfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

const (
	fileMode = syscall.S_IFREG | 0o644
	dirMode  = syscall.S_IFDIR | 0o755
	linkMode = syscall.S_IFLNK | 0o777
	rw       = syscall.O_RDWR
	create   = syscall.O_RDWR | syscall.O_CREAT
)

// mounted formats a fresh container with 4 KiB chunks and mounts it
// read-write.
func mounted(t *testing.T) (*dfs.FS, *client.Container, *counter) {
	t.Helper()
	ctx := context.Background()
	c := cluster(t)
	alloc := &counter{}
	require.NoError(t, dfs.Format(ctx, c, dfs.Attr{ChunkSize: 4096}))
	fs, err := dfs.Mount(ctx, c, dfs.RDWR, dfs.WithOIDAllocator(alloc))
	require.NoError(t, err)
	return fs, c, alloc
}

func errno(t *testing.T, want syscall.Errno, err error) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, want, "%v", err)
	assert.Equal(t, want, dfs.Errno(err), "%v", err)
}

func TestFormatMount(t *testing.T) {
	ctx := context.Background()
	c := cluster(t)
	_, err := dfs.Mount(ctx, c, dfs.RDWR)
	errno(t, syscall.EINVAL, err) // not formatted

	require.NoError(t, dfs.Format(ctx, c, dfs.Attr{}))
	errno(t, syscall.EEXIST, dfs.Format(ctx, c, dfs.Attr{}))
	_, err = dfs.Mount(ctx, c, 0o7)
	errno(t, syscall.EINVAL, err)

	fs, err := dfs.Mount(ctx, c, dfs.RDWR, dfs.WithOIDAllocator(&counter{}))
	require.NoError(t, err)
	assert.Equal(t, dfs.DefaultChunkSize, fs.Attr().ChunkSize)
	st, err := fs.Stat(ctx, nil, "")
	require.NoError(t, err)
	assert.Equal(t, uint32(dirMode), st.Mode)
	assert.Equal(t, uint32(1), st.Nlink)
	assert.Equal(t, uint32(syscall.Geteuid()), st.UID)
	root, err := fs.Lookup(ctx, "/", rw)
	require.NoError(t, err)
	assert.True(t, root.IsDir())
	assert.Equal(t, "/", root.Name())
	require.NoError(t, fs.Sync(ctx))
}

func TestMkdirLookup(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "a", 0o700, 0))
	a, err := fs.Lookup(ctx, "/a", rw)
	require.NoError(t, err)
	require.NoError(t, fs.Mkdir(ctx, a, "b", 0o755, 0))
	b, err := fs.LookupRel(ctx, a, "b", rw)
	require.NoError(t, err)
	f, err := fs.Open(ctx, b, "f", fileMode, create|syscall.O_EXCL, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("hello")}, 0))

	for _, p := range []string{"/a/b/f", "//a///b/f", "/a/./b/f", "/a/b/../b/f", "/../a/b/f"} {
		o, err := fs.Lookup(ctx, p, syscall.O_RDONLY)
		require.NoError(t, err, p)
		assert.Equal(t, f.OID(), o.OID(), p)
		assert.True(t, o.IsFile())
	}
	st, err := fs.Stat(ctx, nil, "a")
	require.NoError(t, err)
	assert.Equal(t, uint32(syscall.S_IFDIR|0o700), st.Mode)
	st, err = fs.Ostat(ctx, f)
	require.NoError(t, err)
	assert.Equal(t, uint64(5), st.Size)
	assert.Equal(t, uint32(fileMode), st.Mode)

	errno(t, syscall.EEXIST, fs.Mkdir(ctx, nil, "a", 0o755, 0))

	require.NoError(t, fs.SetPrefix("/mnt/dfs/"))
	o, err := fs.Lookup(ctx, "/mnt/dfs/a/b", syscall.O_RDONLY)
	require.NoError(t, err)
	assert.Equal(t, b.OID(), o.OID())
	o, err = fs.Lookup(ctx, "/mnt/dfs", syscall.O_RDONLY)
	require.NoError(t, err)
	assert.Equal(t, "/", o.Name())
	_, err = fs.Lookup(ctx, "/mnt/dfsx/a", syscall.O_RDONLY)
	errno(t, syscall.EINVAL, err)
	_, err = fs.Lookup(ctx, "/a", syscall.O_RDONLY)
	errno(t, syscall.EINVAL, err)
	require.NoError(t, fs.SetPrefix(""))
	errno(t, syscall.EINVAL, fs.SetPrefix("relative"))
	errno(t, syscall.EINVAL, fs.SetPrefix("/"+strings.Repeat("p", dfs.MaxPath-1)))
}

func TestBadPaths(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "file", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o755, 0))

	for name, tc := range map[string]struct {
		path string
		want syscall.Errno
	}{
		"relative":       {"a/b", syscall.EINVAL},
		"empty":          {"", syscall.EINVAL},
		"missing":        {"/nope", syscall.ENOENT},
		"missing deep":   {"/d/nope/x", syscall.ENOENT},
		"file mid-path":  {"/file/x", syscall.ENOENT},
		"long component": {"/" + string(bytes.Repeat([]byte("x"), 256)), syscall.ENAMETOOLONG},
	} {
		_, err := fs.Lookup(ctx, tc.path, syscall.O_RDONLY)
		t.Run(name, func(t *testing.T) { errno(t, tc.want, err) })
	}
	for name, tc := range map[string]struct {
		name string
		want syscall.Errno
	}{
		"slash":  {"a/b", syscall.EINVAL},
		"empty":  {"", syscall.EINVAL},
		"dot":    {".", syscall.EINVAL},
		"dotdot": {"..", syscall.EINVAL},
		"long":   {string(bytes.Repeat([]byte("x"), 256)), syscall.EINVAL},
	} {
		_, err := fs.Open(ctx, nil, tc.name, fileMode, create, 0, 0, "")
		t.Run("open "+name, func(t *testing.T) { errno(t, tc.want, err) })
	}
	_, err = fs.Open(ctx, f, "x", fileMode, create, 0, 0, "")
	errno(t, syscall.ENOTDIR, err)
	_, err = fs.Open(ctx, nil, "x", syscall.S_IFIFO|0o644, create, 0, 0, "")
	errno(t, syscall.EINVAL, err)
	_, err = fs.Open(ctx, nil, "x", linkMode, create, 0, 0, "")
	errno(t, syscall.EINVAL, err) // symlink without a target
	_, err = fs.Open(ctx, nil, "file", fileMode, create|syscall.O_APPEND, 0, 0, "")
	errno(t, syscall.ENOTSUP, err)
	_, err = fs.Open(ctx, nil, "nope", fileMode, rw, 0, 0, "")
	errno(t, syscall.ENOENT, err)
	_, err = fs.Open(ctx, nil, "d", fileMode, create, 0, 0, "")
	errno(t, syscall.EINVAL, err) // a file open of a directory
	_, err = fs.Open(ctx, nil, "file", dirMode, create, 0, 0, "")
	errno(t, syscall.ENOTDIR, err)
	d, err := fs.Lookup(ctx, "/d", rw)
	require.NoError(t, err)
	errno(t, syscall.EISDIR, fs.Write(ctx, d, [][]byte{{1}}, 0))
	_, err = fs.Readdir(ctx, f, &dfs.Anchor{}, 10)
	errno(t, syscall.ENOTDIR, err)
	_, err = fs.Stat(ctx, d, "")
	errno(t, syscall.EINVAL, err)
	_, err = fs.Remove(ctx, nil, "nope", false)
	errno(t, syscall.ENOENT, err)
	_, err = fs.Move(ctx, nil, "nope", nil, "x")
	errno(t, syscall.ENOENT, err)
}

// model is a file's expected bytes.
func check(t *testing.T, fs *dfs.FS, f *dfs.Obj, want []byte) {
	t.Helper()
	ctx := context.Background()
	size, err := fs.GetSize(ctx, f)
	require.NoError(t, err)
	require.Equal(t, uint64(len(want)), size)
	// Read in three uneven iovs and well past the end.
	got := make([]byte, len(want)+5000)
	a, b := len(got)/3, len(got)/3+17
	n, err := fs.Read(ctx, f, [][]byte{got[:a], got[a:b], got[b:]}, 0)
	require.NoError(t, err)
	require.Equal(t, uint64(len(want)), n)
	require.True(t, bytes.Equal(want, got[:n]), "content differs")
}

func TestReadWrite(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create|syscall.O_EXCL, 0, 0, "")
	require.NoError(t, err)
	assert.Equal(t, uint64(4096), f.ChunkSize())
	rng := rand.New(rand.NewPCG(1, 2))
	var model []byte
	for i := 0; i < 40; i++ {
		off := rng.Uint64N(60000)
		buf := make([]byte, 1+rng.IntN(12000))
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		// Two iovs, so writes are scattered too.
		cut := rng.IntN(len(buf))
		require.NoError(t, fs.Write(ctx, f, [][]byte{buf[:cut], buf[cut:]}, off))
		if end := int(off) + len(buf); end > len(model) {
			model = append(model, make([]byte, end-len(model))...)
		}
		copy(model[off:], buf)
	}
	check(t, fs, f, model)

	// An odd read crossing chunks in the middle.
	got := make([]byte, 9999)
	n, err := fs.Read(ctx, f, [][]byte{got}, 4093)
	require.NoError(t, err)
	require.Equal(t, uint64(len(got)), n)
	assert.Equal(t, model[4093:4093+9999], got)

	// Short reads at and past the end.
	n, err = fs.Read(ctx, f, [][]byte{make([]byte, 100)}, uint64(len(model))-10)
	require.NoError(t, err)
	assert.Equal(t, uint64(10), n)
	n, err = fs.Read(ctx, f, [][]byte{make([]byte, 100)}, uint64(len(model))+1000)
	require.NoError(t, err)
	assert.Equal(t, uint64(0), n)

	// Another handle sees the data at once.
	g, err := fs.Lookup(ctx, "/f", syscall.O_RDONLY)
	require.NoError(t, err)
	check(t, fs, g, model)
	errno(t, syscall.EPERM, fs.Write(ctx, g, [][]byte{{1}}, 0))
}

func TestSparseAndTruncate(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "sparse", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	// A hole of several chunks, then data.
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("head")}, 0))
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("tail")}, 50000))
	want := make([]byte, 50004)
	copy(want, "head")
	copy(want[50000:], "tail")
	check(t, fs, f, want)

	// Truncate down into a chunk, then extend: the gap reads as zeros.
	require.NoError(t, fs.Truncate(ctx, f, 2))
	check(t, fs, f, []byte("he"))
	require.NoError(t, fs.Truncate(ctx, f, 10000))
	want = make([]byte, 10000)
	copy(want, "he")
	check(t, fs, f, want)

	// Punch in the middle keeps the size; punch to the end shortens.
	full := bytes.Repeat([]byte{7}, 20000)
	require.NoError(t, fs.Write(ctx, f, [][]byte{full}, 0))
	require.NoError(t, fs.Punch(ctx, f, 3000, 9000))
	want = bytes.Clone(full)
	clear(want[3000:12000])
	check(t, fs, f, want)
	require.NoError(t, fs.Punch(ctx, f, 15000, 1<<40))
	check(t, fs, f, want[:15000])

	// O_TRUNC empties an existing file.
	g, err := fs.Open(ctx, nil, "sparse", fileMode, create|syscall.O_TRUNC, 0, 0, "")
	require.NoError(t, err)
	check(t, fs, g, []byte{})
	st, err := fs.Stat(ctx, nil, "sparse")
	require.NoError(t, err)
	assert.Equal(t, uint64(0), st.Size)
}

func TestCreateExclusive(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "x", fileMode, create|syscall.O_EXCL, 0, 8192, "")
	require.NoError(t, err)
	_, err = fs.Open(ctx, nil, "x", fileMode, create|syscall.O_EXCL, 0, 0, "")
	errno(t, syscall.EEXIST, err)
	// Without O_EXCL the existing file opens, keeping its chunk size.
	g, err := fs.Open(ctx, nil, "x", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	assert.Equal(t, f.OID(), g.OID())
	assert.Equal(t, uint64(8192), g.ChunkSize())

	// Racing creators of one name: exactly one wins each round.
	for round := 0; round < 5; round++ {
		name := fmt.Sprintf("race%d", round)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		oids := make([]*dfs.Obj, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				oids[i], errs[i] = fs.Open(ctx, nil, name, fileMode, create|syscall.O_EXCL, 0, 0, "")
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				o, err := fs.LookupRel(ctx, nil, name, syscall.O_RDONLY)
				require.NoError(t, err)
				assert.Equal(t, oids[i].OID(), o.OID())
				continue
			}
			errno(t, syscall.EEXIST, err)
		}
		assert.Equal(t, 1, won, "round %d", round)
	}
}

func TestReaddirPages(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "big", 0o755, 0))
	d, err := fs.Lookup(ctx, "/big", rw)
	require.NoError(t, err)
	const n = 1000
	want := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := range want {
		want[i] = fmt.Sprintf("entry-%04d", i)
		wg.Add(1)
		sem <- struct{}{}
		go func(name string) {
			defer func() { <-sem; wg.Done() }()
			_, err := fs.Open(ctx, d, name, fileMode, create|syscall.O_EXCL, 0, 0, "")
			errs <- err
		}(want[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	var got []string
	var a dfs.Anchor
	pages := 0
	for !a.EOF {
		names, err := fs.Readdir(ctx, d, &a, 37)
		require.NoError(t, err)
		require.LessOrEqual(t, len(names), 37)
		got = append(got, names...)
		pages++
		require.Less(t, pages, 200)
	}
	sort.Strings(got)
	assert.Equal(t, want, got) // each name exactly once
	assert.Greater(t, pages, n/37)
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	fs, c, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "top", 0o755, 0))
	top, err := fs.Lookup(ctx, "/top", rw)
	require.NoError(t, err)
	require.NoError(t, fs.Mkdir(ctx, top, "sub", 0o755, 0))
	sub, err := fs.LookupRel(ctx, top, "sub", rw)
	require.NoError(t, err)
	f, err := fs.Open(ctx, sub, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{bytes.Repeat([]byte{1}, 10000)}, 0))
	_, err = fs.Open(ctx, top, "l", linkMode, create, 0, 0, "sub/f")
	require.NoError(t, err)

	_, err = fs.Remove(ctx, nil, "top", false)
	errno(t, syscall.ENOTEMPTY, err)
	_, err = fs.Remove(ctx, top, "sub", false)
	errno(t, syscall.ENOTEMPTY, err)

	oid, err := fs.Remove(ctx, nil, "top", true)
	require.NoError(t, err)
	assert.Equal(t, top.OID(), oid)
	_, err = fs.Lookup(ctx, "/top", syscall.O_RDONLY)
	errno(t, syscall.ENOENT, err)
	// The file's data went with it.
	arr, err := c.OpenArrayWithAttr(f.OID(), 1, 4096)
	require.NoError(t, err)
	size, err := arr.GetSize(ctx)
	require.NoError(t, err)
	assert.Zero(t, size)

	// A file and an empty directory go without force.
	_, err = fs.Open(ctx, nil, "g", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	_, err = fs.Remove(ctx, nil, "g", false)
	require.NoError(t, err)
	require.NoError(t, fs.Mkdir(ctx, nil, "empty", 0o755, 0))
	_, err = fs.Remove(ctx, nil, "empty", false)
	require.NoError(t, err)
	var a dfs.Anchor
	names, err := fs.Readdir(ctx, fs.Root(), &a, 100)
	require.NoError(t, err)
	assert.Empty(t, names)
}

func TestMove(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	write := func(name, data string) *dfs.Obj {
		f, err := fs.Open(ctx, nil, name, fileMode, create, 0, 0, "")
		require.NoError(t, err)
		require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte(data)}, 0))
		return f
	}
	a := write("a", "aaaa")
	b := write("b", "bb")
	replaced, err := fs.Move(ctx, nil, "a", nil, "b")
	require.NoError(t, err)
	assert.Equal(t, b.OID(), replaced)
	_, err = fs.Stat(ctx, nil, "a")
	errno(t, syscall.ENOENT, err)
	got, err := fs.Lookup(ctx, "/b", syscall.O_RDONLY)
	require.NoError(t, err)
	assert.Equal(t, a.OID(), got.OID())
	check(t, fs, got, []byte("aaaa"))

	// Across directories, to a new name.
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o755, 0))
	d, err := fs.Lookup(ctx, "/d", rw)
	require.NoError(t, err)
	replaced, err = fs.Move(ctx, nil, "b", d, "c")
	require.NoError(t, err)
	assert.Zero(t, replaced)
	got, err = fs.Lookup(ctx, "/d/c", syscall.O_RDONLY)
	require.NoError(t, err)
	check(t, fs, got, []byte("aaaa"))

	// Directory targets: a file cannot replace one, a non-empty one
	// cannot be replaced, an empty one can by a directory.
	write("f", "f")
	require.NoError(t, fs.Mkdir(ctx, nil, "e", 0o755, 0))
	_, err = fs.Move(ctx, nil, "f", nil, "d")
	errno(t, syscall.EINVAL, err)
	require.NoError(t, fs.Mkdir(ctx, nil, "d2", 0o755, 0))
	_, err = fs.Move(ctx, nil, "d2", nil, "d")
	errno(t, syscall.ENOTEMPTY, err)
	_, err = fs.Move(ctx, nil, "d", nil, "f")
	errno(t, syscall.ENOTDIR, err)
	_, err = fs.Move(ctx, nil, "d", nil, "e")
	require.NoError(t, err)
	got, err = fs.Lookup(ctx, "/e/c", syscall.O_RDONLY)
	require.NoError(t, err)
	check(t, fs, got, []byte("aaaa"))
	// The handle d now names /e's object: moving /e into it is a loop.
	_, err = fs.Move(ctx, nil, "e", d, "x")
	errno(t, syscall.EINVAL, err)
}

func TestSymlink(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o755, 0))
	d, err := fs.Lookup(ctx, "/d", rw)
	require.NoError(t, err)
	f, err := fs.Open(ctx, d, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("data")}, 0))

	l, err := fs.Open(ctx, nil, "abs", linkMode, create|syscall.O_EXCL, 0, 0, "/d/f")
	require.NoError(t, err)
	assert.True(t, l.IsSymlink())
	_, err = fs.Open(ctx, d, "rel", linkMode, create, 0, 0, "f")
	require.NoError(t, err)
	_, err = fs.Open(ctx, nil, "dirlink", linkMode, create, 0, 0, "d")
	require.NoError(t, err)
	_, err = fs.Open(ctx, nil, "loop", linkMode, create, 0, 0, "/loop")
	require.NoError(t, err)

	for _, p := range []string{"/abs", "/d/rel", "/dirlink/f", "/dirlink/rel"} {
		o, err := fs.Lookup(ctx, p, syscall.O_RDONLY)
		require.NoError(t, err, p)
		assert.Equal(t, f.OID(), o.OID(), p)
	}
	o, err := fs.Lookup(ctx, "/abs", syscall.O_RDONLY|syscall.O_NOFOLLOW)
	require.NoError(t, err)
	assert.True(t, o.IsSymlink())
	assert.Equal(t, "/d/f", o.SymlinkTarget())
	st, err := fs.Stat(ctx, nil, "abs")
	require.NoError(t, err)
	assert.Equal(t, uint32(linkMode), st.Mode)
	assert.Equal(t, uint64(4), st.Size)
	o, err = fs.LookupRel(ctx, d, "rel", syscall.O_RDONLY)
	require.NoError(t, err)
	assert.Equal(t, f.OID(), o.OID())
	_, err = fs.Lookup(ctx, "/loop", syscall.O_RDONLY)
	errno(t, syscall.ELOOP, err)
	require.NoError(t, fs.Access(ctx, nil, "abs", dfs.ROK))

	// Symlinks are only created (as in DFS): an existing name is EEXIST
	// even without O_EXCL, no O_CREAT is ENOTSUP, and the target with its
	// terminator fits in MaxPath bytes.
	_, err = fs.Open(ctx, nil, "abs", linkMode, create, 0, 0, "/d/f")
	errno(t, syscall.EEXIST, err)
	_, err = fs.Open(ctx, nil, "abs", linkMode, rw, 0, 0, "/d/f")
	errno(t, syscall.ENOTSUP, err)
	_, err = fs.Open(ctx, nil, "long", linkMode, create, 0, 0, strings.Repeat("x", dfs.MaxPath))
	errno(t, syscall.EINVAL, err)
	_, err = fs.Open(ctx, nil, "long", linkMode, create, 0, 0, strings.Repeat("x", dfs.MaxPath-1))
	require.NoError(t, err)
}

func TestReadOnlyMount(t *testing.T) {
	ctx := context.Background()
	fs, c, alloc := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("x")}, 0))
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o755, 0))

	ro, err := dfs.Mount(ctx, c, dfs.RDONLY, dfs.WithOIDAllocator(alloc))
	require.NoError(t, err)
	assert.True(t, ro.ReadOnly())
	_, err = ro.Open(ctx, nil, "g", fileMode, create, 0, 0, "")
	errno(t, syscall.EPERM, err)
	_, err = ro.Open(ctx, nil, "f", fileMode, rw, 0, 0, "")
	errno(t, syscall.EPERM, err)
	errno(t, syscall.EPERM, ro.Mkdir(ctx, nil, "e", 0o755, 0))
	_, err = ro.Remove(ctx, nil, "f", false)
	errno(t, syscall.EPERM, err)
	_, err = ro.Move(ctx, nil, "f", nil, "g")
	errno(t, syscall.EPERM, err)
	errno(t, syscall.EPERM, ro.Sync(ctx))
	errno(t, syscall.EPERM, ro.Access(ctx, nil, "f", dfs.WOK))

	g, err := ro.Lookup(ctx, "/f", syscall.O_RDONLY)
	require.NoError(t, err)
	errno(t, syscall.EPERM, ro.Write(ctx, g, [][]byte{{1}}, 0))
	errno(t, syscall.EPERM, ro.Truncate(ctx, g, 0))
	check(t, ro, g, []byte("x"))
	require.NoError(t, ro.Access(ctx, nil, "f", dfs.ROK))
}

func TestAccess(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	_, err := fs.Open(ctx, nil, "none", syscall.S_IFREG|0o000, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Access(ctx, nil, "none", dfs.FOK))
	err = fs.Access(ctx, nil, "none", dfs.XOK)
	errno(t, syscall.EACCES, err) // nobody may execute it, root neither
	if syscall.Getuid() != 0 {
		errno(t, syscall.EACCES, fs.Access(ctx, nil, "none", dfs.ROK))
	}
	errno(t, syscall.ENOENT, fs.Access(ctx, nil, "nope", dfs.FOK))
	require.NoError(t, fs.Access(ctx, nil, "", dfs.ROK|dfs.XOK))
}

func TestErrnoMapping(t *testing.T) {
	assert.Equal(t, syscall.Errno(0), dfs.Errno(nil))
	assert.Equal(t, syscall.EIO, dfs.Errno(errors.New("opaque")))
	// DAOS's daos_der2errno (ABI.md 2.3).
	for der, want := range map[daos.Errno]syscall.Errno{
		daos.ErrNoPerm: syscall.EPERM, daos.ErrEpRo: syscall.EPERM, daos.ErrEpOld: syscall.EPERM,
		daos.ErrContDestroying: syscall.EPERM, daos.ErrEnoent: syscall.ENOENT, daos.ErrNonexist: syscall.ENOENT,
		daos.ErrInval: syscall.EINVAL, daos.ErrNotype: syscall.EINVAL, daos.ErrNoschema: syscall.EINVAL,
		daos.ErrNolocal: syscall.EINVAL, daos.ErrNoHdl: syscall.EINVAL, daos.ErrIoInval: syscall.EINVAL,
		daos.ErrKey2big: syscall.E2BIG, daos.ErrRec2big: syscall.E2BIG, daos.ErrExist: syscall.EEXIST,
		daos.ErrUnreach: syscall.EHOSTUNREACH, daos.ErrNospace: syscall.ENOSPC, daos.ErrAlready: syscall.EALREADY,
		daos.ErrDos: syscall.ENOMEM, daos.ErrNomem: syscall.ENOMEM, daos.ErrTimedout: syscall.ETIMEDOUT,
		daos.ErrBusy: syscall.EBUSY, daos.ErrEqBusy: syscall.EBUSY, daos.ErrAgain: syscall.EAGAIN,
		daos.ErrProto: syscall.EPROTO, daos.ErrIo: syscall.EIO, daos.ErrCanceled: syscall.ECANCELED,
		daos.ErrOverflow: syscall.EOVERFLOW, daos.ErrBadpath: syscall.ENOTDIR, daos.ErrNotdir: syscall.ENOTDIR,
		daos.ErrStale: syscall.ESTALE, daos.ErrTxRestart: syscall.ERESTART, daos.ErrNotsupported: syscall.ENOTSUP,
		daos.ErrNosys: syscall.EIO, daos.ErrMisc: syscall.EIO, daos.ErrCsum: syscall.EIO,
	} {
		assert.Equal(t, want, dfs.Errno(daos.Errorf(der, "x")), "%v", der)
	}
}

func TestSetAttr(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	before, err := fs.Ostat(ctx, f)
	require.NoError(t, err)
	when := before.Mtime.Add(-time.Hour).Truncate(time.Second)
	st, err := fs.SetAttr(ctx, f, &dfs.Stat{Mode: syscall.S_IFDIR | 0o600, UID: 1234, GID: 99, Mtime: when, Atime: when, Size: 5000},
		dfs.SetMode|dfs.SetUID|dfs.SetGID|dfs.SetMtime|dfs.SetAtime|dfs.SetSize)
	require.NoError(t, err)
	assert.Equal(t, uint32(syscall.S_IFREG|0o600), st.Mode) // the type stays
	assert.Equal(t, uint32(1234), st.UID)
	assert.Equal(t, uint32(99), st.GID)
	assert.True(t, when.Equal(st.Mtime))
	assert.True(t, when.Equal(st.Atime))
	assert.Equal(t, uint64(5000), st.Size)
	assert.False(t, st.Ctime.Before(before.Ctime))
	again, err := fs.Stat(ctx, nil, "f")
	require.NoError(t, err)
	assert.Equal(t, st, again)

	// The root's attributes live in the superblock object.
	_, err = fs.SetAttr(ctx, fs.Root(), &dfs.Stat{Mode: 0o711}, dfs.SetMode)
	require.NoError(t, err)
	st, err = fs.Stat(ctx, nil, "")
	require.NoError(t, err)
	assert.Equal(t, uint32(syscall.S_IFDIR|0o711), st.Mode)

	// A handle whose name went away cannot change what replaced it.
	_, err = fs.Remove(ctx, nil, "f", false)
	require.NoError(t, err)
	_, err = fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	_, err = fs.SetAttr(ctx, f, &dfs.Stat{Mode: 0o777}, dfs.SetMode)
	errno(t, syscall.ENOENT, err)
}

func TestXattrs(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Setxattr(ctx, f, "user.a", []byte("one"), 0))
	require.NoError(t, fs.Setxattr(ctx, f, "user.empty", nil, dfs.XattrCreate))
	errno(t, syscall.EEXIST, fs.Setxattr(ctx, f, "user.a", []byte("x"), dfs.XattrCreate))
	errno(t, syscall.ENODATA, fs.Setxattr(ctx, f, "user.b", []byte("x"), dfs.XattrReplace))
	require.NoError(t, fs.Setxattr(ctx, f, "user.a", []byte("two"), dfs.XattrReplace))
	v, err := fs.Getxattr(ctx, f, "user.a")
	require.NoError(t, err)
	assert.Equal(t, "two", string(v))
	v, err = fs.Getxattr(ctx, f, "user.empty")
	require.NoError(t, err)
	assert.Empty(t, v)
	_, err = fs.Getxattr(ctx, f, "user.none")
	errno(t, syscall.ENODATA, err)
	names, err := fs.Listxattr(ctx, f)
	require.NoError(t, err)
	sort.Strings(names)
	assert.Equal(t, []string{"user.a", "user.empty"}, names)

	// Attributes follow a rename, replacing the target's.
	g, err := fs.Open(ctx, nil, "g", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Setxattr(ctx, g, "user.g", []byte("gone"), 0))
	_, err = fs.Move(ctx, nil, "f", nil, "g")
	require.NoError(t, err)
	moved, err := fs.Lookup(ctx, "/g", rw)
	require.NoError(t, err)
	names, err = fs.Listxattr(ctx, moved)
	require.NoError(t, err)
	sort.Strings(names)
	assert.Equal(t, []string{"user.a", "user.empty"}, names)

	require.NoError(t, fs.Removexattr(ctx, moved, "user.a"))
	errno(t, syscall.ENODATA, fs.Removexattr(ctx, moved, "user.a"))
	// Stat still works: the entry akey is untouched.
	_, err = fs.Ostat(ctx, moved)
	require.NoError(t, err)
	errno(t, syscall.EINVAL, fs.Setxattr(ctx, moved, "", nil, 0))
}

func TestMoveIntoOwnSubtree(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "a", 0o755, 0))
	a, err := fs.Lookup(ctx, "/a", rw)
	require.NoError(t, err)
	require.NoError(t, fs.Mkdir(ctx, a, "b", 0o755, 0))
	b, err := fs.Lookup(ctx, "/a/b", rw)
	require.NoError(t, err)
	require.NoError(t, fs.Mkdir(ctx, b, "c", 0o755, 0))
	c, err := fs.Lookup(ctx, "/a/b/c", rw)
	require.NoError(t, err)
	_, err = fs.Move(ctx, nil, "a", c, "a")
	errno(t, syscall.EINVAL, err)
	// Renaming within the same directory is fine, and to itself a no-op.
	_, err = fs.Move(ctx, a, "b", a, "b")
	require.NoError(t, err)
	_, err = fs.Move(ctx, a, "b", a, "b2")
	require.NoError(t, err)
	_, err = fs.Lookup(ctx, "/a/b2/c", syscall.O_RDONLY)
	require.NoError(t, err)
}

func TestHandleSharing(t *testing.T) {
	ctx := context.Background()
	fs, c, alloc := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o755, 0))
	f, err := fs.Open(ctx, nil, "shared", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("from sender")}, 0))

	blob := fs.Local2Global()
	assert.Equal(t, blob, fs.Local2Global()) // same size (and bytes) each time
	c2 := otherProcess(t, c)
	fs2, err := dfs.Global2Local(c2, 0, blob, dfs.WithOIDAllocator(alloc))
	require.NoError(t, err)
	assert.False(t, fs2.ReadOnly())
	// Flags 0 (O_RDONLY is 0 too) inherit the sender's access.
	ro, err := dfs.Mount(ctx, c, dfs.RDONLY)
	require.NoError(t, err)
	ofs, err := dfs.Global2Local(c2, 0, ro.Local2Global())
	require.NoError(t, err)
	assert.True(t, ofs.ReadOnly())

	ob, err := fs.ObjLocal2Global(f)
	require.NoError(t, err)
	f2, err := fs2.ObjGlobal2Local(0, ob)
	require.NoError(t, err)
	assert.Equal(t, f.OID(), f2.OID())
	assert.Equal(t, f.ChunkSize(), f2.ChunkSize())
	check(t, fs2, f2, []byte("from sender"))
	require.NoError(t, fs2.Write(ctx, f2, [][]byte{[]byte("RECEIVER")}, 5))
	check(t, fs, f, []byte("from RECEIVER"))
	st, err := fs2.Ostat(ctx, f2)
	require.NoError(t, err)
	assert.Equal(t, uint64(13), st.Size)
	_, err = fs2.Open(ctx, nil, "made-by-receiver", fileMode, create|syscall.O_EXCL, 0, 0, "")
	require.NoError(t, err)
	_, err = fs.Stat(ctx, nil, "made-by-receiver")
	require.NoError(t, err)

	// A directory handle travels too and works as a parent.
	d, err := fs.Lookup(ctx, "/d", rw)
	require.NoError(t, err)
	db, err := fs.ObjLocal2Global(d)
	require.NoError(t, err)
	d2, err := fs2.ObjGlobal2Local(0, db)
	require.NoError(t, err)
	require.NoError(t, fs2.Mkdir(ctx, d2, "sub", 0o755, 0))
	_, err = fs.Lookup(ctx, "/d/sub", syscall.O_RDONLY)
	require.NoError(t, err)

	// Refusals: symlinks, truncated or padded blobs, another container.
	l, err := fs.Open(ctx, nil, "l", linkMode, create, 0, 0, "/shared")
	require.NoError(t, err)
	_, err = fs.ObjLocal2Global(l)
	errno(t, syscall.EINVAL, err)
	_, err = fs2.ObjGlobal2Local(0, ob[:len(ob)-1])
	errno(t, syscall.EINVAL, err)
	_, err = fs2.ObjGlobal2Local(0, append(bytes.Clone(ob), 0))
	errno(t, syscall.EINVAL, err)
	_, err = dfs.Global2Local(c2, 0, blob[:10])
	errno(t, syscall.EINVAL, err)
	_, err = fs2.ObjGlobal2Local(0, blob)
	errno(t, syscall.EINVAL, err) // an FS blob is not an object blob
	other := *c2
	other.UUID[0] ^= 0xff
	_, err = dfs.Global2Local(&other, 0, blob)
	errno(t, syscall.EINVAL, err)
}

func TestDefaultsInherited(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	s1 := placement.Name2ID("S1")
	d, err := fs.Open(ctx, nil, "hinted", dirMode, create, s1, 16384, "")
	require.NoError(t, err)
	require.NoError(t, fs.Mkdir(ctx, d, "sub", 0o755, 0))
	sub, err := fs.LookupRel(ctx, d, "sub", rw)
	require.NoError(t, err)
	for _, dir := range []*dfs.Obj{d, sub} {
		f, err := fs.Open(ctx, dir, "f", fileMode, create, 0, 0, "")
		require.NoError(t, err)
		assert.Equal(t, uint64(16384), f.ChunkSize())
		assert.Equal(t, s1, f.OClass())
		// An explicit chunk size wins.
		g, err := fs.Open(ctx, dir, "g", fileMode, create, 0, 1000, "")
		require.NoError(t, err)
		assert.Equal(t, uint64(1000), g.ChunkSize())
		require.NoError(t, fs.Write(ctx, g, [][]byte{bytes.Repeat([]byte{3}, 3333)}, 777))
		want := make([]byte, 777+3333)
		copy(want[777:], bytes.Repeat([]byte{3}, 3333))
		check(t, fs, g, want)
	}
	// Elsewhere the container's defaults hold.
	f, err := fs.Open(ctx, nil, "plain", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	assert.Equal(t, uint64(4096), f.ChunkSize())
	assert.Zero(t, f.OClass())
}

func TestNotPOSIX(t *testing.T) {
	ctx := context.Background()
	c := cluster(t)
	c.Info = &poolsvc.ContInfo{Label: "h5", Type: "HDF5"}
	errno(t, syscall.EINVAL, dfs.Format(ctx, c, dfs.Attr{}))
	_, err := dfs.Mount(ctx, c, dfs.RDWR)
	errno(t, syscall.EINVAL, err)
	c.Info.Type = "POSIX"
	require.NoError(t, dfs.Format(ctx, c, dfs.Attr{}))
	_, err = dfs.Mount(ctx, c, dfs.RDWR)
	require.NoError(t, err)
	errno(t, syscall.EINVAL, dfs.Format(ctx, c, dfs.Attr{Mode: 99}))
}

func TestCanceled(t *testing.T) {
	fs, _, _ := mounted(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := fs.Lookup(ctx, "/x", syscall.O_RDONLY)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, syscall.ECANCELED, dfs.Errno(err))
}

func TestReaddirEntries(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o750, 0))
	f, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	_, err = fs.Open(ctx, nil, "l", linkMode, create, 0, 0, "f")
	require.NoError(t, err)
	var a dfs.Anchor
	ents, err := fs.ReaddirEntries(ctx, nil, &a, 10)
	require.NoError(t, err)
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name < ents[j].Name })
	require.Len(t, ents, 3)
	assert.Equal(t, "d", ents[0].Name)
	assert.Equal(t, uint32(syscall.S_IFDIR|0o750), ents[0].Mode)
	assert.Equal(t, f.OID(), ents[1].OID)
	assert.Equal(t, uint32(linkMode), ents[2].Mode)
	assert.True(t, a.EOF)
}

// TestWriteOnlyHandle checks that a handle opened write-only writes but
// does not read (EPERM, as in DFS), and that a read-only one reads only.
func TestWriteOnlyHandle(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("xy")}, 0))

	w, err := fs.Open(ctx, nil, "f", fileMode, syscall.O_WRONLY, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, w, [][]byte{[]byte("z")}, 2))
	_, err = fs.Read(ctx, w, [][]byte{make([]byte, 3)}, 0)
	errno(t, syscall.EPERM, err)

	r, err := fs.Open(ctx, nil, "f", fileMode, syscall.O_RDONLY, 0, 0, "")
	require.NoError(t, err)
	errno(t, syscall.EPERM, fs.Write(ctx, r, [][]byte{[]byte("q")}, 0))
	check(t, fs, r, []byte("xyz"))
}
