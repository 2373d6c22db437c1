// Package dfuse serves a mounted DFS namespace (pkg/dfs) through FUSE
// with go-fuse's node API: each kernel inode is a node holding the
// dfs.Obj it was looked up by, and every operation goes to the container
// (DFS keeps no cache). The only caching is the kernel's, bounded by the
// entry and attribute timeouts given to Mount.
//
// Objects are named by parent directory and entry name in DFS, so a node
// whose entry is renamed gets a fresh handle under its new name; open
// files keep the handle they were opened with, which reads and writes the
// file object directly and so survives a rename.
package dfuse

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"log"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/uns"
)

// Space reports a file system's size and free bytes, for statfs.
type Space func(ctx context.Context) (total, free uint64, err error)

// Config is how a mount behaves.
type Config struct {
	// AttrTimeout and EntryTimeout bound how long the kernel trusts
	// attributes and names (and the absence of names); zero disables
	// caching, so every access asks the container.
	AttrTimeout, EntryTimeout time.Duration
	// NegativeTimeout bounds how long the kernel trusts that a name does
	// not exist.
	NegativeTimeout time.Duration
	// DirEntryTimeout, when set, is EntryTimeout for directories.
	DirEntryTimeout *time.Duration
	// DataCache says how long file data stays in the page cache between
	// opens.
	DataCache DataCache
	// SingleThreaded serves one request at a time.
	SingleThreaded bool
	// MaxBackground bounds the asynchronous requests (readahead,
	// background writes) the kernel keeps in flight; 0 is go-fuse's
	// default. Other requests each get their own goroutine anyway.
	MaxBackground int
	// Space, if set, answers statfs; otherwise a large nominal size is
	// reported so tools that check free space proceed.
	Space Space
	// Name is the mount's source as /proc/mounts shows it.
	Name string
	// Pool and Container are the UUIDs of what is mounted: the root
	// answers the extended attribute user.daos with them as DAOS's
	// unified namespace writes them (DAOS.POSIX://pool/container).
	Pool, Container string
	// OpenLinked, if set, opens the container a directory is linked to
	// (DAOS's unified namespace: a user.daos attribute naming a POSIX
	// container), which the mount then serves at that directory; without
	// it such directories are plain ones. The mount keeps what it
	// opened until it ends; the caller closes it then.
	OpenLinked func(ctx context.Context, l uns.Link) (*Linked, error)
	// Debug logs every FUSE request.
	Debug bool
	// Logger receives errors that map to EIO (nil: the standard logger).
	Logger *log.Logger
}

// DataCacheMode is how file data is cached by the kernel.
type DataCacheMode int

const (
	// DataCacheAttr keeps data between opens while attributes are cached
	// at all (AttrTimeout > 0), the default.
	DataCacheAttr DataCacheMode = iota
	// DataCacheOn keeps data between opens for as long as the kernel
	// wants.
	DataCacheOn
	// DataCacheOpenToClose caches data only while a file is open: each
	// open reads afresh.
	DataCacheOpenToClose
	// DataCacheOff bypasses the page cache (direct I/O).
	DataCacheOff
	// DataCacheFor keeps data between opens when the previous open was
	// less than DataCache.Time ago.
	DataCacheFor
)

// DataCache is the data caching policy (DAOS's dfuse-data-cache).
type DataCache struct {
	Mode DataCacheMode
	Time time.Duration // for DataCacheFor
}

// Linked is a container a linked directory leads to.
type Linked struct {
	FS              *dfs.FS
	Pool, Container string // UUIDs, for the user.daos answer
}

// fsys is what all nodes of one container share: the mount's own, or
// one a linked directory leads to.
type fsys struct {
	dfs *dfs.FS
	cfg Config // Pool and Container are this container's
	// openFlags is the access mode objects are looked up with: the
	// kernel checks each caller's access, so nodes hold the mount's.
	openFlags int
	// salt tells this container's inode numbers apart from other
	// containers' (object ids repeat across containers); 0 for the
	// mount's own.
	salt uint64
	// links remembers which of this container's directories are linked
	// elsewhere (nil value: not linked), so that a directory's attribute
	// is read once, not at every lookup.
	linksMu sync.Mutex
	links   map[daos.ObjectID]*uns.Link
	m       *mountState
}

// mountState is what all containers of one mount share.
type mountState struct {
	// inodes and openFiles count the nodes the kernel knows of and the
	// files open through the mount, for `daos filesystem query`.
	inodes, openFiles atomic.Int64
	mu                sync.Mutex
	linked            map[string]*fsys // by pool/container as linked
}

// maxLinkVerdicts bounds the remembered link verdicts per container.
const maxLinkVerdicts = 1 << 16

