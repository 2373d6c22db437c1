package dfs_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/placement"
)

// names lists d (nil: the root) whole.
func names(t *testing.T, fs *dfs.FS, d *dfs.Obj) []string {
	t.Helper()
	var out []string
	var a dfs.Anchor
	for !a.EOF {
		ns, err := fs.Readdir(context.Background(), d, &a, 100)
		require.NoError(t, err)
		out = append(out, ns...)
	}
	slices.Sort(out)
	return out
}

// While a file is renamed back and forth within a directory, an observer
// listing the directory from another client always sees exactly one of
// the two names: the rename is atomic.
func TestRenameWithinADirectoryIsAtomic(t *testing.T) {
	ctx := context.Background()
	fs, other := twoClients(t, dfs.RDONLY)
	f, err := fs.Open(ctx, nil, "a", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Setxattr(ctx, f, "user.k", []byte("v"), 0))
	require.NoError(t, fs.Mkdir(ctx, nil, "keep", 0o755, 0))

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seen [][]string
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ns := names(t, other, nil)
			if !slices.Equal(ns, []string{"a", "keep"}) && !slices.Equal(ns, []string{"b", "keep"}) {
				seen = append(seen, ns)
			}
		}
	}()
	from, to := "a", "b"
	for range 200 {
		_, err := fs.Move(ctx, nil, from, nil, to)
		require.NoError(t, err)
		from, to = to, from
	}
	close(stop)
	wg.Wait()
	require.Empty(t, seen, "listings with both names or neither")
	// The attributes moved with the entry every time.
	g, err := fs.Lookup(ctx, "/"+from, rw)
	require.NoError(t, err)
	v, err := fs.Getxattr(ctx, g, "user.k")
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
}

// Two clients renaming one name at once: exactly one succeeds.
func TestConcurrentRenamesOfOneName(t *testing.T) {
	ctx := context.Background()
	fs, other := twoClients(t, dfs.RDWR)
	// Into the same directory (one batch each), then into two others.
	require.NoError(t, fs.Mkdir(ctx, nil, "d1", 0o755, 0))
	require.NoError(t, fs.Mkdir(ctx, nil, "d2", 0o755, 0))
	// targets are where each client moves to; mine the same directories
	// through fs, to list and clean them.
	var targets, mine [2]*dfs.Obj
	var err error
	for round := range 40 {
		if round == 20 {
			for i, m := range []*dfs.FS{fs, other} {
				dir := []string{"/d1", "/d2"}[i]
				targets[i], err = m.Lookup(ctx, dir, rw)
				require.NoError(t, err)
				mine[i], err = fs.Lookup(ctx, dir, rw)
				require.NoError(t, err)
			}
		}
		f, err := fs.Open(ctx, nil, "x", fileMode, create|syscall.O_EXCL, 0, 0, "")
		require.NoError(t, err, "round %d", round)
		require.NoError(t, f.Release())
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, m := range []*dfs.FS{fs, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = m.Move(ctx, nil, "x", targets[i], []string{"y1", "y2"}[i])
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				require.True(t, errors.Is(err, syscall.ENOENT), "%v", err)
			}
		}
		require.Equal(t, 1, ok, "round %d: %v", round, errs)
		var found []string
		for _, d := range mine {
			for _, n := range names(t, fs, d) {
				if n == "y1" || n == "y2" || n == "x" {
					found = append(found, n)
					_, err = fs.Remove(ctx, d, n, false)
					require.NoError(t, err)
				}
			}
			if d == nil {
				break
			}
		}
		require.Len(t, found, 1, "round %d: %v", round, found)
	}
}

