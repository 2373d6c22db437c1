//go:build systest

package systest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/dfs"
)

// treeSum describes a tree for comparison: every entry's type and
// permission bits, mtime, link target or data digest, and allocated size
// class (sparse or not) for files.
func treeSum(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(root, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		d := fmt.Sprintf("%v", fi.Mode())
		if rel != "." {
			d += " " + fi.ModTime().UTC().Format(time.RFC3339Nano)
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			tgt, err := os.Readlink(p)
			if err != nil {
				return err
			}
			d += " -> " + tgt
		case fi.Mode().IsRegular():
			h := sha256.New()
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			buf := make([]byte, 1<<20)
			for {
				n, err := f.Read(buf)
				h.Write(buf[:n])
				if err != nil {
					break
				}
			}
			f.Close()
			st := fi.Sys().(*syscall.Stat_t)
			d += fmt.Sprintf(" %d %x sparse=%v", fi.Size(), h.Sum(nil), st.Blocks*512 < fi.Size()/2)
		}
		out[rel] = d
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFilesystemCopy runs `daos filesystem copy` on three servers: a host
// tree (with a sparse file over 4 GiB, symlinks, modes and times) into a
// container the copy creates, from it into a second container, and back
// out, identical; then the error cases.
func TestFilesystemCopy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := startCluster(ctx, t, 3, 2)
	// rd_fac 0: DFS cannot use the replicated default classes yet.
	createPool(ctx, t, c, "-s", "512MiB", "-n", "2GiB", "-P", "rd_fac:0", "copypool")
	a, err := c.StartAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	env := "DAOS_AGENT_DRPC_DIR=" + filepath.Dir(a.Socket)
	daosCmd := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, filepath.Join(c.Bin, "daos"), args...)
		cmd.Env = append(os.Environ(), env)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	src := filepath.Join(t.TempDir(), "tree")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "d1", "d2"), 0o750))
	must(os.Mkdir(filepath.Join(src, "empty"), 0o700))
	for i := range 20 {
		b := bytes.Repeat([]byte{byte(i + 1)}, i*7919)
		must(os.WriteFile(filepath.Join(src, "d1", fmt.Sprintf("f%02d", i)), b, os.FileMode(0o600+i%3*0o40)))
	}
	sp, err := os.Create(filepath.Join(src, "d1", "d2", "sparse"))
	must(err)
	for _, off := range []int64{0, 3 << 30, 4<<30 + 12345} {
		_, err := sp.WriteAt(bytes.Repeat([]byte("data"), 100_000), off)
		must(err)
	}
	must(sp.Truncate(5 << 30))
	must(sp.Close())
	must(os.Symlink("d1/d2/sparse", filepath.Join(src, "link")))
	must(os.Symlink("../nowhere", filepath.Join(src, "d1", "dangling")))
	old := time.Date(2019, 5, 6, 7, 8, 9, 0, time.UTC)
	must(filepath.Walk(src, func(p string, fi fs.FileInfo, err error) error {
		if err != nil || fi.Mode()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, old, old)
	}))
	want := treeSum(t, src)

	// Host -> a container that does not exist yet (the copy creates it).
	out, err := daosCmd("filesystem", "copy", "--src", src, "--dst", "daos://copypool/first")
	if err != nil || !strings.Contains(out, "Successfully copied to DAOS: daos://copypool/first") ||
		!strings.Contains(out, "Files:       21") || !strings.Contains(out, "Links:       2") {
		t.Fatalf("copy in: %v\n%s\n%s", err, out, c.Logs())
	}
	// Container -> container, into a subdirectory of the destination.
	if out, err := daosCmd("container", "create", "copypool", "second", "--type", "POSIX"); err != nil {
		t.Fatalf("container create: %v\n%s", err, out)
	}
	out, err = daosCmd("fs", "copy", "-s", "daos://copypool/first/tree", "-d", "daos://copypool/second")
	if err != nil {
		t.Fatalf("copy between containers: %v\n%s", err, out)
	}
	// The file's class and chunk size are those of the container.
	out, err = daosCmd("fs", "get-attr", "copypool", "second", "--dfs-path", "/tree/d1/d2/sparse")
	if err != nil || !strings.Contains(out, "Object Chunk Size = 1048576") {
		t.Fatalf("get-attr: %v\n%s", err, out)
	}
	// Container -> host, identical to the source.
	back := filepath.Join(t.TempDir(), "back")
	out, err = daosCmd("fs", "copy", "-s", "daos://copypool/second/tree", "-d", back)
	if err != nil || !strings.Contains(out, "Successfully copied to POSIX: "+back) {
		t.Fatalf("copy out: %v\n%s", err, out)
	}
	got := treeSum(t, back)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: copied as %q, was %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d entries copied back, %d in the source", len(got), len(want))
	}
	// Out with --preserve-props, then into a new container with them: its
	// files get the preserved chunk size, as the source's did.
	if out, err := daosCmd("container", "create", "copypool", "chunky", "--type", "POSIX", "--properties", "chunk_size:2MiB"); err != nil {
		t.Fatalf("container create chunky: %v\n%s", err, out)
	}
	if out, err := daosCmd("fs", "copy", "-s", src, "-d", "daos://copypool/chunky"); err != nil {
		t.Fatalf("copy into chunky: %v\n%s", err, out)
	}
	props := filepath.Join(t.TempDir(), "props.json")
	out2 := filepath.Join(t.TempDir(), "out2")
	if out, err := daosCmd("fs", "copy", "-s", "daos://copypool/chunky", "-d", out2, "--preserve-props", props); err != nil {
		t.Fatalf("copy out with --preserve-props: %v\n%s", err, out)
	}
	if out, err := daosCmd("fs", "copy", "-s", out2, "-d", "daos://copypool/rechunked", "--preserve-props", props); err != nil {
		t.Fatalf("copy in with --preserve-props: %v\n%s", err, out)
	}
	// Where the sparse file landed: the copy in puts out2 itself under
	// the container's root.
	var sparse string
	must(filepath.Walk(out2, func(p string, fi fs.FileInfo, err error) error {
		if err == nil && fi.Name() == "sparse" {
			sparse = p
		}
		return err
	}))
	rel, err := filepath.Rel(filepath.Dir(out2), sparse)
	if sparse == "" || err != nil {
		t.Fatalf("no sparse file copied out to %s: %v", out2, err)
	}
	out, err = daosCmd("fs", "get-attr", "copypool", "rechunked", "--dfs-path", "/"+rel)
	if err != nil || !strings.Contains(out, "Object Chunk Size = 2097152") {
		t.Fatalf("get-attr of a file copied in with preserved properties: %v\n%s", err, out)
	}

	// Errors name what was wrong and change nothing at the destination.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"fs", "copy", "-s", "daos://copypool/first/nope", "-d", back}, "daos://copypool/first/nope"},
		{[]string{"fs", "copy", "-s", filepath.Join(src, "nope"), "-d", "daos://copypool/first"}, "nope"},
		{[]string{"fs", "copy", "-s", "daos://copypool/nosuch", "-d", back}, "nosuch"},
		{[]string{"fs", "copy", "-s", "daos://nopool/c", "-d", back}, "nopool"},
		{[]string{"fs", "copy", "-s", src, "-d", "daos://copypool/first/tree/link"}, "not a directory"},
		{[]string{"fs", "copy", "-s", src}, "--dst"},
	} {
		out, err := daosCmd(tc.args...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("daos %v: %v, want an error naming %q:\n%s", tc.args, err, tc.want, out)
		}
	}
	if got := treeSum(t, back); len(got) != len(want) {
		t.Errorf("failed copies changed the destination: %d entries", len(got))
	}

	// A destination that fills: a pool of 192 MiB of SCM and no NVMe
	// cannot take this file; the copy fails saying so, and the file
	// already at the destination stays whole.
	createPool(ctx, t, c, "-s", "64MiB", "-P", "rd_fac:0", "tinypool")
	victim := filepath.Join(t.TempDir(), "victim")
	must(os.WriteFile(victim, []byte("the old content\n"), 0o644))
	if out, err := daosCmd("fs", "copy", "-s", victim, "-d", "daos://tinypool/small"); err != nil {
		t.Fatalf("copy into tinypool: %v\n%s", err, out)
	}
	huge := filepath.Join(t.TempDir(), "victim")
	f, err := os.Create(huge)
	must(err)
	block := make([]byte, 1<<20)
	for i := range 400 {
		block[0], block[len(block)-1] = byte(i), 1
		_, err := f.Write(block)
		must(err)
	}
	must(f.Close())
	out, err = daosCmd("fs", "copy", "-s", huge, "-d", "daos://tinypool/small")
	if err == nil || !strings.Contains(strings.ToLower(out), "space") || !strings.Contains(out, "victim") {
		t.Fatalf("copy of 400 MiB into a 192 MiB pool: %v\n%s", err, out)
	}
	os.Remove(huge)
	check := filepath.Join(t.TempDir(), "check")
	if out, err := daosCmd("fs", "copy", "-s", "daos://tinypool/small", "-d", check); err != nil {
		t.Fatalf("copy after the failed one: %v\n%s", err, out)
	}
	names, _ := os.ReadDir(check)
	b, err := os.ReadFile(filepath.Join(check, "victim"))
	if err != nil || string(b) != "the old content\n" || len(names) != 1 {
		t.Fatalf("after a copy ran out of space, victim holds %q (%v) and the container %d entries", b, err, len(names))
	}
}