// node is one file, directory or symbolic link.
type node struct {
	fs.Inode
	fsys *fsys
	// top is the root of its container: the mount's root, or where a
	// linked directory leads.
	top bool

	mu  sync.Mutex
	obj *dfs.Obj
	// attr and attrAt are a directory's attributes and when they were
	// read (guarded by mu): see cachedAttr.
	attr   dfs.Stat
	attrAt time.Time
	// noCapAt is when the node was last known to have no
	// security.capability attribute (guarded by mu): see capAbsent.
	noCapAt time.Time
	// lastOpen is when the file was last opened (ns since the epoch),
	// for DataCacheFor.
	lastOpen atomic.Int64
	// opens counts the open file handles of the node; unlinked says its
	// name was removed while some were open, so the last close destroys
	// the data (POSIX keeps an unlinked file until then).
	opens    atomic.Int32
	unlinked atomic.Bool
	// detached and detachedSet are attributes set on an unlinked file
	// (guarded by mu): its entry is gone, so they live here until the
	// last close; detachedSet says which (dfs.SetMode...).
	detached    dfs.Stat
	detachedSet int
}

// Mount serves d at dir until the returned server is unmounted.
func Mount(dir string, d *dfs.FS, cfg Config) (*fuse.Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = log.Default()
	}
	f := &fsys{dfs: d, cfg: cfg, openFlags: syscall.O_RDWR}
	if d.ReadOnly() {
		f.openFlags = syscall.O_RDONLY
	}
	f.m = &mountState{linked: map[string]*fsys{}}
	root := &node{fsys: f, obj: d.Root(), top: true}
	attr, entry, neg := cfg.AttrTimeout, cfg.EntryTimeout, cfg.NegativeTimeout
	name := cfg.Name
	if name == "" {
		name = "dfuse"
	}
	opts := &fs.Options{
		AttrTimeout:     &attr,
		EntryTimeout:    &entry,
		NegativeTimeout: &neg,
		MountOptions: fuse.MountOptions{
			FsName:         name,
			Name:           "daos",
			SingleThreaded: cfg.SingleThreaded,
			Debug:          cfg.Debug,
			// The kernel enforces modes; DFS does not know the caller.
			Options: []string{"default_permissions"},
			// Root mounts are shared as DAOS's dfuse does; fusermount3
			// refuses allow_other to others unless configured.
			AllowOther:    os.Geteuid() == 0,
			MaxWrite:      1 << 20,
			MaxBackground: cfg.MaxBackground,
		},
	}
	if d.ReadOnly() {
		opts.MountOptions.Options = append(opts.MountOptions.Options, "ro")
	}
	srv, err := fs.Mount(dir, root, opts)
	if err != nil {
		return nil, &os.PathError{Op: "fuse mount", Path: dir, Err: err}
	}
	return srv, nil
}

var (
	_ fs.NodeLookuper      = (*node)(nil)
	_ fs.NodeGetattrer     = (*node)(nil)
	_ fs.NodeSetattrer     = (*node)(nil)
	_ fs.NodeOpener        = (*node)(nil)
	_ fs.NodeCreater       = (*node)(nil)
	_ fs.NodeReader        = (*node)(nil)
	_ fs.NodeWriter        = (*node)(nil)
	_ fs.NodeMkdirer       = (*node)(nil)
	_ fs.NodeRmdirer       = (*node)(nil)
	_ fs.NodeUnlinker      = (*node)(nil)
	_ fs.NodeRenamer       = (*node)(nil)
	_ fs.NodeReaddirer     = (*node)(nil)
	_ fs.NodeSymlinker     = (*node)(nil)
	_ fs.NodeReadlinker    = (*node)(nil)
	_ fs.NodeGetxattrer    = (*node)(nil)
	_ fs.NodeSetxattrer    = (*node)(nil)
	_ fs.NodeListxattrer   = (*node)(nil)
	_ fs.NodeRemovexattrer = (*node)(nil)
	_ fs.NodeFsyncer       = (*node)(nil)
	_ fs.NodeStatfser      = (*node)(nil)
	_ fs.NodeOnForgetter   = (*node)(nil)
	_ fs.FileReleaser      = (*file)(nil)
)

func (n *node) handle() *dfs.Obj {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.obj
}

// setHandle points the node at o; attributes cached from the old
// handle are forgotten.
func (n *node) setHandle(o *dfs.Obj) {
	n.mu.Lock()
	n.obj = o
	n.attrAt, n.noCapAt = time.Time{}, time.Time{}
	n.mu.Unlock()
}

// xattrCapability is the attribute the kernel reads before every write to
// a file, to drop file capabilities when one is written to.
const xattrCapability = "security.capability"

// capAbsent reports that the node was known to have no capability
// attribute less than the attribute timeout ago. FUSE does not let the
// kernel remember that a file has none, so without this every write
// system call would cost a round trip to the servers for a
// getxattr that almost always finds nothing. Setting or removing the
// attribute through this mount forgets the knowledge; changes by other
// clients show within the timeout, as attribute changes do.
func (n *node) capAbsent() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.freshLocked(n.noCapAt)
}