// Renames over an existing entry, and in a directory whose names spread
// over several groups (no batch there: the two-step rename).
func TestRenameReplacesAndSpreadDirectories(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "wide", 0o755, placement.Name2ID("SX")))
	for _, dir := range []string{"/", "/wide"} {
		d, err := fs.Lookup(ctx, dir, rw)
		require.NoError(t, err)
		src, err := fs.Open(ctx, d, "src", fileMode, create, 0, 0, "")
		require.NoError(t, err)
		require.NoError(t, fs.Write(ctx, src, [][]byte{[]byte("source")}, 0))
		require.NoError(t, fs.Setxattr(ctx, src, "user.s", []byte("1"), 0))
		dst, err := fs.Open(ctx, d, "dst", fileMode, create, 0, 0, "")
		require.NoError(t, err)
		require.NoError(t, fs.Setxattr(ctx, dst, "user.d", []byte("2"), 0))
		replaced, err := fs.Move(ctx, d, "src", d, "dst")
		require.NoError(t, err)
		require.Equal(t, dst.OID(), replaced)
		got, err := fs.LookupRel(ctx, d, "dst", rw)
		require.NoError(t, err)
		require.Equal(t, src.OID(), got.OID())
		xs, err := fs.Listxattr(ctx, got)
		require.NoError(t, err)
		require.Equal(t, []string{"user.s"}, xs, "%s: the replaced entry's attributes went", dir)
		_, err = fs.LookupRel(ctx, d, "src", rw)
		require.ErrorIs(t, err, syscall.ENOENT)
		// Renaming a name that is gone is ENOENT.
		_, err = fs.Move(ctx, d, "src", d, "again")
		require.ErrorIs(t, err, syscall.ENOENT)
	}
}

func TestExchangeAndNoReplace(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o755, 0))
	require.NoError(t, fs.Mkdir(ctx, nil, "wide", 0o755, placement.Name2ID("SX")))
	d, err := fs.Lookup(ctx, "/d", rw)
	require.NoError(t, err)
	wide, err := fs.Lookup(ctx, "/wide", rw)
	require.NoError(t, err)
	mk := func(dir *dfs.Obj, name, data, xattr string) *dfs.Obj {
		f, err := fs.Open(ctx, dir, name, fileMode, create, 0, 0, "")
		require.NoError(t, err)
		require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte(data)}, 0))
		require.NoError(t, fs.Setxattr(ctx, f, xattr, []byte(data), 0))
		return f
	}
	check := func(dir *dfs.Obj, name, data, xattr string) {
		t.Helper()
		f, err := fs.LookupRel(ctx, dir, name, rw)
		require.NoError(t, err)
		buf := make([]byte, 16)
		n, err := fs.Read(ctx, f, [][]byte{buf}, 0)
		require.NoError(t, err)
		require.Equal(t, data, string(buf[:n]), name)
		xs, err := fs.Listxattr(ctx, f)
		require.NoError(t, err)
		require.Equal(t, []string{xattr}, xs, name)
	}
	for _, pair := range [][2]*dfs.Obj{{d, d}, {wide, wide}, {d, nil}} {
		p1, p2 := pair[0], pair[1]
		mk(p1, "one", "first", "user.one")
		mk(p2, "two", "second", "user.two")
		require.NoError(t, fs.Exchange(ctx, p1, "one", p2, "two"))
		check(p1, "one", "second", "user.two")
		check(p2, "two", "first", "user.one")
		// Both must exist.
		err := fs.Exchange(ctx, p1, "one", p2, "nope")
		require.ErrorIs(t, err, syscall.ENOENT)
		_, err = fs.Remove(ctx, p1, "one", false)
		require.NoError(t, err)
		_, err = fs.Remove(ctx, p2, "two", false)
		require.NoError(t, err)
	}
	// A directory cannot go into its own subtree.
	require.NoError(t, fs.Mkdir(ctx, d, "sub", 0o755, 0))
	sub, err := fs.LookupRel(ctx, d, "sub", rw)
	require.NoError(t, err)
	mk(sub, "f", "x", "user.x")
	errno(t, syscall.EINVAL, fs.Exchange(ctx, nil, "d", sub, "f"))

	// No-replace renames refuse an existing target and change nothing.
	mk(d, "a", "A", "user.a")
	mk(d, "b", "B", "user.b")
	errno(t, syscall.EEXIST, fs.MoveNoReplace(ctx, d, "a", d, "b"))
	check(d, "a", "A", "user.a")
	check(d, "b", "B", "user.b")
	require.NoError(t, fs.MoveNoReplace(ctx, d, "a", d, "c"))
	check(d, "c", "A", "user.a")
}
