package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/client/clienttest"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/uns"
)

// MountDFS gives the fake container the namespace a test put in it.
func (c *fakeCont) MountDFS(context.Context, bool) (*dfs.FS, error) {
	if c.fs == nil {
		return nil, daos.Errorf(daos.ErrInval, "container is not POSIX")
	}
	return c.fs, nil
}

// posixPool is a fake pool whose container is a real DFS namespace on
// in-process engines.
func posixPool(t *testing.T) *fakePool {
	c, _ := clienttest.Cluster(t, clienttest.Options{Ranks: 3, Targets: 1, SCMBytes: 64 << 20})
	ctx := context.Background()
	require.NoError(t, dfs.Format(ctx, c, dfs.Attr{ChunkSize: 64 << 10}))
	fs, err := dfs.Mount(ctx, c, dfs.RDWR, dfs.WithOIDAllocator(&clienttest.OIDs{}))
	require.NoError(t, err)
	fc := newFakeCont()
	fc.fs, fc.cc = fs, c
	return &fakePool{cont: fc}
}

func TestParseLocation(t *testing.T) {
	l, err := parseLocation("--dst", "daos://tank/c1")
	require.NoError(t, err)
	require.Equal(t, location{pool: "tank", cont: "c1", path: "/"}, l)
	l, err = parseLocation("--dst", "daos://tank/c1/a//b/../c/")
	require.NoError(t, err)
	require.Equal(t, location{pool: "tank", cont: "c1", path: "/a/c"}, l)
	require.Equal(t, "daos://tank/c1/a/c", l.String())
	l, err = parseLocation("--src", "rel/dir")
	require.NoError(t, err)
	wd, _ := os.Getwd()
	require.Equal(t, filepath.Join(wd, "rel/dir"), l.path)
	for _, bad := range []string{"", "daos://", "daos://tank", "daos://tank/", "daos:///c1", "daos://bad label/c1"} {
		_, err := parseLocation("--src", bad)
		require.Error(t, err, bad)
		require.Contains(t, err.Error(), "--src", bad)
	}

	// A path in a directory linked to a container is a place in it.
	dir := t.TempDir()
	if err := unix.Lsetxattr(dir, "user.probe", []byte("x"), 0); err != nil {
		t.Skipf("%s takes no user extended attributes: %v", dir, err)
	}
	linked := filepath.Join(dir, "linked")
	require.NoError(t, uns.Create(linked, uns.Link{Type: "POSIX", Pool: poolUUID, Cont: "c1"}))
	l, err = parseLocation("--dst", filepath.Join(linked, "a", "new.txt"))
	require.NoError(t, err)
	require.Equal(t, location{pool: poolUUID, cont: "c1", path: "/a/new.txt"}, l)
	l, err = parseLocation("--src", linked)
	require.NoError(t, err)
	require.Equal(t, location{pool: poolUUID, cont: "c1", path: "/"}, l)
	other := filepath.Join(dir, "hdf5")
	require.NoError(t, uns.Create(other, uns.Link{Type: "HDF5", Pool: poolUUID, Cont: "c2"}))
	_, err = parseLocation("--src", other)
	require.ErrorContains(t, err, "HDF5")
}