// freshLocked reports that something learnt at is still within the
// attribute timeout (zero: never learnt); the caller holds mu.
func (n *node) freshLocked(at time.Time) bool {
	t := n.fsys.cfg.AttrTimeout
	return t > 0 && !at.IsZero() && time.Since(at) < t
}

// xattrChanging forgets what the node knows of attr before a change to it
// through the mount.
func (n *node) xattrChanging(attr string) {
	if attr == xattrCapability {
		n.noCapability(false)
	}
}

// noCapability records that the node has no capability attribute now
// (nothing at all: true after a getxattr found none or a create).
func (n *node) noCapability(none bool) {
	n.mu.Lock()
	if none {
		n.noCapAt = time.Now()
	} else {
		n.noCapAt = time.Time{}
	}
	n.mu.Unlock()
}

// cachedAttr is a directory's attributes when they were read less than
// the attribute timeout ago. The kernel asks for a directory's
// attributes again after every create or remove in it (it invalidates
// them, expecting times to change); answering from here saves two round
// trips to the servers per create (the entry and the directory object's
// newest change, its mtime), as DAOS's dfuse does with its inode
// attributes. The times so lag by at most the attribute timeout, as the
// kernel's own cache lets them lag for other clients' changes. Files are
// not cached: their size and mtime move with every write.
func (n *node) cachedAttr() (dfs.Stat, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.freshLocked(n.attrAt) {
		return dfs.Stat{}, false
	}
	return n.attr, true
}

// rememberAttr caches st if it is a directory's (see cachedAttr).
func (n *node) rememberAttr(st *dfs.Stat) {
	if st.Mode&syscall.S_IFMT != syscall.S_IFDIR || n.fsys.cfg.AttrTimeout <= 0 {
		return
	}
	n.mu.Lock()
	n.attr, n.attrAt = *st, time.Now()
	n.mu.Unlock()
}

// forgetAttr drops cached attributes after a change that failed halfway.
func (n *node) forgetAttr() {
	n.mu.Lock()
	n.attrAt = time.Time{}
	n.mu.Unlock()
}

// errno maps a DFS error to what the kernel gets; errors that become EIO
// are logged, since the caller sees nothing of their cause.
func (f *fsys) errno(op string, err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if errors.Is(err, context.Canceled) {
		// The kernel interrupted the request (the caller got a signal,
		// such as Go's preemption SIGURG): EINTR lets it retry.
		return syscall.EINTR
	}
	no := dfs.Errno(err)
	if no == syscall.EIO || no == 0 {
		f.cfg.Logger.Printf("dfuse: %s: %v", op, err)
		no = syscall.EIO
	}
	return no
}

// settle keeps a request going when the kernel interrupts it: a change
// must either not have happened or have finished (one sent to the servers
// may have), and a lookup, getattr or read answered with EINTR fails
// system calls that programs do not retry (utimensat after an interrupted
// lookup did, in CI): Go programs get a preemption signal every few
// milliseconds, and the kernel turns each into an interrupt. Every
// operation finishes instead; an RPC without a deadline still ends
// after the RPC layer's default timeout.
func settle(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// ino derives a stable inode number from the object id, so the kernel
// and the node table agree on identity across lookups; symbolic links
// have no object and get automatic numbers.
func ino(oid daos.ObjectID) uint64 {
	if oid == (daos.ObjectID{}) {
		return 0
	}
	h := fnv.New64a()
	var b [16]byte
	for i := range 8 {
		b[i] = byte(oid.Hi >> (8 * i))
		b[8+i] = byte(oid.Lo >> (8 * i))
	}
	h.Write(b[:])
	v := h.Sum64()
	if v <= fuse.FUSE_ROOT_ID || v == ^uint64(0) {
		v += 2 // 0, the root's id and the poll inode are reserved
	}
	return v
}

// ino is the inode number of an object of this container.
func (f *fsys) ino(oid daos.ObjectID) uint64 {
	v := ino(oid)
	if v == 0 || f.salt == 0 {
		return v
	}
	v ^= f.salt
	if v <= fuse.FUSE_ROOT_ID || v == ^uint64(0) {
		v += 2
	}
	return v
}

func (f *fsys) fillAttr(a *fuse.Attr, st *dfs.Stat) {
	fillAttr(a, st)
	a.Ino = f.ino(st.OID)
}

func fillAttr(a *fuse.Attr, st *dfs.Stat) {
	a.Mode = st.Mode
	a.Size = st.Size
	a.Blocks = st.Blocks
	a.Blksize = uint32(min(st.Blksize, 1<<30))
	a.Nlink = st.Nlink
	a.Owner = fuse.Owner{Uid: st.UID, Gid: st.GID}
	a.Ino = ino(st.OID)
	a.SetTimes(&st.Atime, &st.Mtime, &st.Ctime)
}

// child makes (or finds, by inode number) the node for o and fills out.
func (n *node) child(ctx context.Context, o *dfs.Obj, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	st, err := n.fsys.dfs.Ostat(ctx, o)
	if err != nil {
		return nil, n.fsys.errno("stat "+o.Name(), err)
	}
	return n.childWith(ctx, o, st, out)
}

// childWith is child for an object whose attributes are known.
func (n *node) childWith(ctx context.Context, o *dfs.Obj, st *dfs.Stat, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	f, top := n.fsys, false
	if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		lf, lst, errno := n.fsys.linkedAt(ctx, o)
		if errno != 0 {
			return nil, errno
		}
		if lf != nil {
			// A linked directory: the node is the linked container's
			// root, served by its own file system.
			f, top, o, st = lf, true, lf.dfs.Root(), lst
		}
	}
	f.fillAttr(&out.Attr, st)
	if d := n.fsys.cfg.DirEntryTimeout; d != nil && st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		// go-fuse puts the mount's timeout in where a node left zero, so
		// "no caching" is the smallest timeout there is.
		out.SetEntryTimeout(max(*d, time.Nanosecond))
	}
	fresh := &node{fsys: f, obj: o, top: top}
	ch := n.NewInode(ctx, fresh, fs.StableAttr{Mode: st.Mode & syscall.S_IFMT, Ino: f.ino(st.OID)})
	if ch.Operations() == fresh {
		n.fsys.m.inodes.Add(1)
	}
	// An inode still known to the kernel is reused; its handle may be
	// under an old name (renamed by another client), so refresh it.
	cn := ch.Operations().(*node)
	cn.setHandle(o)
	cn.rememberAttr(st)
	return ch, 0
}

