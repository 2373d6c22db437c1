package capi

import (
	"context"
	"errors"
	"syscall"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
)

// dfsMount is what a dfs_t's cookie holds.
type dfsMount struct {
	fs   *dfs.FS
	cont *container
}

// dfsObj is what a dfs_obj_t's cookie holds: the object and the mount it
// was opened through, so that an object is only used with its own mount.
type dfsObj struct {
	o *dfs.Obj
	m *dfsMount
}

// DFSErrno is the positive errno a dfs_* call returns for err: handles
// that are not (or no longer) what the call needs are EINVAL, as DFS
// answers for bad arguments; everything else as pkg/dfs maps it.
func DFSErrno(err error) int {
	if err == nil {
		return 0
	}
	var de *dfs.Error
	if !errors.As(err, &de) {
		switch daos.Code(err) {
		case daos.ErrNoHdl, daos.ErrUninit, daos.ErrInval:
			return int(syscall.EINVAL)
		}
	}
	return int(dfs.Errno(err))
}

func dfsInval(format string, args ...any) error {
	return daos.Errorf(daos.ErrInval, format, args...)
}

// DFSContCreate is dfs_cont_create(_with_label): a container of layout
// POSIX (props may add others) formatted with attr. The container is left
// open (its handle returned) when wantCoh, and also mounted read-write
// when wantMount; otherwise it is closed. A failed format destroys the
// new container, so a half-made one is not left behind under the label.
func (l *Lib) DFSContCreate(ctx context.Context, poh uint64, label string, props map[string]string,
	own Ownership, attr dfs.Attr, wantCoh, wantMount bool) (id string, coh, mh uint64, err error) {
	if wantMount && !wantCoh {
		return "", 0, 0, dfsInval("dfs container create: a mount needs the container handle")
	}
	props = cloneProps(props)
	props["layout_type"] = "POSIX"
	if id, err = l.ContCreate(ctx, poh, label, props, own); err != nil {
		return "", 0, 0, err
	}
	undo := func(err error) (string, uint64, uint64, error) {
		if coh != 0 {
			_ = l.ContClose(ctx, coh)
		}
		_ = l.ContDestroy(ctx, poh, id, true)
		return "", 0, 0, err
	}
	if coh, _, err = l.ContOpen(ctx, poh, id, ContRW, false); err != nil {
		return undo(err)
	}
	c, err := lookup[*container](l, coh, "container")
	if err != nil {
		return undo(err)
	}
	if err := dfs.Format(ctx, c.c, attr); err != nil {
		return undo(err)
	}
	if wantMount {
		if mh, err = l.DFSMount(ctx, poh, coh, dfs.RDWR); err != nil {
			return undo(err)
		}
	}
	if !wantCoh {
		err = l.ContClose(ctx, coh)
		coh = 0
	}
	return id, coh, mh, err
}

// mountCont checks that poh and coh are open pool and container
// handles; the mount uses only the container (its pool comes with it).
func (l *Lib) mountCont(poh, coh uint64) (*container, error) {
	if _, err := lookup[*pool](l, poh, "pool"); err != nil {
		return nil, err
	}
	return lookup[*container](l, coh, "container")
}

// DFSMount is dfs_mount.
func (l *Lib) DFSMount(ctx context.Context, poh, coh uint64, flags int) (uint64, error) {
	c, err := l.mountCont(poh, coh)
	if err != nil {
		return 0, err
	}
	fs, err := dfs.Mount(ctx, c.c, flags)
	if err != nil {
		return 0, err
	}
	return l.add(&dfsMount{fs: fs, cont: c})
}

// DFSUmount is dfs_umount. Objects still open through the mount stay
// usable until released, as their handles are independent of it.
func (l *Lib) DFSUmount(h uint64) error {
	m, err := remove[*dfsMount](l, h, "dfs")
	if err != nil {
		return err
	}
	return m.fs.Umount()
}

// DFS is the mount behind h.
func (l *Lib) DFS(h uint64) (*dfs.FS, error) {
	m, err := lookup[*dfsMount](l, h, "dfs")
	if err != nil {
		return nil, err
	}
	return m.fs, nil
}

// DFSObj is the mount behind h and the object behind oh, which must have
// been opened through it; oh 0 is the nil object (the root, where the
// API takes a NULL parent).
func (l *Lib) DFSObj(h, oh uint64) (*dfs.FS, *dfs.Obj, error) {
	m, err := lookup[*dfsMount](l, h, "dfs")
	if err != nil {
		return nil, nil, err
	}
	if oh == 0 {
		return m.fs, nil, nil
	}
	o, err := lookup[*dfsObj](l, oh, "dfs object")
	if err != nil {
		return nil, nil, err
	}
	if o.m.fs != m.fs {
		return nil, nil, dfsInval("dfs: the object belongs to another mount")
	}
	return m.fs, o.o, nil
}

// DFSAddObj gives o, opened through mount h, a cookie.
func (l *Lib) DFSAddObj(h uint64, o *dfs.Obj) (uint64, error) {
	m, err := lookup[*dfsMount](l, h, "dfs")
	if err != nil {
		return 0, err
	}
	return l.add(&dfsObj{o: o, m: m})
}

// DFSRelease is dfs_release.
func (l *Lib) DFSRelease(oh uint64) error {
	o, err := remove[*dfsObj](l, oh, "dfs object")
	if err != nil {
		return err
	}
	return o.o.Release()
}

// DFSGlobal2Local is dfs_global2local over the receiver's own pool and
// container handles.
func (l *Lib) DFSGlobal2Local(poh, coh uint64, flags int, blob []byte) (uint64, error) {
	c, err := l.mountCont(poh, coh)
	if err != nil {
		return 0, err
	}
	fs, err := dfs.Global2Local(c.c, flags, blob)
	if err != nil {
		return 0, err
	}
	return l.add(&dfsMount{fs: fs, cont: c})
}

// DFSReaddir is dfs_readdir on directory o of fs: up to max names after
// a, and the anchor to go on from (in daos_anchor_t's form, so long names
// are remembered as for key listings).
func (l *Lib) DFSReaddir(ctx context.Context, fs *dfs.FS, o *dfs.Obj, a Anchor, max int) ([]string, Anchor, error) {
	if a.EOF {
		return nil, a, nil
	}
	from, err := l.resume(a)
	if err != nil {
		return nil, a, err
	}
	ca := &dfs.Anchor{Group: a.Group, Key: from, OneGroup: a.OneGroup}
	names, err := fs.Readdir(ctx, o, ca, max)
	if err != nil {
		return nil, a, err
	}
	if ca.EOF {
		return names, Anchor{EOF: true}, nil
	}
	next := l.anchorAt(ca.Group, ca.Key)
	next.OneGroup = a.OneGroup
	return names, next, nil
}

// DFSDirGroups is the number of groups of a directory's object: how many
// anchors dfs_obj_anchor_split gives.
func (l *Lib) DFSDirGroups(fs *dfs.FS, o *dfs.Obj) (int, error) {
	return fs.DirGroups(o)
}
