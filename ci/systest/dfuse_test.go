//go:build systest

package systest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// dfuseProc is one running dfuse.
type dfuseProc struct {
	mnt    string
	cmd    *exec.Cmd
	log    *Buffer
	exited chan struct{}
}

// startDfuse runs bin with args and waits until mnt is mounted; the
// cleanup unmounts and kills whatever the test left running.
func startDfuse(ctx context.Context, t *testing.T, bin, env, mnt string, args ...string) *dfuseProc {
	t.Helper()
	p := &dfuseProc{mnt: mnt, log: &Buffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start dfuse: %v", err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			exec.Command("fusermount3", "-uz", mnt).Run()
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	for !Mounted(mnt) {
		select {
		case <-p.exited:
			t.Fatalf("dfuse %v exited before mounting: %v\n%s", args, p.cmd.ProcessState, p.log)
		case <-ctx.Done():
			t.Fatalf("dfuse %v did not mount %s: %v\n%s", args, mnt, ctx.Err(), p.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return p
}

// wait waits for the process to end after an unmount and checks it
// ended cleanly and left no mount.
func (p *dfuseProc) wait(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("dfuse still running 30s after unmount\n%s", p.log)
	}
	if !p.cmd.ProcessState.Success() {
		t.Fatalf("dfuse ended with %v\n%s", p.cmd.ProcessState, p.log)
	}
	if Mounted(p.mnt) {
		t.Fatalf("%s still mounted after dfuse exited", p.mnt)
	}
	// The pid is reaped; signal 0 to it must fail (no process left).
	if err := syscall.Kill(p.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("dfuse pid %d still exists: %v", p.cmd.Process.Pid, err)
	}
}

// TestDfuse mounts a POSIX container with dfuse on three servers and
// checks POSIX behaviour through plain system calls, a second mount of
// the same container, and clean unmounts by fusermount3 and by SIGTERM.
func TestDfuse(t *testing.T) {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skipf("skipped: /dev/fuse is not available (%v), so nothing can be mounted", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("skipped: FUSE mounts here need root, and the test runs as uid", os.Geteuid())
	}
	if _, err := exec.LookPath("fusermount3"); err != nil {
		t.Skip("skipped: fusermount3 is not installed (Debian package fuse3)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	c := startCluster(ctx, t, 3, 2)
	bin := filepath.Join(c.Bin, "dfuse")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/daos-go/daos/cmd/dfuse").CombinedOutput(); err != nil {
		t.Fatalf("build dfuse: %v\n%s", err, out)
	}
	// rd_fac 0: the default classes would otherwise be replicated ones,
	// which this build cannot do I/O on yet.
	createPool(ctx, t, c, "-s", "512MiB", "-n", "1GiB", "-P", "rd_fac:0", "fusepool")
	a, err := c.StartAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	env := "DAOS_AGENT_DRPC_DIR=" + filepath.Dir(a.Socket)
	mk := exec.CommandContext(ctx, filepath.Join(c.Bin, "daos"), "container", "create", "fusepool", "fs", "--type", "POSIX")
	mk.Env = append(mk.Environ(), env)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("container create: %v\n%s", err, out)
	}

	mnt := filepath.Join(t.TempDir(), "mnt")
	mnt2 := filepath.Join(t.TempDir(), "mnt2")
	for _, d := range []string{mnt, mnt2} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A container that is not POSIX is refused, naming why, and nothing
	// is mounted.
	mk = exec.CommandContext(ctx, filepath.Join(c.Bin, "daos"), "container", "create", "fusepool", "plain")
	mk.Env = append(mk.Environ(), env)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("container create plain: %v\n%s", err, out)
	}
	bad := exec.CommandContext(ctx, bin, mnt, "fusepool", "plain")
	bad.Env = append(bad.Environ(), env)
	if out, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(out), "not POSIX") || Mounted(mnt) {
		t.Fatalf("dfuse on a non-POSIX container: %v, mounted %v\n%s", err, Mounted(mnt), out)
	}
	// Without --foreground dfuse returns once mounted, as DAOS's does,
	// and the detached process serves until unmounted.
	detach := exec.CommandContext(ctx, bin, "-m", mnt, "--pool", "fusepool", "--cont", "fs")
	detach.Env = append(detach.Environ(), env)
	if out, err := detach.CombinedOutput(); err != nil || !Mounted(mnt) {
		t.Fatalf("detached dfuse: %v, mounted %v\n%s", err, Mounted(mnt), out)
	}
	if err := os.WriteFile(filepath.Join(mnt, "detached"), []byte("served"), 0o644); err != nil {
		t.Fatalf("write through the detached dfuse: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "detached")); err != nil || string(b) != "served" {
		t.Fatalf("read through the detached dfuse: %q, %v", b, err)
	}
	if err := os.Remove(filepath.Join(mnt, "detached")); err != nil {
		t.Fatalf("remove through the detached dfuse: %v", err)
	}
	if out, err := exec.Command("fusermount3", "-u", mnt).CombinedOutput(); err != nil {
		t.Fatalf("unmount the detached dfuse: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := exec.Command("pgrep", "-f", "dfuse -m "+mnt+" ").Run(); err != nil {
			break // no such process left
		}
		if time.Now().After(deadline) {
			t.Fatalf("the detached dfuse did not exit after its unmount")
		}
	}
	if Mounted(mnt) {
		t.Fatalf("%s still mounted", mnt)
	}

	p1 := startDfuse(ctx, t, bin, env, mnt, "-m", mnt, "--pool", "fusepool", "--cont", "fs", "--foreground")
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\ndfuse log:\n%s", append(args, p1.log)...)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			fail("%v", err)
		}
	}
	at := func(name string) string { return filepath.Join(mnt, name) }

	// Create, write and read back a small file.
	must(os.WriteFile(at("hello.txt"), []byte("hello dfuse\n"), 0o644))
	if b, err := os.ReadFile(at("hello.txt")); err != nil || string(b) != "hello dfuse\n" {
		fail("read back hello.txt: %q, %v", b, err)
	}

	// A 5 MiB file written in pieces at odd offsets (spanning 1 MiB
	// chunks), read back whole and at odd offsets.
	const big = 5<<20 + 13
	want := make([]byte, big)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range want {
		want[i] = byte(r.Uint32())
	}
	f, err := os.OpenFile(at("big"), os.O_CREATE|os.O_RDWR, 0o600)
	must(err)
	for off := 0; off < big; {
		n := min(big-off, 1+r.IntN(700_001))
		if _, err := f.WriteAt(want[off:off+n], int64(off)); err != nil {
			fail("write big at %d: %v", off, err)
		}
		off += n
	}
	must(f.Sync())
	for _, off := range []int64{0, 1, 1<<20 - 7, 3<<20 + 12345, big - 100} {
		buf := make([]byte, 300_001)
		n, err := f.ReadAt(buf, off)
		if err != nil && !(errors.Is(err, io.EOF) && off+int64(n) == big) {
			fail("read big at %d: %d bytes, %v", off, n, err)
		}
		if !bytes.Equal(buf[:n], want[off:off+int64(n)]) {
			fail("big at %d: data differ", off)
		}
	}
	must(f.Close())
	got, err := os.ReadFile(at("big"))
	must(err)
	if !bytes.Equal(got, want) {
		fail("big read whole: %d bytes, data equal %v", len(got), bytes.Equal(got[:min(len(got), big)], want[:min(len(got), big)]))
	}
	if st, err := os.Stat(at("big")); err != nil || st.Size() != big {
		fail("stat big: %v, %v", st, err)
	}

	// Append.
	af, err := os.OpenFile(at("hello.txt"), os.O_APPEND|os.O_WRONLY, 0)
	must(err)
	_, err = af.WriteString("more\n")
	must(err)
	_, err = af.WriteString("and more\n")
	must(err)
	must(af.Close())
	if b, _ := os.ReadFile(at("hello.txt")); string(b) != "hello dfuse\nmore\nand more\n" {
		fail("after append: %q", b)
	}

	// Truncate: shorten, extend (a hole reads as zeros), and O_TRUNC.
	must(os.Truncate(at("hello.txt"), 5))
	if b, _ := os.ReadFile(at("hello.txt")); string(b) != "hello" {
		fail("after truncate to 5: %q", b)
	}
	must(os.Truncate(at("hello.txt"), 8))
	if b, _ := os.ReadFile(at("hello.txt")); string(b) != "hello\x00\x00\x00" {
		fail("after extend to 8: %q", b)
	}
	must(os.WriteFile(at("hello.txt"), []byte("new"), 0o644))
	if b, _ := os.ReadFile(at("hello.txt")); string(b) != "new" {
		fail("after O_TRUNC rewrite: %q", b)
	}

	// mkdir / rmdir, including their errors.
	must(os.Mkdir(at("d"), 0o755))
	must(os.Mkdir(at("d/sub"), 0o700))
	if err := os.Mkdir(at("d"), 0o755); !errors.Is(err, syscall.EEXIST) {
		fail("mkdir existing: %v, want EEXIST", err)
	}
	must(os.WriteFile(at("d/sub/f"), []byte("x"), 0o644))
	if err := syscall.Rmdir(at("d/sub")); !errors.Is(err, syscall.ENOTEMPTY) {
		fail("rmdir non-empty: %v, want ENOTEMPTY", err)
	}
	must(os.Remove(at("d/sub/f")))
	must(syscall.Rmdir(at("d/sub")))
	if _, err := os.Stat(at("d/sub")); !errors.Is(err, syscall.ENOENT) {
		fail("stat removed dir: %v, want ENOENT", err)
	}

	// Rename: to a new name, across directories, over an existing file;
	// the renamed file keeps its data and can still be changed.
	must(os.WriteFile(at("r1"), []byte("one"), 0o644))
	must(os.WriteFile(at("r2"), []byte("two"), 0o644))
	must(os.Rename(at("r1"), at("d/r1")))
	must(os.Rename(at("d/r1"), at("r2"))) // over an existing file
	if b, _ := os.ReadFile(at("r2")); string(b) != "one" {
		fail("after rename over r2: %q", b)
	}
	if _, err := os.Stat(at("r1")); !errors.Is(err, syscall.ENOENT) {
		fail("old name after rename: %v, want ENOENT", err)
	}
	must(os.Chmod(at("r2"), 0o600))
	must(os.Rename(at("d"), at("d2")))
	if _, err := os.Stat(at("d2")); err != nil {
		fail("renamed directory: %v", err)
	}

	must(os.WriteFile(at("d2/inner"), []byte("in"), 0o644))
	if b, err := os.ReadFile(at("d2/inner")); err != nil || string(b) != "in" {
		fail("file in renamed directory: %q, %v", b, err)
	}

	// renameat2: RENAME_EXCHANGE swaps two names (a file and a directory
	// here), RENAME_NOREPLACE refuses an existing target.
	must(os.WriteFile(at("x1"), []byte("file"), 0o644))
	must(unix.Renameat2(unix.AT_FDCWD, at("x1"), unix.AT_FDCWD, at("d2"), unix.RENAME_EXCHANGE))
	if b, err := os.ReadFile(at("d2")); err != nil || string(b) != "file" {
		fail("d2 after exchange: %q, %v", b, err)
	}
	if b, err := os.ReadFile(at("x1/inner")); err != nil || string(b) != "in" {
		fail("x1/inner after exchange: %q, %v", b, err)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, at("d2"), unix.AT_FDCWD, at("r2"), unix.RENAME_NOREPLACE); !errors.Is(err, syscall.EEXIST) {
		fail("rename with RENAME_NOREPLACE over r2: %v, want EEXIST", err)
	}
	must(unix.Renameat2(unix.AT_FDCWD, at("x1"), unix.AT_FDCWD, at("d3"), unix.RENAME_NOREPLACE))
	must(unix.Renameat2(unix.AT_FDCWD, at("d3"), unix.AT_FDCWD, at("d2"), unix.RENAME_EXCHANGE))
	must(os.Remove(at("d3")))

	// An unlinked file stays readable and writable through a descriptor
	// opened before, until it is closed.
	must(os.WriteFile(at("gone"), []byte("still here"), 0o644))
	gf, err := os.OpenFile(at("gone"), os.O_RDWR, 0)
	must(err)
	must(os.Remove(at("gone")))
	if _, err := os.Stat(at("gone")); !errors.Is(err, syscall.ENOENT) {
		fail("unlinked file: %v, want ENOENT", err)
	}
	_, err = gf.WriteAt([]byte("!"), 10)
	must(err)
	gb := make([]byte, 32)
	if n, err := gf.ReadAt(gb, 0); string(gb[:n]) != "still here!" {
		fail("read of an unlinked open file: %q, %v", gb[:n], err)
	}
	// Its descriptor can still resize it and change its mode.
	must(gf.Truncate(5))
	must(gf.Chmod(0o600))
	if fi, err := gf.Stat(); err != nil || fi.Size() != 5 || fi.Mode().Perm() != 0o600 {
		fail("fstat of an unlinked file after ftruncate and fchmod: %v, %v", fi, err)
	}
	if n, err := gf.ReadAt(gb, 0); string(gb[:n]) != "still" {
		fail("read of an unlinked file after ftruncate: %q, %v", gb[:n], err)
	}
	// A file replaced by rename while open also keeps its data for its
	// descriptors, and they change nothing of the file now under its name.
	must(os.WriteFile(at("victim"), []byte("old contents"), 0o644))
	vf, err := os.OpenFile(at("victim"), os.O_RDWR, 0)
	must(err)
	must(os.WriteFile(at("newcomer"), []byte("new"), 0o644))
	must(os.Rename(at("newcomer"), at("victim")))
	if n, err := vf.ReadAt(gb, 0); string(gb[:n]) != "old contents" {
		fail("read of a file replaced by rename while open: %q, %v", gb[:n], err)
	}
	must(vf.Chmod(0o600))
	must(vf.Truncate(3))
	must(vf.Close())
	if b, err := os.ReadFile(at("victim")); err != nil || string(b) != "new" {
		fail("the renamed file after the replaced one's descriptor changed and closed: %q, %v", b, err)
	}
	if fi, err := os.Stat(at("victim")); err != nil || fi.Mode().Perm() != 0o644 {
		fail("mode of the renamed file: %v, %v", fi, err)
	}
	// The mount says what it serves and what is open.
	query := func() (string, error) {
		q := exec.CommandContext(ctx, filepath.Join(c.Bin, "daos"), "filesystem", "query", mnt, "-j")
		out, err := q.CombinedOutput()
		return string(out), err
	}
	qout, err := query()
	if err != nil || !strings.Contains(qout, `"open_files": 1`) || !strings.Contains(qout, `"container": "`) {
		fail("daos filesystem query with a file open: %v\n%s", err, qout)
	}
	must(gf.Close())
	if qout, err = query(); err != nil || !strings.Contains(qout, `"open_files": 0`) {
		fail("daos filesystem query after the close: %v\n%s", err, qout)
	}
	uns := make([]byte, 256)
	if n, err := unix.Getxattr(mnt, "user.daos", uns); err != nil || !strings.HasPrefix(string(uns[:n]), "DAOS.POSIX://") {
		fail("user.daos of the mount's root: %q, %v", uns[:max(n, 0)], err)
	}
	if q := exec.CommandContext(ctx, filepath.Join(c.Bin, "daos"), "fs", "query", t.TempDir()); q.Run() == nil {
		fail("daos fs query of a directory outside any mount succeeded")
	}

	// An open file renamed keeps working through its descriptor, and a
	// write through it moves mtime (stamped at close).
	must(os.WriteFile(at("mv1"), []byte("abc"), 0o644))
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	must(os.Chtimes(at("mv1"), old, old))
	mf, err := os.OpenFile(at("mv1"), os.O_RDWR, 0)
	must(err)
	must(os.Rename(at("mv1"), at("mv2")))
	_, err = mf.WriteAt([]byte("XYZ"), 3)
	must(err)
	must(mf.Close())
	if b, err := os.ReadFile(at("mv2")); err != nil || string(b) != "abcXYZ" {
		fail("renamed open file: %q, %v", b, err)
	}
	if st, err := os.Stat(at("mv2")); err != nil || !st.ModTime().After(old.Add(time.Hour)) {
		fail("mtime after write: %v, %v", st.ModTime(), err)
	}

	// Concurrent writers to distinct files.
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			data := bytes.Repeat([]byte{byte('a' + w)}, 1<<20+w*4099)
			name := at(fmt.Sprintf("conc%d", w))
			if err := os.WriteFile(name, data, 0o644); err != nil {
				errs <- err
				return
			}
			b, err := os.ReadFile(name)
			if err == nil && !bytes.Equal(b, data) {
				err = fmt.Errorf("%s: read back %d bytes, differ", name, len(b))
			}
			errs <- err
		}()
	}
	for range 8 {
		must(<-errs)
	}

	// A directory of 10,000 entries (the sweep), listed whole.
	const manyEntries = 10000
	must(os.Mkdir(at("many"), 0o755))
	var names []string
	for i := range manyEntries {
		n := fmt.Sprintf("f%05d", i)
		names = append(names, n)
		fd, err := os.Create(at("many/" + n))
		must(err)
		must(fd.Close())
	}
	ents, err := os.ReadDir(at("many"))
	must(err)
	var listed []string
	for _, e := range ents {
		listed = append(listed, e.Name())
		if !e.Type().IsRegular() {
			fail("entry %s has type %v", e.Name(), e.Type())
		}
	}
	slices.Sort(listed)
	if !slices.Equal(listed, names) {
		fail("readdir of %d: got %d names", manyEntries, len(listed))
	}
	// readdir(3) also gives "." and ".." (Go's os.ReadDir drops them).
	if out, err := exec.CommandContext(ctx, "ls", "-a", at("many")).Output(); err != nil ||
		!strings.HasPrefix(string(out), ".\n..\n") || strings.Count(string(out), "\n") != manyEntries+2 {
		fail("ls -a of many: %v\n%.200s", err, out)
	}

	// Symbolic links.
	must(os.Symlink("r2", at("link")))
	if tgt, err := os.Readlink(at("link")); err != nil || tgt != "r2" {
		fail("readlink: %q, %v", tgt, err)
	}
	if b, err := os.ReadFile(at("link")); err != nil || string(b) != "one" {
		fail("read through link: %q, %v", b, err)
	}
	if st, err := os.Lstat(at("link")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		fail("lstat link: %v, %v", st, err)
	}

	// chmod and chown.
	must(os.Chmod(at("big"), 0o640))
	if st, err := os.Stat(at("big")); err != nil || st.Mode().Perm() != 0o640 {
		fail("after chmod: %v, %v", st, err)
	}
	must(os.Chown(at("big"), 1234, 5678))
	if st, err := os.Stat(at("big")); err != nil ||
		st.Sys().(*syscall.Stat_t).Uid != 1234 || st.Sys().(*syscall.Stat_t).Gid != 5678 {
		fail("after chown: %+v, %v", st.Sys(), err)
	}
	mt := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	must(os.Chtimes(at("big"), mt, mt))
	if st, err := os.Stat(at("big")); err != nil || !st.ModTime().Equal(mt) {
		fail("after chtimes: %v, %v", st.ModTime(), err)
	}

	// Extended attributes.
	must(syscall.Setxattr(at("r2"), "user.color", []byte("blue"), 0))
	must(syscall.Setxattr(at("r2"), "user.empty", nil, 0))
	buf := make([]byte, 64)
	if n, err := syscall.Getxattr(at("r2"), "user.color", buf); err != nil || string(buf[:n]) != "blue" {
		fail("getxattr: %q, %v", buf[:max(n, 0)], err)
	}
	if err := syscall.Setxattr(at("r2"), "user.color", []byte("red"), 1 /* XATTR_CREATE */); !errors.Is(err, syscall.EEXIST) {
		fail("setxattr XATTR_CREATE on existing: %v, want EEXIST", err)
	}
	n, err := syscall.Listxattr(at("r2"), buf)
	must(err)
	xs := strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00")
	slices.Sort(xs)
	if !slices.Equal(xs, []string{"user.color", "user.empty"}) {
		fail("listxattr: %q", xs)
	}
	must(syscall.Removexattr(at("r2"), "user.color"))
	if _, err := syscall.Getxattr(at("r2"), "user.color", buf); !errors.Is(err, syscall.ENODATA) {
		fail("getxattr removed: %v, want ENODATA", err)
	}

	// A sparse file past 4 GiB: size, hole and tail.
	sp, err := os.Create(at("sparse"))
	must(err)
	const far = 5<<30 + 7
	_, err = sp.WriteAt([]byte("tail"), far)
	must(err)
	hole := make([]byte, 4096)
	if n, err := sp.ReadAt(hole, 1<<32); err != nil || n != len(hole) || !bytes.Equal(hole, make([]byte, 4096)) {
		fail("sparse hole read: %d, %v", n, err)
	}
	tail := make([]byte, 8)
	if n, _ := sp.ReadAt(tail, far); n != 4 || string(tail[:4]) != "tail" {
		fail("sparse tail: %q", tail[:n])
	}
	must(sp.Close())
	if st, err := os.Stat(at("sparse")); err != nil || st.Size() != far+4 {
		fail("sparse size: %v, %v", st, err)
	}
	must(os.Remove(at("sparse")))

	// tar round trip: a tree packed from the mount and unpacked back
	// into it has the same checksums.
	src := filepath.Join(t.TempDir(), "src")
	must(os.MkdirAll(filepath.Join(src, "a/b"), 0o755))
	for i := range 20 {
		data := bytes.Repeat([]byte(fmt.Sprintf("file %d ", i)), 1+i*997)
		must(os.WriteFile(filepath.Join(src, "a", fmt.Sprintf("f%d", i)), data, 0o644))
	}
	must(os.WriteFile(filepath.Join(src, "a/b/deep"), want[:3<<20], 0o600))
	must(os.Symlink("../f1", filepath.Join(src, "a/b/ln")))
	tarball := filepath.Join(t.TempDir(), "t.tar")
	run := func(dir string, name string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			fail("%s %v in %s: %v\n%s", name, args, dir, err, out)
		}
		return string(out)
	}
	must(os.Mkdir(at("untar"), 0o755))
	run(src, "tar", "cf", tarball, "a")
	run(at("untar"), "tar", "xf", tarball)
	sums := func(dir string) string {
		return run(dir, "sh", "-c", "find a -type f | sort | xargs sha256sum; find a -type l | sort | xargs ls -l | awk '{print $1, $(NF-2), $NF}'")
	}
	if a, b := sums(src), sums(at("untar")); a != b {
		fail("tar x into the mount differs:\n%s\nvs\n%s", a, b)
	}
	back := filepath.Join(t.TempDir(), "back")
	must(os.Mkdir(back, 0o755))
	run(at("untar"), "tar", "cf", filepath.Join(back, "t.tar"), "a")
	run(back, "tar", "xf", "t.tar")
	if a, b := sums(src), sums(back); a != b {
		fail("tar c from the mount differs:\n%s\nvs\n%s", a, b)
	}

	// git clone of a local repository into the mount, and make in it.
	repo := filepath.Join(t.TempDir(), "repo")
	must(os.Mkdir(repo, 0o755))
	must(os.WriteFile(filepath.Join(repo, "Makefile"), []byte("out.txt: in.txt\n\tcp in.txt out.txt\n"), 0o644))
	must(os.WriteFile(filepath.Join(repo, "in.txt"), []byte("v1\n"), 0o644))
	git := []string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"}
	run(repo, "git", append(git, "init", "-q")...)
	run(repo, "git", append(git, "add", ".")...)
	run(repo, "git", append(git, "commit", "-qm", "init")...)
	run(mnt, "git", append(git, "clone", "-q", "--no-hardlinks", repo, "clone")...)
	run(at("clone"), "git", "fsck", "--strict")
	run(at("clone"), "make")
	if b, _ := os.ReadFile(at("clone/out.txt")); string(b) != "v1\n" {
		fail("make output: %q", b)
	}
	if out := run(at("clone"), "make"); !strings.Contains(out, "up to date") {
		fail("second make rebuilt: %s", out)
	}
	time.Sleep(1100 * time.Millisecond) // a newer mtime than out.txt's
	must(os.WriteFile(at("clone/in.txt"), []byte("v2\n"), 0o644))
	run(at("clone"), "make")
	if b, _ := os.ReadFile(at("clone/out.txt")); string(b) != "v2\n" {
		fail("make after a change: %q", b)
	}
	if out := run(at("clone"), "git", "status", "--porcelain"); !strings.Contains(out, "M in.txt") {
		fail("git status: %q", out)
	}

	// statfs reports the pool's size.
	var sfs syscall.Statfs_t
	must(syscall.Statfs(mnt, &sfs))
	if sfs.Blocks == 0 || sfs.Bfree > sfs.Blocks {
		fail("statfs: %+v", sfs)
	}

	// Unlink, and its error.
	must(os.Remove(at("link")))
	if err := os.Remove(at("link")); !errors.Is(err, syscall.ENOENT) {
		fail("remove missing: %v, want ENOENT", err)
	}

	// Unified namespace: a container created with --path in the mount is
	// linked at that directory, and the mount enters it there.
	daosCmd := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, filepath.Join(c.Bin, "daos"), args...)
		cmd.Env = append(cmd.Environ(), env)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := daosCmd("container", "create", "fusepool", "linked", "--path", at("uns")); err != nil {
		fail("container create --path in the mount: %v\n%s", err, out)
	}
	must(os.WriteFile(at("uns/inner.txt"), []byte("in the linked container"), 0o644))
	if b, err := os.ReadFile(at("uns/inner.txt")); err != nil || string(b) != "in the linked container" {
		fail("read back uns/inner.txt: %q, %v", b, err)
	}
	if n, err := unix.Getxattr(at("uns"), "user.daos", uns); err != nil || !strings.HasPrefix(string(uns[:n]), "DAOS.POSIX://") {
		fail("user.daos of the linked directory: %q, %v", uns[:max(n, 0)], err)
	}
	if out, err := daosCmd("container", "query", "--path", at("uns")); err != nil || !strings.Contains(out, "linked") {
		fail("container query --path: %v\n%s", err, out)
	}
	// The file is the linked container's, not the mounted one's.
	if out, err := daosCmd("fs", "get-attr", "fusepool", "linked", "--dfs-path", "/inner.txt"); err != nil {
		fail("inner.txt in container linked: %v\n%s", err, out)
	}
	if out, err := daosCmd("fs", "get-attr", "fusepool", "fs", "--dfs-path", "/uns/inner.txt"); err == nil {
		fail("inner.txt also in container fs:\n%s", out)
	}
	// Renames do not cross containers.
	if err := os.Rename(at("uns/inner.txt"), at("outer.txt")); !errors.Is(err, syscall.EXDEV) {
		fail("rename out of the linked container: %v, want EXDEV", err)
	}
	// A link whose container was destroyed by name shows as the plain
	// directory it is, so that it can be unlinked.
	if out, err := daosCmd("container", "create", "fusepool", "linked2", "--path", at("uns2")); err != nil {
		fail("container create --path uns2: %v\n%s", err, out)
	}
	if out, err := daosCmd("container", "destroy", "fusepool", "linked2", "--force"); err != nil {
		fail("container destroy linked2: %v\n%s", err, out)
	}
	if ents, err := os.ReadDir(at("uns2")); err != nil || len(ents) != 0 {
		fail("stale link uns2: %v, %v", ents, err)
	}
	if out, err := daosCmd("container", "unlink", "--path", at("uns2")); err != nil {
		fail("container unlink of a stale link: %v\n%s", err, out)
	}
	if _, err := os.Lstat(at("uns2")); !errors.Is(err, os.ErrNotExist) {
		fail("uns2 after unlink: %v", err)
	}

	// A second mount of the same container (DAOS's positional form,
	// uncached) sees the first's files, and its writes show in the first
	// once the entry cache expires.
	p2 := startDfuse(ctx, t, bin, env, mnt2, mnt2, "fusepool", "fs", "--disable-caching", "-f")
	if b, err := os.ReadFile(filepath.Join(mnt2, "r2")); err != nil || string(b) != "one" {
		t.Fatalf("second mount r2: %q, %v\n%s", b, err, p2.log)
	}
	got, err = os.ReadFile(filepath.Join(mnt2, "big"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("second mount big: %d bytes, %v\n%s", len(got), err, p2.log)
	}
	if ents, err := os.ReadDir(filepath.Join(mnt2, "many")); err != nil || len(ents) != manyEntries {
		t.Fatalf("second mount readdir: %d, %v\n%s", len(ents), err, p2.log)
	}
	if b, err := os.ReadFile(filepath.Join(mnt2, "uns", "inner.txt")); err != nil || string(b) != "in the linked container" {
		t.Fatalf("second mount through the link: %q, %v\n%s", b, err, p2.log)
	}
	// A change through the second mount shows in the first at once after
	// daos fs evict (without it, only when the caches time out).
	if b, err := os.ReadFile(at("r2")); err != nil || string(b) != "one" {
		fail("r2 before the second mount's change: %q, %v", b, err)
	}
	if err := os.WriteFile(filepath.Join(mnt2, "r2"), []byte("new"), 0o600); err != nil {
		t.Fatalf("second mount rewrite r2: %v\n%s", err, p2.log)
	}
	if out, err := daosCmd("fs", "evict", at("r2")); err != nil || !strings.Contains(out, "Evicted") {
		fail("daos fs evict: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(at("r2")); err != nil || string(b) != "new" {
		fail("r2 after evict: %q, %v", b, err)
	}
	if err := os.WriteFile(filepath.Join(mnt2, "from2"), []byte("2"), 0o644); err != nil {
		t.Fatalf("second mount write: %v\n%s", err, p2.log)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(at("from2"))
		if err == nil && string(b) == "2" {
			break
		}
		if time.Now().After(deadline) {
			fail("first mount does not see from2: %q, %v", b, err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A rename over a name whose file (open here) another client renamed
	// away meanwhile must leave that file alone: what the rename replaces
	// is the other client's new file. (The kernel looks a rename target
	// up again, so dfuse's view is stale only in a race; TestMoveKeepOfStaleView
	// in pkg/dfs covers that case.)
	held, err := os.Create(at("victim"))
	must(err)
	_, err = held.WriteString("kept under its new name")
	must(err)
	if err := os.Rename(filepath.Join(mnt2, "victim"), filepath.Join(mnt2, "survivor")); err != nil {
		t.Fatalf("second mount rename victim: %v\n%s", err, p2.log)
	}
	if err := os.WriteFile(filepath.Join(mnt2, "victim"), []byte("second's"), 0o644); err != nil {
		t.Fatalf("second mount new victim: %v\n%s", err, p2.log)
	}
	must(os.WriteFile(at("src"), []byte("renamed"), 0o644))
	must(os.Rename(at("src"), at("victim")))
	must(held.Close())
	if b, err := os.ReadFile(filepath.Join(mnt2, "survivor")); err != nil || string(b) != "kept under its new name" {
		fail("survivor after the first mount's rename and close: %q, %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(mnt2, "victim")); err != nil || string(b) != "renamed" {
		fail("victim after the rename: %q, %v", b, err)
	}

	// Unmount the second with fusermount3 (dfuse then exits by itself)
	// and the first by SIGTERM.
	if out, err := exec.Command("fusermount3", "-u", mnt2).CombinedOutput(); err != nil {
		t.Fatalf("fusermount3 -u: %v\n%s", err, out)
	}
	p2.wait(t)
	// destroy --path: the linked container goes (forced: the mount holds
	// it open), and so does its directory.
	if out, err := daosCmd("container", "destroy", "--force", "--path", at("uns")); err != nil {
		fail("container destroy --path: %v\n%s", err, out)
	}
	if _, err := os.Lstat(at("uns")); !errors.Is(err, os.ErrNotExist) {
		fail("linked directory after destroy --path: %v", err)
	}
	must(p1.cmd.Process.Signal(syscall.SIGTERM))
	p1.wait(t)
	t.Logf("dfuse logs:\n%s\n%s", p1.log, p2.log)
}