// Lookup opens name without following a final symbolic link: the
// kernel resolves links itself through Readlink.
func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	ctx = settle(ctx)
	o, err := n.fsys.dfs.LookupRel(ctx, n.handle(), name, n.fsys.openFlags|syscall.O_NOFOLLOW)
	if err != nil {
		return nil, n.fsys.errno("lookup "+name, err)
	}
	return n.child(ctx, o, out)
}

func (n *node) Getattr(ctx context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if st, ok := n.cachedAttr(); ok {
		n.fsys.fillAttr(&out.Attr, &st)
		return 0
	}
	ctx = settle(ctx)
	st, err := n.fsys.dfs.Ostat(ctx, n.handle())
	if err != nil {
		return n.fsys.errno("getattr", err)
	}
	n.overlayDetached(st)
	n.rememberAttr(st)
	n.fsys.fillAttr(&out.Attr, st)
	return 0
}

// overlayDetached applies what was set on the node after it was unlinked.
func (n *node) overlayDetached(st *dfs.Stat) {
	if !n.unlinked.Load() {
		return
	}
	n.mu.Lock()
	d, set := n.detached, n.detachedSet
	n.mu.Unlock()
	copyAttrs(st, &d, set)
	if set != 0 {
		st.Ctime = d.Ctime
	}
}

// copyAttrs copies the attributes which selects (dfs.SetMode, SetUID,
// SetGID, SetAtime, SetMtime) from src to dst; a mode only its
// permission bits.
func copyAttrs(dst, src *dfs.Stat, which int) {
	if which&dfs.SetMode != 0 {
		dst.Mode = dst.Mode&syscall.S_IFMT | src.Mode&^syscall.S_IFMT
	}
	if which&dfs.SetUID != 0 {
		dst.UID = src.UID
	}
	if which&dfs.SetGID != 0 {
		dst.GID = src.GID
	}
	if which&dfs.SetAtime != 0 {
		dst.Atime = src.Atime
	}
	if which&dfs.SetMtime != 0 {
		dst.Mtime = src.Mtime
	}
}

// setDetached is Setattr on a file unlinked while open: POSIX lets its
// descriptors still change it. The size goes to the data; the rest, whose
// home (the entry) is gone, is kept on the node for fstat until the last
// close.
func (n *node) setDetached(ctx context.Context, o *dfs.Obj, st *dfs.Stat, which int, out *fuse.AttrOut) syscall.Errno {
	if which&dfs.SetSize != 0 {
		if _, err := n.fsys.dfs.SetAttr(ctx, o, &dfs.Stat{Size: st.Size}, dfs.SetSize); err != nil {
			return n.fsys.errno("setattr size of unlinked "+o.Name(), err)
		}
	}
	if rest := which &^ dfs.SetSize; rest != 0 {
		if err := o.Writable("setattr"); err != nil {
			return n.fsys.errno("setattr of unlinked "+o.Name(), err)
		}
		n.mu.Lock()
		d := &n.detached
		copyAttrs(d, st, rest)
		d.Ctime = time.Now()
		n.detachedSet |= rest
		n.mu.Unlock()
	}
	res, err := n.fsys.dfs.Ostat(ctx, o)
	if err != nil {
		return n.fsys.errno("setattr: stat unlinked "+o.Name(), err)
	}
	n.overlayDetached(res)
	n.fsys.fillAttr(&out.Attr, res)
	return 0
}

