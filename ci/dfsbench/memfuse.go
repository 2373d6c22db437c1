package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/daos-go/daos/ci/systest"
)

// The FUSE floor: a go-fuse filesystem that keeps everything in memory
// and does no I/O, served by its own process with dfuse's mount options
// and cache timeouts. The metadata workload on it shows what the kernel's
// FUSE round trips and go-fuse cost on this machine before any DAOS work,
// so it bounds what dfuse can reach in the same run.

// memOpenFlags are the flags dfuse's opens and creates of small files
// return, so that the kernel sends the floor the requests it sends dfuse
// (no FLUSH at close).
const memOpenFlags = fuse.FOPEN_KEEP_CACHE | fuse.FOPEN_NOFLUSH

// memDir is a directory of the floor filesystem. go-fuse's inode tree
// holds its entries; they are persistent inodes, so that the kernel
// forgetting one (memory pressure) does not remove the file with it.
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

// The kernel holds the directory's lock across a create, mkdir, unlink or
// rmdir, so the GetChild checks below do not race with each other; go-fuse
// adds the new child after Create and Mkdir and drops it after Unlink and
// Rmdir succeed.

func (d *memDir) Create(ctx context.Context, name string, _, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if d.GetChild(name) != nil {
		return nil, nil, 0, syscall.EEXIST
	}
	f := &memFile{mode: mode & 0o7777, mtime: time.Now()}
	f.attr(&out.Attr)
	d.touch()
	return d.NewPersistentInode(ctx, f, fs.StableAttr{Mode: syscall.S_IFREG}), nil, memOpenFlags, 0
}

func (d *memDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if d.GetChild(name) != nil {
		return nil, syscall.EEXIST
	}
	child := &memDir{mtime: time.Now()}
	out.Mode = syscall.S_IFDIR | mode&0o7777
	out.Nlink = 2
	d.touch()
	return d.NewPersistentInode(ctx, child, fs.StableAttr{Mode: syscall.S_IFDIR}), 0
}

func (d *memDir) Unlink(_ context.Context, name string) syscall.Errno {
	c := d.GetChild(name)
	if c == nil {
		return syscall.ENOENT
	}
	c.ForgetPersistent()
	d.touch()
	return 0
}

func (d *memDir) Rmdir(_ context.Context, name string) syscall.Errno {
	c := d.GetChild(name)
	if c == nil {
		return syscall.ENOENT
	}
	if len(c.Children()) > 0 {
		return syscall.ENOTEMPTY
	}
	c.ForgetPersistent()
	d.touch()
	return 0
}

// memFile is a file of the floor filesystem. A write moves its mtime, as
// a DFS file's does, so that the kernel's page cache decisions (it drops
// a file's pages when a GETATTR shows a new mtime) match dfuse's.
type memFile struct {
	fs.Inode
	mu    sync.Mutex
	mode  uint32
	data  []byte
	mtime time.Time
}

var (
	_ fs.NodeOpener    = (*memFile)(nil)
	_ fs.NodeReader    = (*memFile)(nil)
	_ fs.NodeWriter    = (*memFile)(nil)
	_ fs.NodeGetattrer = (*memFile)(nil)
	_ fs.NodeSetattrer = (*memFile)(nil)
)

// attr fills a with the file's attributes; call it holding f.mu or before
// the file is shared.
func (f *memFile) attr(a *fuse.Attr) {
	a.Mode = syscall.S_IFREG | f.mode
	a.Nlink = 1
	a.Size = uint64(len(f.data))
	a.SetTimes(nil, &f.mtime, &f.mtime)
}

func (f *memFile) Open(context.Context, uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, memOpenFlags, 0
}

func (f *memFile) Read(_ context.Context, _ fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if off >= int64(len(f.data)) {
		return fuse.ReadResultData(nil), 0
	}
	n := copy(dest, f.data[off:])
	return fuse.ReadResultData(dest[:n]), 0
}

func (f *memFile) Write(_ context.Context, _ fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if end := off + int64(len(data)); end > int64(len(f.data)) {
		f.data = append(f.data, make([]byte, end-int64(len(f.data)))...)
	}
	copy(f.data[off:], data)
	f.mtime = time.Now()
	return uint32(len(data)), 0
}

