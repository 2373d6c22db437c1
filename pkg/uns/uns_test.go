package uns

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/daos"
)

const (
	poolID = "8a9e7f4c-3d2b-4a1e-9c6f-5b4d3c2a1f0e"
	contID = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
)

func TestParse(t *testing.T) {
	l, err := Parse("DAOS.POSIX://" + poolID + "/" + contID)
	require.NoError(t, err)
	require.Equal(t, Link{Type: "POSIX", Pool: poolID, Cont: contID}, l)
	require.Equal(t, "DAOS.POSIX://"+poolID+"/"+contID, l.String())
	// Older DAOS appended the object class and chunk size; a trailing NUL
	// comes from C writers.
	l, err = Parse("DAOS.HDF5://" + poolID + "/" + contID + "/SX/1048576\x00")
	require.NoError(t, err)
	require.Equal(t, Link{Type: "HDF5", Pool: poolID, Cont: contID}, l)
	for _, bad := range []string{"", "POSIX://a/b", "DAOS.://a/b", "DAOS.POSIX:/a/b", "DAOS.POSIX://a", "DAOS.POSIX:///b", "DAOS.POSIX://a/", "DAOS.POSIX://a b/c"} {
		_, err := Parse(bad)
		require.ErrorIs(t, err, daos.ErrInval, "%q", bad)
	}
}

// userXattrs skips when dir's file system takes no user attributes.
func userXattrs(t *testing.T, dir string) {
	t.Helper()
	p := filepath.Join(dir, ".probe")
	require.NoError(t, os.WriteFile(p, nil, 0o644))
	defer os.Remove(p)
	if err := unix.Lsetxattr(p, "user.probe", []byte("x"), 0); err != nil {
		t.Skipf("%s takes no user extended attributes: %v", dir, err)
	}
}

func TestCreateResolveRemove(t *testing.T) {
	dir := t.TempDir()
	userXattrs(t, dir)
	l := Link{Type: "POSIX", Pool: poolID, Cont: contID}
	p := filepath.Join(dir, "linked")
	require.NoError(t, CheckNew(p))
	require.NoError(t, Create(p, l))
	require.ErrorIs(t, CheckNew(p), daos.ErrExist)
	require.ErrorIs(t, Create(p, l), daos.ErrExist)
	require.Error(t, CheckNew(filepath.Join(dir, "missing", "x")), "parent must exist")

	got, rel, err := Resolve(p)
	require.NoError(t, err)
	require.Equal(t, l, got)
	require.Empty(t, rel)
	// Below the link, existing or not, resolves to a place inside.
	require.NoError(t, os.MkdirAll(filepath.Join(p, "a"), 0o755))
	got, rel, err = Resolve(filepath.Join(p, "a", "b", "c.txt"))
	require.NoError(t, err)
	require.Equal(t, l, got)
	require.Equal(t, filepath.Join("a", "b", "c.txt"), rel)

	_, _, err = Resolve(dir)
	require.ErrorIs(t, err, ErrNotLinked)
	require.ErrorIs(t, Remove(filepath.Join(p, "a")), ErrNotLinked, "only the linked directory itself unlinks")
	require.Error(t, Remove(p), "not empty")
	require.NoError(t, os.Remove(filepath.Join(p, "a")))
	require.NoError(t, Remove(p))
	_, err = os.Stat(p)
	require.ErrorIs(t, err, os.ErrNotExist)

	// A damaged attribute is reported, not followed.
	bad := filepath.Join(dir, "bad")
	require.NoError(t, os.Mkdir(bad, 0o755))
	require.NoError(t, unix.Lsetxattr(bad, XattrName, []byte("DAOS.POSIX://only-a-pool"), 0))
	_, _, err = Resolve(filepath.Join(bad, "x"))
	require.ErrorIs(t, err, daos.ErrInval)
	require.ErrorContains(t, err, bad)
}