// Setattr applies chmod, chown, truncate and utimens in one DFS call.
func (n *node) Setattr(ctx context.Context, fh fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	ctx = settle(ctx)
	var st dfs.Stat
	which := 0
	if m, ok := in.GetMode(); ok {
		st.Mode, which = m, which|dfs.SetMode
	}
	if u, ok := in.GetUID(); ok {
		st.UID, which = u, which|dfs.SetUID
	}
	if g, ok := in.GetGID(); ok {
		st.GID, which = g, which|dfs.SetGID
	}
	if sz, ok := in.GetSize(); ok {
		st.Size, which = sz, which|dfs.SetSize
	}
	if t, ok := in.GetATime(); ok {
		st.Atime, which = t, which|dfs.SetAtime
	}
	if t, ok := in.GetMTime(); ok {
		st.Mtime, which = t, which|dfs.SetMtime
	}
	o := n.handle()
	if which == 0 {
		return n.Getattr(ctx, fh, out)
	}
	if n.unlinked.Load() {
		return n.setDetached(ctx, o, &st, which, out)
	}
	res, err := n.fsys.dfs.SetAttr(ctx, o, &st, which)
	if err != nil {
		n.forgetAttr()
		return n.fsys.errno("setattr "+o.Name(), err)
	}
	n.rememberAttr(res)
	n.fsys.fillAttr(&out.Attr, res)
	return 0
}

// opened counts a new open handle of the node.
func (n *node) opened(o *dfs.Obj) *file {
	n.opens.Add(1)
	n.fsys.m.openFiles.Add(1)
	return &file{obj: o, node: n}
}

// Release ends an open handle; the last one of a file unlinked while
// open destroys its data.
func (f *file) Release(ctx context.Context) syscall.Errno {
	ctx = settle(ctx)
	f.node.fsys.m.openFiles.Add(-1)
	if f.node.opens.Add(-1) > 0 || !f.obj.IsFile() || !f.node.unlinked.CompareAndSwap(true, false) {
		return 0
	}
	return f.node.fsys.errno("release: destroy unlinked "+f.obj.Name(), f.node.fsys.dfs.Destroy(ctx, f.obj))
}

// OnForget: the kernel dropped the node.
func (n *node) OnForget() { n.fsys.m.inodes.Add(-1) }

// file is an open file: the handle it was opened by, kept for I/O even
// if the name moves.
type file struct {
	obj  *dfs.Obj
	node *node
}

// Open hands out the node's handle: access modes are checked by the
// kernel and DFS objects hold no per-open state. O_APPEND needs nothing
// here: the kernel turns appends into writes at the size it knows.
func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	ctx = settle(ctx)
	o := n.handle()
	if flags&syscall.O_TRUNC != 0 && o.IsFile() {
		if err := n.fsys.dfs.Truncate(ctx, o, 0); err != nil {
			return nil, 0, n.fsys.errno("open O_TRUNC "+o.Name(), err)
		}
	}
	return n.opened(o), n.openReply(), 0
}

// openReply is what an open answers the kernel: the cache flags, and no
// FLUSH at close (FOPEN_NOFLUSH): writes are synchronous, so a close has
// nothing to push, and skipping it saves a round trip per close.
func (n *node) openReply() uint32 { return n.cacheFlags() | fuse.FOPEN_NOFLUSH }

// cacheFlags tells the kernel what to do with the file's cached pages
// at this open: keep them, drop them (no flag), or not use the cache.
func (n *node) cacheFlags() uint32 {
	dc := n.fsys.cfg.DataCache
	now := time.Now().UnixNano()
	last := n.lastOpen.Swap(now)
	switch dc.Mode {
	case DataCacheOn:
		return fuse.FOPEN_KEEP_CACHE
	case DataCacheOff:
		return fuse.FOPEN_DIRECT_IO
	case DataCacheFor:
		if last != 0 && time.Duration(now-last) < dc.Time {
			return fuse.FOPEN_KEEP_CACHE
		}
		return 0
	case DataCacheAttr:
		if n.fsys.cfg.AttrTimeout > 0 {
			return fuse.FOPEN_KEEP_CACHE
		}
	}
	return 0
}

// owned sets a new object's owner to the caller's, as DFS records the
// process's (root's, for a shared mount).
func (n *node) owned(ctx context.Context, o *dfs.Obj) (*dfs.Stat, error) {
	c, ok := fuse.FromContext(ctx)
	if !ok || (c.Uid == uint32(os.Geteuid()) && c.Gid == uint32(os.Getegid())) {
		return nil, nil
	}
	return n.fsys.dfs.SetAttr(ctx, o, &dfs.Stat{UID: c.Uid, GID: c.Gid}, dfs.SetUID|dfs.SetGID)
}

