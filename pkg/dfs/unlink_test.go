package dfs_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/placement"
)

// A file unlinked with RemoveKeep keeps its data for open handles until
// Destroy; Ostat of such a handle still answers.
func TestRemoveKeepThenDestroy(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("kept")}, 0))
	oid, err := fs.RemoveKeep(ctx, nil, "f", f.OID())
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

// A file replaced by MoveKeep keeps its data for open handles until
// Destroy, as one unlinked with RemoveKeep does; a replaced empty
// directory goes at once.
func TestMoveKeepThenDestroy(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	victim, err := fs.Open(ctx, nil, "b", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, victim, [][]byte{[]byte("old b")}, 0))
	a, err := fs.Open(ctx, nil, "a", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, a, [][]byte{[]byte("new")}, 0))

	oid, err := fs.MoveKeep(ctx, nil, "a", nil, "b", victim.OID())
	require.NoError(t, err)
	require.Equal(t, victim.OID(), oid)
	b, err := fs.Lookup(ctx, "/b", rw)
	require.NoError(t, err)
	require.Equal(t, a.OID(), b.OID(), "b names the moved file")
	buf := make([]byte, 16)
	n, err := fs.Read(ctx, victim, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Equal(t, "old b", string(buf[:n]), "the replaced file's data outlives its name")

	// The handle no longer has an entry: its changes must not land on
	// the file that now has its name.
	_, err = fs.SetAttr(ctx, victim, &dfs.Stat{Mode: 0o600}, dfs.SetMode)
	errno(t, syscall.ENOENT, err)
	st, err := fs.Ostat(ctx, b)
	require.NoError(t, err)
	require.EqualValues(t, fileMode&0o777, st.Mode&0o777)

	require.NoError(t, fs.Destroy(ctx, victim))
	n, err = fs.Read(ctx, victim, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Zero(t, n, "the data went with Destroy")
	n, err = fs.Read(ctx, b, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Equal(t, "new", string(buf[:n]))

	// Over an empty directory nothing is kept.
	require.NoError(t, fs.Mkdir(ctx, nil, "d1", 0o755, 0))
	require.NoError(t, fs.Mkdir(ctx, nil, "d2", 0o755, 0))
	d2, err := fs.Lookup(ctx, "/d2", rw)
	require.NoError(t, err)
	oid, err = fs.MoveKeep(ctx, nil, "d1", nil, "d2", d2.OID())
	require.NoError(t, err)
	require.Equal(t, d2.OID(), oid)
}

// MoveKeep keeps only the object its caller believes it replaces: when
// another client changed the name meanwhile, the file replaced is some
// other object, which goes as Move would, and the caller learns which.
func TestMoveKeepOfStaleView(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	x, y := staleView(t, fs)
	_, err := fs.Open(ctx, nil, "src", fileMode, create, 0, 0, "")
	require.NoError(t, err)

	// This client still thinks "x" names x.
	oid, err := fs.MoveKeep(ctx, nil, "src", nil, "x", x.OID())
	require.NoError(t, err)
	require.Equal(t, y.OID(), oid, "the object replaced was y")
	buf := make([]byte, 16)
	n, err := fs.Read(ctx, y, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Zero(t, n, "y, not kept, went with the rename")
	moved, err := fs.Lookup(ctx, "/elsewhere", rw)
	require.NoError(t, err)
	n, err = fs.Read(ctx, moved, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Equal(t, "x data", string(buf[:n]), "x, renamed away, is untouched")
}

// ftruncate on a file whose name is gone resizes its data (POSIX allows
// it on an unlinked file still open); other attributes, which live in
// the entry, are ENOENT.
func TestSetSizeOfDetachedHandle(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	f, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, f, [][]byte{[]byte("0123456789")}, 0))
	_, err = fs.RemoveKeep(ctx, nil, "f", f.OID())
	require.NoError(t, err)

	st, err := fs.SetAttr(ctx, f, &dfs.Stat{Size: 4}, dfs.SetSize)
	require.NoError(t, err)
	require.Equal(t, uint64(4), st.Size)
	st, err = fs.Ostat(ctx, f)
	require.NoError(t, err)
	require.Equal(t, uint64(4), st.Size)
	buf := make([]byte, 16)
	n, err := fs.Read(ctx, f, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Equal(t, "0123", string(buf[:n]))

	_, err = fs.SetAttr(ctx, f, &dfs.Stat{Size: 1, Mode: 0o600}, dfs.SetSize|dfs.SetMode)
	errno(t, syscall.ENOENT, err)
	// A new file under the old name is not touched by the old handle.
	g, err := fs.Open(ctx, nil, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, g, [][]byte{[]byte("fresh")}, 0))
	_, err = fs.SetAttr(ctx, f, &dfs.Stat{Size: 0}, dfs.SetSize)
	require.NoError(t, err)
	n, err = fs.Read(ctx, g, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Equal(t, "fresh", string(buf[:n]))
}

// Format refuses classes this build cannot do I/O with (replicated,
// erasure-coded) instead of formatting a container no mount could use.
func TestFormatRefusesRedundantClasses(t *testing.T) {
	ctx := context.Background()
	c := cluster(t)
	for _, attr := range []dfs.Attr{{DirOClass: placement.Name2ID("RP_2G1")}, {FileOClass: placement.Name2ID("RP_2GX")}} {
		err := dfs.Format(ctx, c, attr)
		errno(t, syscall.EIO, err) // DER_NOSYS, as daos_der2errno maps it
		require.ErrorContains(t, err, "needs replication or erasure coding")
	}
	_, err := dfs.Mount(ctx, c, dfs.RDWR)
	errno(t, syscall.EINVAL, err) // still not formatted
	require.NoError(t, dfs.Format(ctx, c, dfs.Attr{}))
}

// A directory's mtime and ctime move with the entries made, removed and
// renamed in it (its object's newest change, as in DAOS's DFS); an
// explicit mtime holds until the next such change.
func TestDirMtimeFollowsEntries(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	require.NoError(t, fs.Mkdir(ctx, nil, "d", 0o755, 0))
	d, err := fs.Lookup(ctx, "/d", rw)
	require.NoError(t, err)
	stat := func() *dfs.Stat {
		t.Helper()
		st, err := fs.Ostat(ctx, d)
		require.NoError(t, err)
		return st
	}
	later := func(what string, before *dfs.Stat) *dfs.Stat {
		t.Helper()
		st := stat()
		require.True(t, st.Mtime.After(before.Mtime), "mtime after %s: %v, before %v", what, st.Mtime, before.Mtime)
		require.False(t, st.Ctime.Before(st.Mtime), "ctime %v before mtime %v after %s", st.Ctime, st.Mtime, what)
		return st
	}
	st0 := stat()
	time.Sleep(5 * time.Millisecond)
	_, err = fs.Open(ctx, d, "f", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	st1 := later("a create", st0)
	time.Sleep(5 * time.Millisecond)
	_, err = fs.Move(ctx, d, "f", d, "g")
	require.NoError(t, err)
	st2 := later("a rename", st1)

	old := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	_, err = fs.SetAttr(ctx, d, &dfs.Stat{Mtime: old}, dfs.SetMtime)
	require.NoError(t, err)
	require.True(t, stat().Mtime.Equal(old), "explicit mtime: %v", stat().Mtime)
	time.Sleep(5 * time.Millisecond)
	_, err = fs.Remove(ctx, d, "g", false)
	require.NoError(t, err)
	later("a remove", st2)
}

// A container's properties give a new namespace its chunk size and
// classes; "auto" and absent ones leave the pool's defaults.
func TestAttrOfProps(t *testing.T) {
	a := dfs.AttrOfProps(map[string]string{"chunk_size": "2097152", "oclass": "S2", "dir_oclass": "S1"})
	require.Equal(t, uint64(2<<20), a.ChunkSize)
	require.Equal(t, placement.Name2ID("S2"), a.FileOClass)
	require.Equal(t, placement.Name2ID("S1"), a.DirOClass)
	a = dfs.AttrOfProps(map[string]string{"oclass": "auto", "file_oclass": "SX"})
	require.Zero(t, a.ChunkSize)
	require.Equal(t, placement.Name2ID("SX"), a.FileOClass)
	require.Zero(t, a.DirOClass)
}

// RemoveKeep keeps only the object its caller holds open: a name another
// client gave to a new file meanwhile is removed with its file, and the
// caller's file, living under another name, is untouched.
func TestRemoveKeepOfStaleView(t *testing.T) {
	ctx := context.Background()
	fs, _, _ := mounted(t)
	x, y := staleView(t, fs)

	oid, err := fs.RemoveKeep(ctx, nil, "x", x.OID())
	require.NoError(t, err)
	require.Equal(t, y.OID(), oid, "the object removed was y")
	buf := make([]byte, 16)
	n, err := fs.Read(ctx, y, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Zero(t, n, "y, not kept, went with its name")
	n, err = fs.Read(ctx, x, [][]byte{buf}, 0)
	require.NoError(t, err)
	require.Equal(t, "x data", string(buf[:n]))
}

// staleView makes file x ("x data"), then does what another client might
// meanwhile: renames x to "elsewhere" and creates y ("y data") as "x".
func staleView(t *testing.T, fs *dfs.FS) (x, y *dfs.Obj) {
	t.Helper()
	ctx := context.Background()
	x, err := fs.Open(ctx, nil, "x", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, x, [][]byte{[]byte("x data")}, 0))
	_, err = fs.Move(ctx, nil, "x", nil, "elsewhere")
	require.NoError(t, err)
	y, err = fs.Open(ctx, nil, "x", fileMode, create, 0, 0, "")
	require.NoError(t, err)
	require.NoError(t, fs.Write(ctx, y, [][]byte{[]byte("y data")}, 0))
	return x, y
}
