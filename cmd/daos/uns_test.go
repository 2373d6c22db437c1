package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/uns"
)

// TestContainerPath: containers linked to directories (--path), as
// DAOS's unified namespace has them.
func TestContainerPath(t *testing.T) {
	dir := t.TempDir()
	if err := unix.Lsetxattr(dir, "user.probe", []byte("x"), 0); err != nil {
		t.Skipf("%s takes no user extended attributes: %v", dir, err)
	}
	f := &fakePool{}
	linked := filepath.Join(dir, "linked")
	out, errOut, code := run(t, f, "container", "create", "tank", "mycont", "--path", linked)
	require.Zero(t, code, errOut)
	require.Contains(t, out, "Successfully created container")
	require.Len(t, f.created, 1)
	require.True(t, strings.HasPrefix(f.created[0], "mycont|POSIX|"), "--path makes a POSIX container: %s", f.created[0])
	cont := f.conts[0].UUID
	l, rel, err := uns.Resolve(linked)
	require.NoError(t, err)
	require.Empty(t, rel)
	require.Equal(t, uns.Link{Type: "POSIX", Pool: poolUUID, Cont: cont}, l)

	// --path stands for <pool> <container>, before further arguments.
	f.pool = ""
	out, errOut, code = run(t, f, "container", "query", "--path", linked)
	require.Zero(t, code, errOut)
	require.Equal(t, poolUUID, f.pool)
	require.Contains(t, out, cont)
	out, errOut, code = run(t, f, "container", "get-prop", "--path", linked, "label")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "mycont")

	// Giving both is explained.
	_, errOut, code = run(t, f, "container", "query", "tank", "mycont", "--path", linked)
	require.NotZero(t, code)
	require.Contains(t, errOut, "--path stands for <pool> <container>")

	// Paths that are not links, or lie inside one, are refused by name.
	_, errOut, code = run(t, f, "container", "query", "--path", dir)
	require.NotZero(t, code)
	require.Contains(t, errOut, "not in a unified namespace directory")
	require.NoError(t, os.Mkdir(filepath.Join(linked, "sub"), 0o755))
	_, errOut, code = run(t, f, "container", "query", "--path", filepath.Join(linked, "sub"))
	require.NotZero(t, code)
	require.Contains(t, errOut, "inside the container")
	require.NoError(t, os.Remove(filepath.Join(linked, "sub")))
	// An existing path is refused before any container is made.
	_, errOut, code = run(t, f, "container", "create", "tank", "other", "--path", linked)
	require.NotZero(t, code)
	require.Contains(t, errOut, "already exists")
	require.Len(t, f.created, 1)

	// link and unlink leave the container alone.
	l2 := filepath.Join(dir, "l2")
	out, errOut, code = run(t, f, "container", "link", "tank", "mycont", "--path", l2)
	require.Zero(t, code, errOut)
	require.Contains(t, out, "Linked "+l2)
	got, _, err := uns.Resolve(l2)
	require.NoError(t, err)
	require.Equal(t, cont, got.Cont)
	_, errOut, code = run(t, f, "container", "unlink", "--path", l2)
	require.Zero(t, code, errOut)
	_, err = os.Stat(l2)
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Empty(t, f.destroyed)

	// destroy --path destroys the container, then removes its directory.
	_, errOut, code = run(t, f, "container", "destroy", "--path", linked)
	require.Zero(t, code, errOut)
	require.Equal(t, cont, f.destroyed)
	_, err = os.Stat(linked)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestParseContURL(t *testing.T) {
	for _, ok := range []struct{ in, pool, cont string }{
		{"daos://tank/c1", "tank", "c1"}, {"/tank/c1", "tank", "c1"}, {"daos://tank/c1/", "tank", "c1"},
	} {
		p, c, err := parseContURL("--src", ok.in)
		require.NoError(t, err, ok.in)
		require.Equal(t, [2]string{ok.pool, ok.cont}, [2]string{p, c})
	}
	for _, bad := range []string{"", "tank/c1", "daos://tank", "daos://tank/c1/x", "daos:///c1", "/bad label/c"} {
		_, _, err := parseContURL("--dst", bad)
		require.ErrorContains(t, err, "--dst", bad)
	}
}