// made answers a create, mkdir or symlink with the new object's node:
// owned by the caller, with the attributes the create wrote (no stat
// round trips for what was just made).
func (n *node) made(ctx context.Context, o *dfs.Obj, what string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	st, err := n.owned(ctx, o)
	if err != nil {
		return nil, n.fsys.errno(what+": set owner of "+o.Name(), err)
	}
	if st == nil {
		var ok bool
		if st, ok = n.fsys.dfs.CreatedStat(o); !ok {
			// O_CREAT without O_EXCL opened an existing file.
			return n.child(ctx, o, out)
		}
	}
	// Just made: no extended attributes yet, so no link either.
	n.fsys.rememberLink(o.OID(), nil)
	ch, no := n.childWith(ctx, o, st, out)
	if no == 0 {
		// Just made: no extended attributes yet.
		ch.Operations().(*node).noCapability(true)
	}
	return ch, no
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	ctx = settle(ctx)
	fl := n.fsys.openFlags | syscall.O_CREAT | int(flags)&(syscall.O_EXCL|syscall.O_TRUNC)
	o, err := n.fsys.dfs.Open(ctx, n.handle(), name, syscall.S_IFREG|mode&^syscall.S_IFMT, fl, 0, 0, "")
	if err != nil {
		return nil, nil, 0, n.fsys.errno("create "+name, err)
	}
	ch, no := n.made(ctx, o, "create", out)
	if no != 0 {
		return nil, nil, 0, no
	}
	c := ch.Operations().(*node)
	return ch, c.opened(o), c.openReply(), 0
}

// fileOf is the handle to do I/O with: the open file's, or the node's
// for the rare requests that come without one.
func (n *node) fileOf(fh fs.FileHandle) *dfs.Obj {
	if f, ok := fh.(*file); ok {
		return f.obj
	}
	return n.handle()
}

func (n *node) Read(ctx context.Context, fh fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	ctx = settle(ctx)
	o := n.fileOf(fh)
	got, err := n.fsys.dfs.Read(ctx, o, [][]byte{dest}, uint64(off))
	if err != nil {
		return nil, n.fsys.errno("read "+o.Name(), err)
	}
	return fuse.ReadResultData(dest[:got]), 0
}

func (n *node) Write(ctx context.Context, fh fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	ctx = settle(ctx)
	o := n.fileOf(fh)
	if err := n.fsys.dfs.Write(ctx, o, [][]byte{data}, uint64(off)); err != nil {
		return 0, n.fsys.errno("write "+o.Name(), err)
	}
	return uint32(len(data)), 0
}

// Fsync has no data to push: every DFS write is durable when it
// returns. Sync still asks DFS, for whatever it may hold one day.
func (n *node) Fsync(ctx context.Context, _ fs.FileHandle, _ uint32) syscall.Errno {
	ctx = settle(ctx)
	return n.fsys.errno("fsync", n.fsys.dfs.Sync(ctx))
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	ctx = settle(ctx)
	o, err := n.fsys.dfs.Open(ctx, n.handle(), name, syscall.S_IFDIR|mode&^syscall.S_IFMT,
		n.fsys.openFlags|syscall.O_CREAT|syscall.O_EXCL, 0, 0, "")
	if err != nil {
		return nil, n.fsys.errno("mkdir "+name, err)
	}
	return n.made(ctx, o, "mkdir", out)
}

func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	ctx = settle(ctx)
	o, err := n.fsys.dfs.Open(ctx, n.handle(), name, syscall.S_IFLNK|0o777,
		n.fsys.openFlags|syscall.O_CREAT|syscall.O_EXCL, 0, 0, target)
	if err != nil {
		return nil, n.fsys.errno("symlink "+name, err)
	}
	return n.made(ctx, o, "symlink", out)
}

func (n *node) Readlink(context.Context) ([]byte, syscall.Errno) {
	o := n.handle()
	if !o.IsSymlink() {
		return nil, syscall.EINVAL
	}
	return []byte(o.SymlinkTarget()), 0
}

// Unlink and Rmdir share DFS's remove; the kernel has already checked
// the entry's type against the call.
// Unlink removes name; a file still open through this mount keeps its
// data until its last close (other clients' opens are not known here).
func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	ctx = settle(ctx)
	if ch := n.GetChild(name); ch != nil {
		if c := ch.Operations().(*node); c.opens.Load() > 0 {
			// Marked only once the name is gone, and only if the name
			// was still this file's (see Rename).
			removed, err := n.fsys.dfs.RemoveKeep(ctx, n.handle(), name, c.handle().OID())
			if err != nil || removed != c.handle().OID() {
				return n.fsys.errno("unlink "+name, err)
			}
			c.unlinked.Store(true)
			// Closed meanwhile: nobody is left to destroy it.
			if c.opens.Load() == 0 && c.unlinked.CompareAndSwap(true, false) {
				return n.fsys.errno("unlink: destroy "+name, n.fsys.dfs.Destroy(ctx, c.handle()))
			}
			return 0
		}
	}
	_, err := n.fsys.dfs.Remove(ctx, n.handle(), name, false)
	return n.fsys.errno("unlink "+name, err)
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	ctx = settle(ctx)
	_, err := n.fsys.dfs.Remove(ctx, n.handle(), name, false)
	return n.fsys.errno("rmdir "+name, err)
}