func TestFilesystemCopyAndAttrs(t *testing.T) {
	f := posixPool(t)
	src := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "sub"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "f"), []byte("payload"), 0o640))
	require.NoError(t, os.Symlink("sub/f", filepath.Join(src, "l")))

	out, errOut, code := run(t, f, "filesystem", "copy", "--src", src, "--dst", "daos://tank/c1")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Successfully copied to DAOS: daos://tank/c1")
	require.Contains(t, out, "Directories: 2")
	require.Contains(t, out, "Files:       1")
	require.Contains(t, out, "Links:       1")
	require.True(t, f.cont.closed && f.disconnected, "the container and pool were not released")

	// Back out, with JSON.
	dst := t.TempDir()
	out, errOut, code = run(t, f, "fs", "copy", "-s", "daos://tank/c1/data", "-d", dst, "-j")
	require.Equal(t, 0, code, errOut)
	var env struct {
		Response copyResult `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Equal(t, copyResult{Src: "daos://tank/c1/data", Dst: dst, NumDirs: 2, NumFiles: 1, NumLinks: 1, Bytes: 7}, env.Response)
	b, err := os.ReadFile(filepath.Join(dst, "data", "sub", "f"))
	require.NoError(t, err)
	require.Equal(t, "payload", string(b))
	tgt, err := os.Readlink(filepath.Join(dst, "data", "l"))
	require.NoError(t, err)
	require.Equal(t, "sub/f", tgt)

	// A missing source names itself.
	_, errOut, code = run(t, f, "fs", "copy", "-s", "daos://tank/c1/nope", "-d", dst)
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "daos://tank/c1/nope")

	// Attributes: a directory's defaults, then a new file with its own.
	out, errOut, code = run(t, f, "fs", "get-attr", "tank", "c1", "--dfs-path", "/data/sub")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Object Chunk Size = 65536")
	_, errOut, code = run(t, f, "fs", "set-attr", "tank", "c1", "-H", "/data/sub", "-o", "S2", "-z", "128KiB")
	require.Equal(t, 0, code, errOut)
	out, _, _ = run(t, f, "fs", "get-attr", "tank", "c1", "-H", "/data/sub")
	require.Contains(t, out, "Object Class = S2\n")
	require.Contains(t, out, "Object Chunk Size = 131072\n")
	_, errOut, code = run(t, f, "fs", "set-attr", "tank", "c1", "-H", "/mnt/x/data/new", "-I", "/mnt/x", "-o", "S1", "-z", "8KiB")
	require.Equal(t, 0, code, errOut)
	out, _, _ = run(t, f, "-j", "fs", "get-attr", "tank", "c1", "-H", "/data/new")
	var attrs struct {
		Response fileAttrs `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &attrs), out)
	require.Equal(t, fileAttrs{OClass: "S1", ChunkSize: 8192}, attrs.Response)
	_, errOut, code = run(t, f, "fs", "set-attr", "tank", "c1", "-H", "/data/new", "-o", "S2")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "keeps the class")
	_, errOut, code = run(t, f, "fs", "reset-attr", "tank", "c1", "-H", "/data/sub")
	require.Equal(t, 0, code, errOut)
	out, _, _ = run(t, f, "fs", "get-attr", "tank", "c1", "-H", "/data/sub")
	require.Contains(t, out, "Object Chunk Size = 65536")
	require.NotContains(t, out, "Object Class = S2")

	for _, args := range [][]string{
		{"fs", "copy", "--src", src},
		{"fs", "copy", "--dst", dst},
		{"fs", "get-attr", "tank", "c1"},
		{"fs", "get-attr", "tank", "c1", "-H", "relative"},
		{"fs", "set-attr", "tank", "c1", "-H", "/data"},
		{"fs", "set-attr", "tank", "c1", "-H", "/data", "-o", "NOPE"},
		{"fs", "set-attr", "tank", "c1", "-H", "/data", "-z", "lots"},
		{"fs", "get-attr", "tank", "c1", "-H", "/nope"},
	} {
		_, errOut, code := run(t, f, args...)
		require.NotEqual(t, 0, code, "%v", args)
		require.NotEmpty(t, strings.TrimSpace(errOut), "%v", args)
	}
}

func TestFilesystemScanAndChmod(t *testing.T) {
	f := posixPool(t)
	src := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "a", "b"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(src, "empty"), nil, 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(src, "a", "small"), []byte("12345"), 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(src, "a", "b", "mid"), make([]byte, 70000), 0o640))
	require.NoError(t, os.Symlink("a/small", filepath.Join(src, "l")))
	_, errOut, code := run(t, f, "fs", "copy", "--src", src, "--dst", "daos://tank/c1")
	require.Equal(t, 0, code, errOut)

	out, errOut, code := run(t, f, "-j", "fs", "scan", "tank", "c1")
	require.Equal(t, 0, code, errOut)
	var env struct {
		Response scanStats `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	s := env.Response
	require.Equal(t, "/", s.Path)
	require.Equal(t, uint64(4), s.Dirs, "/, data, a, b")
	require.Equal(t, uint64(3), s.Files)
	require.Equal(t, uint64(1), s.Symlinks)
	require.Equal(t, uint64(70005), s.Bytes)
	require.Equal(t, uint64(70000), s.MaxFileSize)
	require.Equal(t, "/data/a/b/mid", s.MaxFile)
	require.Equal(t, 4, s.MaxDepth, "/data/a/b/mid is four below the root")
	hist := map[string]uint64{}
	for _, b := range s.SizeHistogram {
		hist[b.Size] = b.Files
	}
	require.Equal(t, map[string]uint64{"0 B": 1, "1 B - 4 KiB": 1, "4 KiB - 64 KiB": 0, "64 KiB - 1 MiB": 1,
		"1 MiB - 64 MiB": 0, "64 MiB - 1 GiB": 0, ">= 1 GiB": 0}, hist)

	// A subtree, given under a mount prefix; text output.
	out, errOut, code = run(t, f, "fs", "scan", "tank", "c1", "--dfs-path", "/mnt/x/data/a", "--dfs-prefix", "/mnt/x")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Scanned /data/a")
	require.Contains(t, out, "Files             : 2")
	_, errOut, code = run(t, f, "fs", "scan", "tank", "c1", "--dfs-path", "/elsewhere", "--dfs-prefix", "/mnt/x")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "not under --dfs-prefix")
	_, errOut, code = run(t, f, "fs", "scan", "tank", "c1", "--dfs-path", "/data/nope")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "/data/nope")

	// chmod, checked through a copy back out.
	_, errOut, code = run(t, f, "fs", "chmod", "tank", "c1", "--dfs-path", "/data/a/small", "-m", "0604")
	require.Equal(t, 0, code, errOut)
	dst := t.TempDir()
	_, errOut, code = run(t, f, "fs", "copy", "-s", "daos://tank/c1/data/a/small", "-d", filepath.Join(dst, "small"))
	require.Equal(t, 0, code, errOut)
	st, err := os.Stat(filepath.Join(dst, "small"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o604), st.Mode().Perm())
	for _, bad := range []string{"rwx", "99", "17777"} {
		_, errOut, code = run(t, f, "fs", "chmod", "tank", "c1", "--dfs-path", "/data/a/small", "-m", bad)
		require.NotEqual(t, 0, code, bad)
		require.Contains(t, errOut, "--mode", bad)
	}
}

func TestFilesystemCheck(t *testing.T) {
	f := posixPool(t)
	ctx := context.Background()
	fs := f.cont.fs
	for _, n := range []string{"a", "b"} {
		o, err := fs.Open(ctx, nil, n, syscall.S_IFREG|0o644, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL, 0, 0, "")
		require.NoError(t, err)
		require.NoError(t, fs.Write(ctx, o, [][]byte{[]byte("data " + n)}, 0))
		require.NoError(t, o.Release())
	}
	out, errOut, code := run(t, f, "fs", "check", "tank", "c1")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "No leaked objects")
	b, err := fs.Lookup(ctx, "/b", dfs.RDWR)
	require.NoError(t, err)
	oid, err := fs.RemoveKeep(ctx, nil, "b", b.OID())
	require.NoError(t, err)
	out, errOut, code = run(t, f, "fs", "check", "tank", "c1", "-f", "print")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Leaked objects (1):\n  "+oid.String())

	out, errOut, code = run(t, f, "-j", "fs", "check", "tank", "c1", "-f", "relink", "-n", "r1")
	require.Equal(t, 0, code, errOut)
	var env struct {
		Response fsCheckReport `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Equal(t, []string{oid.String()}, env.Response.Leaked)
	require.Equal(t, 1, env.Response.Relinked)
	require.Equal(t, "/lost+found/r1", env.Response.RelinkDir)
	_, err = fs.Lookup(ctx, "/lost+found/r1/"+oid.String(), syscall.O_RDONLY)
	require.NoError(t, err)

	for _, bad := range []struct{ flags, want string }{
		{"remove,relink", "exclude each other"}, {"print,bogus", "bogus"},
	} {
		_, errOut, code = run(t, f, "fs", "check", "tank", "c1", "-f", bad.flags)
		require.NotEqual(t, 0, code, bad.flags)
		require.Contains(t, errOut, bad.want)
	}
}