// TestDFSEngineCrash writes files through DFS while one server (and its
// engine) is killed: writes that need it fail with an error instead of
// hanging, and after a restart every acknowledged file reads back whole.
func TestDFSEngineCrash(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := startCluster(ctx, t, 3, 2)
	createPool(ctx, t, c, "-s", "512MiB", "-n", "1GiB", "--nsvc", "3", "-P", "rd_fac:0", "crashpool")
	a, err := c.StartAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	cli := newClient(ctx, t, a)
	pool, err := cli.connect(ctx, "crashpool", client.RW)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.CreateContainer(ctx, "files", "POSIX", nil); err != nil {
		t.Fatal(err)
	}
	cont, err := pool.OpenContainer(ctx, "files", client.RW)
	if err != nil {
		t.Fatal(err)
	}
	if err := dfs.Format(ctx, cont, dfs.Attr{ChunkSize: 64 << 10}); err != nil {
		t.Fatal(err)
	}
	fsys, err := dfs.Mount(ctx, cont, dfs.RDWR)
	if err != nil {
		t.Fatal(err)
	}
	content := func(w, i int) []byte {
		return bytes.Repeat([]byte(fmt.Sprintf("w%d-f%d;", w, i)), 30_000) // ~200 KiB, several chunks
	}

	var mu sync.Mutex
	acked := map[string][]byte{}
	var failures []error
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-killed:
					// Keep going a little after the kill, so that some
					// writes meet the dead engine.
					if i%50 == 49 {
						return
					}
				default:
				}
				name := fmt.Sprintf("w%d-f%d", w, i)
				b := content(w, i)
				start := time.Now()
				wctx, wcancel := context.WithTimeout(ctx, 90*time.Second)
				err := func() error {
					f, err := fsys.Open(wctx, nil, name, syscall.S_IFREG|0o644, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL, 0, 0, "")
					if err != nil {
						return err
					}
					defer f.Release()
					return fsys.Write(wctx, f, [][]byte{b}, 0)
				}()
				wcancel()
				if err != nil {
					mu.Lock()
					failures = append(failures, fmt.Errorf("%s after %v: %w", name, time.Since(start).Round(time.Millisecond), err))
					mu.Unlock()
					if errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("write %s hung until its deadline", name)
					}
					return // one failure ends this writer
				}
				mu.Lock()
				acked[name] = b
				mu.Unlock()
			}
		}()
	}
	time.Sleep(time.Second)
	c.Kill(1)
	close(killed)
	wg.Wait()
	mu.Lock()
	t.Logf("%d files acknowledged, %d writes failed: %v", len(acked), len(failures), errors.Join(failures...))
	mu.Unlock()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	if len(failures) == 0 {
		t.Error("no write failed with a server down: the non-redundant class should have needed it")
	}

	if err := c.Start(1, false); err != nil {
		t.Fatal(err)
	}
	waitJoined(ctx, t, c, 3)
	// Everything acknowledged is there, whole; the engine may need a
	// moment before it serves again, so the first read retries.
	deadline := time.Now().Add(60 * time.Second)
	for name, want := range acked {
		for {
			got, err := readFile(ctx, fsys, name, len(want))
			if err == nil && bytes.Equal(got, want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s after the restart: %d bytes, %v (want %d)\n%s", name, len(got), err, len(want), c.Logs())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// And the file system takes writes again.
	f, err := fsys.Open(ctx, nil, "after", syscall.S_IFREG|0o644, syscall.O_RDWR|syscall.O_CREAT, 0, 0, "")
	if err == nil {
		err = fsys.Write(ctx, f, [][]byte{content(9, 9)}, 0)
	}
	if err != nil {
		t.Fatalf("write after the restart: %v", err)
	}
}

func readFile(ctx context.Context, fsys *dfs.FS, name string, n int) ([]byte, error) {
	f, err := fsys.Lookup(ctx, "/"+name, syscall.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Release()
	buf := make([]byte, n+1)
	got, err := fsys.Read(ctx, f, [][]byte{buf}, 0)
	return buf[:got], err
}