// renameNoReplace and renameExchange are renameat2's flags.
const (
	renameNoReplace = 1
	renameExchange  = 2
)

func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	ctx = settle(ctx)
	np, ok := newParent.(*node)
	if !ok || np.fsys != n.fsys {
		return syscall.EXDEV // another container: a copy, not a rename
	}
	if flags&^(renameNoReplace|renameExchange) != 0 || flags == renameNoReplace|renameExchange {
		return syscall.EINVAL // RENAME_WHITEOUT is for overlay file systems
	}
	dst := np.handle()
	// The moved nodes' handles name the old entries: after the change
	// they are reopened under the new ones, so later setattr and xattr
	// calls find them.
	moved := n.GetChild(name)
	var err error
	switch {
	case flags&renameExchange != 0:
		swapped := np.GetChild(newName)
		if err = n.fsys.dfs.Exchange(ctx, n.handle(), name, dst, newName); err != nil {
			return n.fsys.errno("exchange "+name+" and "+newName, err)
		}
		if errno := n.reopen(ctx, swapped, n.handle(), name); errno != 0 {
			return errno
		}
	case flags&renameNoReplace != 0:
		err = n.fsys.dfs.MoveNoReplace(ctx, n.handle(), name, dst, newName)
	default:
		var victim *node
		if ch := np.GetChild(newName); ch != nil && ch != moved {
			if c := ch.Operations().(*node); c.opens.Load() > 0 && c.handle().IsFile() {
				victim = c
			}
		}
		if victim == nil {
			_, err = n.fsys.dfs.Move(ctx, n.handle(), name, dst, newName)
			break
		}
		// The file replaced is open: like an unlinked one, it keeps
		// its data until the last close. Marked only once replaced, so
		// that a close meanwhile cannot destroy a file still named; and
		// only if it is what was replaced: another client may have
		// changed newName since it was looked up, and then the open
		// file lives on under another name (or is gone already).
		var replaced daos.ObjectID
		if replaced, err = n.fsys.dfs.MoveKeep(ctx, n.handle(), name, dst, newName, victim.handle().OID()); err != nil || replaced != victim.handle().OID() {
			break
		}
		victim.unlinked.Store(true)
		if victim.opens.Load() == 0 && victim.unlinked.CompareAndSwap(true, false) {
			// Closed meanwhile: nobody is left to destroy it.
			if errno := n.fsys.errno("rename: destroy replaced "+newName, n.fsys.dfs.Destroy(ctx, victim.handle())); errno != 0 {
				return errno
			}
		}
	}
	if err != nil {
		return n.fsys.errno("rename "+name+" to "+newName, err)
	}
	return n.reopen(ctx, moved, dst, newName)
}

// reopen points a known child node at the entry name of dir, where a
// rename put its object.
func (n *node) reopen(ctx context.Context, ch *fs.Inode, dir *dfs.Obj, name string) syscall.Errno {
	if ch == nil {
		return 0
	}
	o, err := n.fsys.dfs.LookupRel(ctx, dir, name, n.fsys.openFlags|syscall.O_NOFOLLOW)
	if err != nil {
		return n.fsys.errno("rename: reopen "+name, err)
	}
	ch.Operations().(*node).setHandle(o)
	return 0
}

// readdirBatch is how many entries one DFS listing returns.
const readdirBatch = 512

// Readdir lists the whole directory at open; go-fuse pages it out to
// the kernel.
func (n *node) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	ctx = settle(ctx)
	var anchor dfs.Anchor
	// "." and "..", which go-fuse leaves to the file system and readdir(3)
	// callers (ls -a) expect first.
	self := n.StableAttr().Ino
	parentIno := self
	if _, p := n.Parent(); p != nil {
		parentIno = p.StableAttr().Ino
	}
	list := []fuse.DirEntry{{Name: ".", Mode: syscall.S_IFDIR, Ino: self}, {Name: "..", Mode: syscall.S_IFDIR, Ino: parentIno}}
	d := n.handle()
	for !anchor.EOF {
		ents, err := n.fsys.dfs.ReaddirEntries(ctx, d, &anchor, readdirBatch)
		if err != nil {
			return nil, n.fsys.errno("readdir "+d.Name(), err)
		}
		for _, e := range ents {
			list = append(list, fuse.DirEntry{Name: e.Name, Mode: e.Mode, Ino: n.fsys.ino(e.OID)})
		}
	}
	return fs.NewListDirStream(list), 0
}

// Extended attributes the mount answers itself, not stored in DFS: the
// root's user.daos (DAOS's unified namespace entry for what is mounted)
// and, on any node, the mount's state for `daos filesystem query`.
const (
	UNSXattr   = "user.daos"
	QueryXattr = "user.daos.dfuse.query"
	// EvictXattr, set (to anything) on a path, drops what the mount and
	// the kernel cache of it (`daos filesystem evict`); it is never
	// stored.
	EvictXattr = "user.daos.dfuse.evict"
)

