package dfuse

import (
	"context"
	"errors"
	"hash/fnv"
	"syscall"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/uns"
)

// Linked directories (DAOS's unified namespace). A directory whose
// user.daos attribute names a POSIX container is, in the mount, that
// container's root: lookups below it, reads and writes go to the linked
// container, as DAOS's dfuse does. The attribute is read once per
// directory (the verdict is remembered, and forgotten when it is set or
// removed through the mount); each linked container is opened once per
// mount.

// linkedAt returns, when directory o of f is linked to a container the
// mount can open, that container's file system and its root's attributes.
func (f *fsys) linkedAt(ctx context.Context, o *dfs.Obj) (*fsys, *dfs.Stat, syscall.Errno) {
	if f.cfg.OpenLinked == nil {
		return nil, nil, 0
	}
	oid := o.OID()
	f.linksMu.Lock()
	l, known := f.links[oid]
	f.linksMu.Unlock()
	if !known {
		v, err := f.dfs.Getxattr(ctx, o, uns.XattrName)
		switch {
		case errors.Is(err, syscall.ENODATA):
		case err != nil:
			return nil, nil, f.errno("lookup: read "+uns.XattrName+" of "+o.Name(), err)
		default:
			p, perr := uns.Parse(string(v))
			if perr != nil {
				// Not a link DAOS would follow either: a plain directory.
				f.cfg.Logger.Printf("dfuse: directory %s: %v", o.Name(), perr)
				break
			}
			l = &p
		}
		f.rememberLink(oid, l)
	}
	if l == nil {
		return nil, nil, 0
	}
	lf, err := f.m.open(ctx, f, *l)
	if errors.Is(err, daos.ErrNonexist) {
		// The linked container (or its pool) is gone: the directory is
		// shown as what it is in this container, so that the stale link
		// can be removed (rmdir, daos container unlink).
		f.cfg.Logger.Printf("dfuse: directory %s links to %s, which does not exist: shown as a plain directory", o.Name(), l)
		f.rememberLink(oid, nil) // until the link changes through the mount, or an evict
		return nil, nil, 0
	}
	if err != nil {
		return nil, nil, f.errno("enter "+o.Name()+", linked to "+l.String(), err)
	}
	st, err := lf.dfs.Ostat(ctx, lf.dfs.Root())
	if err != nil {
		return nil, nil, lf.errno("stat the root of "+l.String(), err)
	}
	return lf, st, 0
}

// rememberLink records whether directory oid is linked (l nil: not).
func (f *fsys) rememberLink(oid daos.ObjectID, l *uns.Link) {
	if f.cfg.OpenLinked == nil {
		return
	}
	f.linksMu.Lock()
	defer f.linksMu.Unlock()
	if f.links == nil || len(f.links) >= maxLinkVerdicts {
		f.links = map[daos.ObjectID]*uns.Link{}
	}
	f.links[oid] = l
}

// open returns the file system of the container l names, opening it on
// first use.
func (m *mountState) open(ctx context.Context, from *fsys, l uns.Link) (*fsys, error) {
	if l.Type != "POSIX" {
		return nil, &dfs.Error{Op: "open linked container", Name: l.String(), Errno: syscall.ENOTSUP,
			Err: daos.Errorf(daos.ErrNotsupported, "dfuse serves POSIX containers only")}
	}
	key := l.Pool + "/" + l.Cont
	// Held across the open: entering a link is rare, and two lookups of
	// one link must not open its container twice.
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.linked[key]; f != nil {
		return f, nil
	}
	ln, err := from.cfg.OpenLinked(ctx, l)
	if err != nil {
		return nil, err
	}
	// The same container linked under another spelling (a label here, a
	// UUID there) is one file system.
	byUUID := ln.Pool + "/" + ln.Container
	if f := m.linked[byUUID]; f != nil {
		m.linked[key] = f
		return f, nil
	}
	cfg := from.cfg
	cfg.Pool, cfg.Container = ln.Pool, ln.Container
	if ln.Pool != from.cfg.Pool {
		cfg.Space = nil // the mount's pool is not this one
	}
	f := &fsys{dfs: ln.FS, cfg: cfg, openFlags: syscall.O_RDWR, salt: salt(ln.Container), m: m}
	if ln.FS.ReadOnly() {
		f.openFlags = syscall.O_RDONLY
	}
	m.linked[key], m.linked[byUUID] = f, f
	return f, nil
}

// salt is a container's inode-number salt: never 0 (the mount's own).
func salt(cont string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(cont))
	return h.Sum64() | 1
}

// linkChanged forgets whether n's directory is linked and has the kernel
// look its name up again, so that a new (or removed) link takes effect.
func (n *node) linkChanged() {
	o := n.handle()
	if o == nil {
		return
	}
	n.fsys.linksMu.Lock()
	delete(n.fsys.links, o.OID())
	n.fsys.linksMu.Unlock()
	n.dropName()
}

// dropName has the kernel forget the node's name, after the request being
// served: the kernel locks the parent directory to do it, and a rename or
// unlink there may hold that lock while it waits for this node's lock,
// which the request being served (setxattr) holds.
func (n *node) dropName() {
	name, parent := n.Parent()
	if parent == nil {
		return
	}
	go func() { _ = parent.NotifyEntry(name) }()
}