// TestFilesystemEvictOutsideDfuse: a path outside any dfuse mount is
// refused by name, and no attribute is left on it.
func TestFilesystemEvictOutsideDfuse(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(p, nil, 0o644))
	_, errOut, code := run(t, &fakePool{}, "fs", "evict", p)
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "not in a dfuse mount")
	_, err := unix.Lgetxattr(p, "user.daos.dfuse.evict", nil)
	require.Error(t, err, "the attribute was not left behind")
}

func TestFilesystemRepairs(t *testing.T) {
	f := posixPool(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(src, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "f"), []byte("payload"), 0o644))
	_, errOut, code := run(t, f, "fs", "copy", "--src", src, "--dst", "daos://tank/c1")
	require.Equal(t, 0, code, errOut)

	// Lose the superblock; fix-sb brings the tree back with new defaults.
	sbOID, err := placement.GenerateOID(daos.ObjectID{Hi: 1}, placement.OTMultiHashed, placement.Name2ID("S1"), 0, placement.PoolShape{})
	require.NoError(t, err)
	sb, err := f.cont.cc.Object(sbOID)
	require.NoError(t, err)
	require.NoError(t, sb.PunchAkeys(ctx, []byte("/"), [][]byte{[]byte("sb"), []byte("e")}, 0))
	_, err = dfs.Mount(ctx, f.cont.cc, dfs.RDONLY)
	require.Error(t, err)
	out, errOut, code := run(t, f, "fs", "fix-sb", "tank", "c1", "-z", "128KiB")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "linked to the existing root directory")
	fs, err := dfs.Mount(ctx, f.cont.cc, dfs.RDWR)
	require.NoError(t, err)
	require.Equal(t, uint64(128<<10), fs.Attr().ChunkSize)
	_, err = fs.Lookup(ctx, "/data/f", syscall.O_RDONLY)
	require.NoError(t, err)

	_, errOut, code = run(t, f, "fs", "fix-root", "tank", "c1")
	require.NotEqual(t, 0, code, "the root entry is there")
	require.Contains(t, errOut, "exists")
	out, errOut, code = run(t, f, "fs", "fix-entry", "tank", "c1", "--dfs-path", "/data/f")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "was sound")
	out, errOut, code = run(t, f, "fs", "fix-entry", "tank", "c1", "--dfs-path", "/data/f", "-z", "8KiB")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Entry /data/f fixed")
	_, errOut, code = run(t, f, "fs", "fix-sb", "tank", "c1", "-M", "eventual")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "--mode")
}