func (f *memFile) Getattr(_ context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attr(&out.Attr)
	return 0
}

func (f *memFile) Setattr(_ context.Context, _ fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	f.mu.Lock()
	defer f.mu.Unlock()
	if sz, ok := in.GetSize(); ok {
		if sz > uint64(len(f.data)) {
			f.data = append(f.data, make([]byte, sz-uint64(len(f.data)))...)
		}
		f.data = f.data[:sz]
		f.mtime = time.Now()
	}
	if m, ok := in.GetMode(); ok {
		f.mode = m & 0o7777
	}
	if mt, ok := in.GetMTime(); ok {
		f.mtime = mt
	}
	f.attr(&out.Attr)
	return 0
}

// memFUSEReady is what the floor's server prints once it is mounted.
const memFUSEReady = "mounted"

// serveMemFUSE mounts the floor filesystem on dir and serves it until
// SIGINT or SIGTERM unmounts it; it is the child process startMemFUSE
// runs.
func serveMemFUSE(dir string) error {
	// Before the mount, so that no signal can end the process with the
	// mount in place and nobody serving it.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
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
	go func() {
		// Each signal tries again: an unmount fails while the mount is
		// busy (a workload interrupted midway).
		for range sig {
			err := srv.Unmount()
			if err == nil {
				return
			}
			fmt.Fprintf(os.Stderr, "dfsbench: FUSE floor: unmount %s: %v\n", dir, err)
		}
	}()
	fmt.Println(memFUSEReady)
	srv.Wait()
	return nil
}

// memFUSE is the floor filesystem's process.
type memFUSE struct {
	dir    string
	cmd    *exec.Cmd
	exited chan error
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
		os.Remove(dir)
		return nil, fmt.Errorf("FUSE floor: find this binary: %w", err)
	}
	cmd := exec.Command(self, "-serve-memfuse", dir)
	cmd.Stderr = os.Stderr
	// Its own process group, so that a terminal's Ctrl-C reaches only
	// this process, which then stops the server in order; and the server
	// goes (unmounting) if this process dies without stopping it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.Remove(dir)
		return nil, fmt.Errorf("FUSE floor: %w", err)
	}
	if err := cmd.Start(); err != nil {
		os.Remove(dir)
		return nil, fmt.Errorf("FUSE floor: start %s: %w", self, err)
	}
	m := &memFUSE{dir: dir, cmd: cmd, exited: make(chan error, 1)}
	ready := make(chan error, 1)
	go func() {
		r := bufio.NewReader(out)
		line, err := r.ReadString('\n')
		switch {
		case errors.Is(err, io.EOF):
			err = errors.New("the server exited before mounting")
		case err == nil && line != memFUSEReady+"\n":
			err = fmt.Errorf("unexpected output %q", line)
		}
		ready <- err
		_, _ = io.Copy(io.Discard, r) // never let the server block on its output
		m.exited <- cmd.Wait()
	}()
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	select {
	case err = <-ready:
	case <-wait.Done():
		err = wait.Err()
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("FUSE floor: wait for the mount on %s: %w", dir, err), m.stop())
	}
	return m, nil
}

// stop unmounts the floor (SIGTERM to its server, then a lazy unmount
// and SIGKILL if it does not go), and removes the mount point once
// nothing is mounted on it.
func (m *memFUSE) stop() error {
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-m.exited:
	case <-time.After(10 * time.Second):
		_ = exec.Command("fusermount3", "-uz", m.dir).Run()
		_ = m.cmd.Process.Kill()
		err = <-m.exited
	}
	if err != nil {
		err = fmt.Errorf("FUSE floor server: %w", err)
	}
	if systest.Mounted(m.dir) {
		// The server died without unmounting.
		_ = exec.Command("fusermount3", "-uz", m.dir).Run()
	}
	if systest.Mounted(m.dir) {
		return errors.Join(err, fmt.Errorf("FUSE floor: %s is still mounted; left in place", m.dir))
	}
	if rmErr := os.Remove(m.dir); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("FUSE floor: remove the mount point: %w", rmErr))
	}
	return err
}