// evict forgets what is cached of the node: its attributes and the
// absence of a capability attribute here, its data pages and its name in
// the kernel, so that the next access asks the container.
func (n *node) evict() {
	n.forgetAttr()
	n.mu.Lock()
	n.noCapAt = time.Time{}
	n.mu.Unlock()
	if o := n.handle(); o != nil {
		// A link made by another client shows at the next lookup.
		n.fsys.linksMu.Lock()
		delete(n.fsys.links, o.OID())
		n.fsys.linksMu.Unlock()
	}
	// The pages need only the inode's page locks, which the request
	// being served does not hold: done now, so the caller's next read
	// sees the container.
	_ = n.NotifyContent(0, 0)
	n.dropName()
}

// Query is the value of QueryXattr.
type Query struct {
	Pool      string `json:"pool"`
	Container string `json:"container"`
	Inodes    int64  `json:"inodes"`
	OpenFiles int64  `json:"open_files"`
}

// mountXattr is the value of one of the mount's own attributes, if attr
// is one.
func (n *node) mountXattr(attr string) ([]byte, bool) {
	switch {
	case attr == UNSXattr && n.top && n.fsys.cfg.Pool != "":
		return []byte("DAOS.POSIX://" + n.fsys.cfg.Pool + "/" + n.fsys.cfg.Container), true
	case attr == QueryXattr:
		b, _ := json.Marshal(Query{Pool: n.fsys.cfg.Pool, Container: n.fsys.cfg.Container,
			Inodes: n.fsys.m.inodes.Load() + 1, OpenFiles: n.fsys.m.openFiles.Load()})
		return b, true
	}
	return nil, false
}

// Getxattr with an empty dest asks for the size.
func (n *node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	ctx = settle(ctx)
	capability := attr == xattrCapability
	if capability && n.capAbsent() {
		return 0, syscall.ENODATA
	}
	v, own := n.mountXattr(attr)
	if !own {
		var err error
		if v, err = n.fsys.dfs.Getxattr(ctx, n.handle(), attr); err != nil {
			no := n.fsys.errno("getxattr "+attr, err)
			if capability && no == syscall.ENODATA {
				n.noCapability(true)
			}
			return 0, no
		}
	}
	if len(dest) < len(v) {
		return uint32(len(v)), syscall.ERANGE
	}
	return uint32(copy(dest, v)), 0
}

func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	ctx = settle(ctx)
	if attr == EvictXattr {
		n.evict()
		return 0
	}
	if _, own := n.mountXattr(attr); own {
		return syscall.EPERM
	}
	if attr == UNSXattr {
		if _, err := uns.Parse(string(data)); err != nil {
			return syscall.EINVAL
		}
	}
	n.xattrChanging(attr)
	err := n.fsys.dfs.Setxattr(ctx, n.handle(), attr, data, int(flags)&(dfs.XattrCreate|dfs.XattrReplace))
	if attr == UNSXattr {
		n.linkChanged()
	}
	return n.fsys.errno("setxattr "+attr, err)
}

// Listxattr returns the names NUL-terminated, as listxattr(2) does.
func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	ctx = settle(ctx)
	names, err := n.fsys.dfs.Listxattr(ctx, n.handle())
	if err != nil {
		return 0, n.fsys.errno("listxattr", err)
	}
	var b strings.Builder
	for _, nm := range names {
		b.WriteString(nm)
		b.WriteByte(0)
	}
	if len(dest) < b.Len() {
		return uint32(b.Len()), syscall.ERANGE
	}
	return uint32(copy(dest, b.String())), 0
}

func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	ctx = settle(ctx)
	if _, own := n.mountXattr(attr); own {
		return syscall.EPERM
	}
	n.xattrChanging(attr)
	err := n.fsys.dfs.Removexattr(ctx, n.handle(), attr)
	if attr == UNSXattr {
		n.linkChanged()
	}
	return n.fsys.errno("removexattr "+attr, err)
}

// statfs units: 4 KiB blocks; DFS has no inode limit, so a large count.
const (
	statfsBlock = 4096
	statfsFiles = 1 << 40
	nominalSize = 1 << 50 // reported when the pool's space is unknown
)

func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	ctx = settle(ctx)
	total, free := uint64(nominalSize), uint64(nominalSize)
	if sp := n.fsys.cfg.Space; sp != nil {
		t, f, err := sp(ctx)
		if err != nil {
			return n.fsys.errno("statfs: pool space", err)
		}
		total, free = t, f
	}
	out.Bsize, out.Frsize, out.NameLen = statfsBlock, statfsBlock, dfs.MaxName
	out.Blocks, out.Bfree, out.Bavail = total/statfsBlock, free/statfsBlock, free/statfsBlock
	out.Files, out.Ffree = statfsFiles, statfsFiles
	return 0
}
