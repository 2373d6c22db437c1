package dfs_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/dfs"
)

// A rename across directories interrupted after each of its steps, as
// if its process died: another client then sees exactly one of the two
// names, with the file's data and attributes, and can go on using it.
func TestRenameAcrossDirectoriesSurvivesACrash(t *testing.T) {
	ctx := context.Background()
	fs, other := twoClients(t, dfs.RDWR)
	later := func() time.Time { return time.Now().Add(dfs.MarkLease + time.Second) }
	for step := 1; step <= 3; step++ {
		src, dst := "src"+string(rune('0'+step)), "dst"+string(rune('0'+step))
		require.NoError(t, fs.Mkdir(ctx, nil, src, 0o755, 0))
		require.NoError(t, fs.Mkdir(ctx, nil, dst, 0o755, 0))
		sd, err := fs.Lookup(ctx, "/"+src, rw)
		require.NoError(t, err)
		dd, err := fs.Lookup(ctx, "/"+dst, rw)
		require.NoError(t, err)
		f, err := fs.Open(ctx, sd, "f", fileMode, create, 0, 0, "")
		require.NoError(t, err)
		require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("payload")}, 0))
		require.NoError(t, fs.Setxattr(ctx, f, "user.k", []byte("v"), 0))

		dfs.StopRenamesAfter(fs, step)
		_, err = fs.Move(ctx, sd, "f", dd, "g")
		require.ErrorIs(t, err, dfs.ErrStopped)
		dfs.StopRenamesAfter(fs, 0)

		// The other client, once the mover is presumed dead.
		dfs.SetClock(other, later)
		_, errOld := other.Lookup(ctx, "/"+src+"/f", rw)
		gotNew, errNew := other.Lookup(ctx, "/"+dst+"/g", rw)
		var have *dfs.Obj
		if step == 1 {
			// Not committed: the rename did not happen.
			require.NoError(t, errOld, "step %d", step)
			require.ErrorIs(t, errNew, syscall.ENOENT, "step %d", step)
			have, err = other.Lookup(ctx, "/"+src+"/f", rw)
			require.NoError(t, err)
		} else {
			// Committed: it did, whichever name is looked at first.
			require.ErrorIs(t, errOld, syscall.ENOENT, "step %d", step)
			require.NoError(t, errNew, "step %d", step)
			have = gotNew
		}
		require.Equal(t, f.OID(), have.OID())
		buf := make([]byte, 16)
		n, err := other.Read(ctx, have, [][]byte{buf}, 0)
		require.NoError(t, err)
		require.Equal(t, "payload", string(buf[:n]))
		v, err := other.Getxattr(ctx, have, "user.k")
		require.NoError(t, err)
		require.Equal(t, "v", string(v))
		// Listings agree once looked at: one name in all.
		require.Equal(t, 1, len(names(t, fs, sd))+len(names(t, fs, dd)), "step %d", step)
		// And the file can be renamed again by anyone.
		_, err = fs.Move(ctx, sd, "f", dd, "g")
		if step == 1 {
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, syscall.ENOENT)
		}
		osd, err := other.Lookup(ctx, "/"+src, rw)
		require.NoError(t, err)
		odd, err := other.Lookup(ctx, "/"+dst, rw)
		require.NoError(t, err)
		_, err = other.Move(ctx, odd, "g", osd, "back")
		require.NoError(t, err)
		require.Equal(t, []string{"back"}, names(t, fs, sd))
		require.Empty(t, names(t, fs, dd))
		dfs.SetClock(other, time.Now)
	}
}

// While a rename's mark is fresh its mover is taken to be alive: readers
// see the source as it is, and a change to the source waits for it (here
// until its deadline, as the mover has died); once the lease has run out
// the mark is undone and the change goes ahead.
func TestRunningRenameHoldsOffChanges(t *testing.T) {
	ctx := context.Background()
	fs, other, a, b := twoClientsTwoDirs(t)
	_, err := fs.Open(ctx, a, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	dfs.StopRenamesAfter(fs, 1)
	_, err = fs.Move(ctx, a, "f", b, "g")
	require.ErrorIs(t, err, dfs.ErrStopped)

	_, err = other.Lookup(ctx, "/a/f", rw)
	require.NoError(t, err, "the source is still there for readers")
	oa, err := other.Lookup(ctx, "/a", rw)
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = other.Remove(short, oa, "f", false)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)

	dfs.SetClock(other, func() time.Time { return time.Now().Add(dfs.MarkLease) })
	_, err = other.Remove(ctx, oa, "f", false)
	require.NoError(t, err)
	require.Empty(t, names(t, fs, a))
	require.Empty(t, names(t, fs, b))
}

// An exchange across directories cut short by a crash leaves each object
// under exactly one name (at worst a temporary one beside the second).
func TestExchangeAcrossDirectoriesSurvivesACrash(t *testing.T) {
	ctx := context.Background()
	fs, other, a, b := twoClientsTwoDirs(t)
	f1, err := fs.Open(ctx, a, "one", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	f2, err := fs.Open(ctx, b, "two", fileMode, create, 0, 0, "")
	require.NoError(t, err)

	dfs.StopRenamesAfter(fs, 2) // the first rename commits, then "dies"
	err = fs.Exchange(ctx, a, "one", b, "two")
	require.ErrorIs(t, err, dfs.ErrStopped)
	dfs.StopRenamesAfter(fs, 0)

	dfs.SetClock(other, func() time.Time { return time.Now().Add(dfs.MarkLease + time.Second) })
	seen := map[string]int{}
	for _, dir := range []string{"/a", "/b"} {
		d, err := other.Lookup(ctx, dir, rw)
		require.NoError(t, err)
		for _, n := range names(t, other, d) {
			o, err := other.LookupRel(ctx, d, n, rw)
			if err != nil {
				continue // a finished rename's source
			}
			seen[o.OID().String()]++
		}
	}
	require.Equal(t, map[string]int{f1.OID().String(): 1, f2.OID().String(): 1}, seen)
}

// twoClientsTwoDirs is a mounted container, a second client of it, and
// directories /a and /b opened read-write through the first.
func twoClientsTwoDirs(t *testing.T) (fs, other *dfs.FS, a, b *dfs.Obj) {
	t.Helper()
	ctx := context.Background()
	fs, other = twoClients(t, dfs.RDWR)
	require.NoError(t, fs.Mkdir(ctx, nil, "a", 0o755, 0))
	require.NoError(t, fs.Mkdir(ctx, nil, "b", 0o755, 0))
	a, err := fs.Lookup(ctx, "/a", rw)
	require.NoError(t, err)
	b, err = fs.Lookup(ctx, "/b", rw)
	require.NoError(t, err)
	return fs, other, a, b
}

// twoClients is a mounted container and a second client of it (as
// another process would be), mounted with flags and sharing the first's
// object id allocator.
func twoClients(t *testing.T, flags int) (fs, other *dfs.FS) {
	t.Helper()
	fs, c, alloc := mounted(t)
	other, err := dfs.Mount(context.Background(), otherProcess(t, c), flags, dfs.WithOIDAllocator(alloc))
	require.NoError(t, err)
	return fs, other
}
