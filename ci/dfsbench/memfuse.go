package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// The FUSE floor: an in-memory go-fuse filesystem that stores nothing
// anywhere, served by its own process with dfuse's mount options and
// cache timeouts. The metadata workload on it shows what the kernel's
// FUSE round trips and go-fuse cost on this machine before any DAOS
// work, so it bounds what dfuse can reach in the same run.

// memDir is a directory of the floor filesystem; go-fuse's inode tree
// holds its entries (lookups of names it lacks are misses).
type memDir struct {
	fs.Inode
	mu    sync.Mutex
	mtime time.Time
}

var (
	_ fs.NodeCreater   = (*memDir)(nil)
	_ fs.NodeMkdirer   = (*memDir)(nil)
	_ fs.NodeUnlinker  = (*memDir)(nil)
	_ fs.NodeRmdirer   = (*memDir)(nil)
	_ fs.NodeGetattrer = (*memDir)(nil)
)

func (d *memDir) touch() {
	d.mu.Lock()
	d.mtime = time.Now()
	d.mu.Unlock()
}

func (d *memDir) Getattr(_ context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.mu.Lock()
	defer d.mu.Unlock()
	out.Mode = syscall.S_IFDIR | 0o755
	out.Nlink = 2
	out.SetTimes(nil, &d.mtime, &d.mtime)
	return 0
}

func (d *memDir) Create(ctx context.Context, name string, _, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if d.GetChild(name) != nil {
		return nil, nil, 0, syscall.EEXIST
	}
	now := time.Now()
	f := &memFile{}
	f.Attr = fuse.Attr{Mode: syscall.S_IFREG | mode&0o7777, Nlink: 1}
	f.Attr.SetTimes(&now, &now, &now)
	out.Attr = f.Attr
	d.touch()
	return d.NewInode(ctx, f, fs.StableAttr{Mode: syscall.S_IFREG}), nil, memOpenFlags, 0
}

func (d *memDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if d.GetChild(name) != nil {
		return nil, syscall.EEXIST
	}
	child := &memDir{mtime: time.Now()}
	out.Mode = syscall.S_IFDIR | mode&0o7777
	out.Nlink = 2
	d.touch()
	return d.NewInode(ctx, child, fs.StableAttr{Mode: syscall.S_IFDIR}), 0
}

func (d *memDir) Unlink(_ context.Context, name string) syscall.Errno {
	if d.GetChild(name) == nil {
		return syscall.ENOENT
	}
	d.touch()
	return 0 // go-fuse removes the child from the tree
}

func (d *memDir) Rmdir(_ context.Context, name string) syscall.Errno {
	c := d.GetChild(name)
	if c == nil {
		return syscall.ENOENT
	}
	if len(c.Children()) > 0 {
		return syscall.ENOTEMPTY
	}
	d.touch()
	return 0
}

// memOpenFlags are the flags dfuse's opens and creates of small files
// return, so that the kernel sends the floor the requests it sends dfuse
// (no FLUSH at close).
const memOpenFlags = fuse.FOPEN_KEEP_CACHE | fuse.FOPEN_NOFLUSH

// memFile is a file of the floor filesystem.
type memFile struct{ fs.MemRegularFile }

var _ fs.NodeOpener = (*memFile)(nil)

func (f *memFile) Open(context.Context, uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, memOpenFlags, 0
}

// serveMemFUSE mounts the floor filesystem on dir and serves it until
// SIGINT or SIGTERM; it is the child process startMemFUSE runs.
func serveMemFUSE(dir string) error {
	attr, entry, neg := time.Second, time.Second, time.Second // dfuse's defaults
	opts := &fs.Options{
		AttrTimeout:     &attr,
		EntryTimeout:    &entry,
		NegativeTimeout: &neg,
		MountOptions: fuse.MountOptions{
			FsName:     "memfuse",
			Name:       "memfuse",
			Options:    []string{"default_permissions"},
			AllowOther: os.Geteuid() == 0,
			MaxWrite:   1 << 20,
		},
	}
	srv, err := fs.Mount(dir, &memDir{mtime: time.Now()}, opts)
	if err != nil {
		return fmt.Errorf("mount the FUSE floor on %s: %w", dir, err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		_ = srv.Unmount()
	}()
	fmt.Println("mounted")
	srv.Wait()
	return nil
}

// memFUSE is the floor filesystem's process.
type memFUSE struct {
	dir string
	cmd *exec.Cmd
}

// startMemFUSE runs this binary again as the floor filesystem's server
// on a new directory under parent and waits for its mount.
func startMemFUSE(ctx context.Context, parent string) (*memFUSE, error) {
	dir, err := os.MkdirTemp(parent, "memfuse-")
	if err != nil {
		return nil, fmt.Errorf("FUSE floor mount point: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("FUSE floor: find this binary: %w", err)
	}
	cmd := exec.Command(self, "-serve-memfuse", dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("FUSE floor: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("FUSE floor: start %s: %w", self, err)
	}
	m := &memFUSE{dir: dir, cmd: cmd}
	ready := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := out.Read(buf)
		if err == nil && string(buf[:n]) != "mounted\n" {
			err = fmt.Errorf("unexpected output %q", buf[:n])
		}
		ready <- err
	}()
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	select {
	case err = <-ready:
	case <-wait.Done():
		err = wait.Err()
	}
	if err != nil {
		_ = m.stop()
		return nil, fmt.Errorf("FUSE floor: wait for the mount on %s: %w", dir, err)
	}
	return m, nil
}

// stop unmounts the floor (SIGTERM to its server, then a lazy unmount
// and SIGKILL if it does not go) and removes the mount point.
func (m *memFUSE) stop() error {
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- m.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		_ = exec.Command("fusermount3", "-u", "-z", m.dir).Run()
		_ = m.cmd.Process.Kill()
		err = <-done
	}
	if rmErr := os.Remove(m.dir); rmErr != nil {
		return fmt.Errorf("FUSE floor: remove %s: %w", filepath.Clean(m.dir), rmErr)
	}
	if err != nil {
		return fmt.Errorf("FUSE floor server: %w", err)
	}
	return nil
}
