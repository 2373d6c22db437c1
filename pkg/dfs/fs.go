package dfs

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// OIDAllocator reserves n consecutive object ids and returns the first;
// *client.Container is one (daos_cont_alloc_oids).
type OIDAllocator interface {
	AllocOIDs(ctx context.Context, n uint64) (uint64, error)
}

// Option changes how Format or Mount work.
type Option func(*options)

type options struct {
	alloc OIDAllocator
}

// WithOIDAllocator takes object ids from a instead of the container, for
// containers not opened through a pool service (tests, tools).
func WithOIDAllocator(a OIDAllocator) Option { return func(o *options) { o.alloc = a } }

// FS is a mounted DFS namespace (dfs_t). It is safe for concurrent use.
type FS struct {
	cont     *client.Container
	sb       *superblock
	readOnly bool
	alloc    OIDAllocator
	shape    placement.PoolShape
	sbObj    *client.Object
	root     *Obj
	// prefix is stripped from Lookup paths; SetPrefix may change it at
	// any time.
	prefix atomic.Pointer[string]

	mu      sync.Mutex // guards the oid batch
	nextOID uint64
	endOID  uint64

	// clock stamps renames' marks (time.Now; tests move it).
	clock func() time.Time
	// stopAfter stops renames across directories after that step, as a
	// crash would (tests only; 0: never).
	stopAfter moveStep
}

// Mount flags: the access mode (O_RDONLY or O_RDWR) as in open(2).
const (
	RDONLY = syscall.O_RDONLY
	RDWR   = syscall.O_RDWR
)

func sbOID() daos.ObjectID {
	oid, _ := placement.GenerateOID(daos.ObjectID{Hi: reservedHi, Lo: 0}, placement.OTMultiHashed, placement.Name2ID("S1"), 0, placement.PoolShape{})
	return oid
}

// shapeOf is the pool's shape with the container's redundancy factor, so
// that class 0 resolves as daos_obj_generate_oid would.
func shapeOf(cont *client.Container) (placement.PoolShape, error) {
	rf := 0
	if cont.Info != nil {
		if v, ok := cont.Info.Props["rd_fac"]; ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return placement.PoolShape{}, fail("mount", "rd_fac="+v, syscall.EINVAL)
			}
			rf = n
		}
	}
	return cont.Pool.Map().Shape(rf), nil
}

// checkPOSIX refuses a container whose layout type says it is not DFS's;
// containers made by hand (no Info) or without a type are allowed.
func checkPOSIX(op string, cont *client.Container) error {
	if cont == nil {
		return fail(op, "", syscall.EINVAL)
	}
	if cont.Info != nil && cont.Info.Type != "" && !strings.EqualFold(cont.Info.Type, "POSIX") {
		return &Error{Op: op, Name: cont.Info.Label, Errno: syscall.EINVAL,
			Err: errors.New("container layout type is " + cont.Info.Type + ", not POSIX")}
	}
	return nil
}

// AttrOfProps is the DFS attributes a container's properties give (by the
// daos CLI's names): its chunk_size, and its file_oclass, dir_oclass or
// oclass where set ("auto" or absent: the pool's default).
func AttrOfProps(p map[string]string) Attr {
	var a Attr
	if n, err := strconv.ParseUint(p["chunk_size"], 10, 64); err == nil {
		a.ChunkSize = n
	}
	class := func(names ...string) placement.ClassID {
		for _, n := range names {
			if v := p[n]; v != "" && v != "auto" {
				return placement.Name2ID(v)
			}
		}
		return 0
	}
	a.FileOClass = class("file_oclass", "oclass")
	a.DirOClass = class("dir_oclass", "oclass")
	return a
}

// Format writes the superblock and the empty root directory of cont
// (the DFS part of dfs_cont_create). A container already formatted is
// EEXIST.
func Format(ctx context.Context, cont *client.Container, attr Attr) error {
	if err := checkPOSIX("format", cont); err != nil {
		return err
	}
	if attr.Mode != ModeRelaxed && attr.Mode != ModeBalanced {
		return fail("format", "mode="+strconv.Itoa(int(attr.Mode)), syscall.EINVAL)
	}
	if attr.ChunkSize == 0 {
		attr.ChunkSize = DefaultChunkSize
	}
	shape, err := shapeOf(cont)
	if err != nil {
		return err
	}
	if err := attr.applyHints(shape); err != nil {
		return err
	}
	root, err := placement.GenerateOID(daos.ObjectID{Hi: reservedHi, Lo: 1}, placement.OTMultiHashed, attr.DirOClass, 0, shape)
	if err != nil {
		return wrap("format: root directory oid", "", err)
	}
	// Refuse classes this client cannot do I/O with (redundant ones,
	// which a container's rd_fac above 0 picks by default) now, rather
	// than format a namespace no mount could use.
	file, err := placement.GenerateOID(daos.ObjectID{Hi: reservedHi, Lo: 2}, placement.OTArrayByte, attr.FileOClass, 0, shape)
	if err != nil {
		return wrap("format: file oid", "", err)
	}
	for _, id := range []daos.ObjectID{root, file} {
		if _, err := cont.Object(id); err != nil {
			return wrap("format: object class", "", err)
		}
	}
	sb := superblock{Attr: attr, Version: LayoutVersion}
	t := now()
	ent := entry{Mode: syscall.S_IFDIR | 0o755, OID: root, Atime: t, Mtime: t, Ctime: t,
		UID: uint32(syscall.Geteuid()), GID: uint32(syscall.Getegid())}
	o, err := cont.Object(sbOID())
	if err != nil {
		return wrap("format: open superblock", "", err)
	}
	sbb, eb := sb.encode(), ent.encode()
	iods := []daos.IOD{
		{Name: sbAkey, Type: daos.IODSingle, Size: uint64(len(sbb))},
		{Name: entAkey, Type: daos.IODSingle, Size: uint64(len(eb))},
	}
	if _, err := o.Update(ctx, rootDkey, iods, [][]byte{sbb, eb}, daos.CondDkeyInsert); err != nil {
		return wrap("format: write superblock", "", err)
	}
	return nil
}

// Mount opens the namespace of a formatted container (dfs_mount); flags
// is RDONLY or RDWR. A container without a valid superblock is EINVAL.
func Mount(ctx context.Context, cont *client.Container, flags int, opts ...Option) (*FS, error) {
	if err := checkPOSIX("mount", cont); err != nil {
		return nil, err
	}
	if acc := flags & syscall.O_ACCMODE; acc != RDONLY && acc != RDWR {
		return nil, fail("mount", "flags="+strconv.Itoa(flags), syscall.EINVAL)
	}
	o, err := cont.Object(sbOID())
	if err != nil {
		return nil, wrap("mount: open superblock", "", err)
	}
	buf := make([]byte, sbSize+1) // one spare byte shows an oversized record
	ebuf := make([]byte, maxEntrySize)
	iods := []daos.IOD{
		{Name: sbAkey, Type: daos.IODSingle, Size: uint64(len(buf))},
		{Name: entAkey, Type: daos.IODSingle, Size: uint64(len(ebuf))},
	}
	sizes, err := o.Fetch(ctx, daos.EpochMax, rootDkey, iods, [][]byte{buf, ebuf}, 0)
	if err != nil {
		return nil, wrap("mount: read superblock", "", err)
	}
	if sizes[0] == 0 || sizes[1] == 0 {
		return nil, &Error{Op: "mount", Errno: syscall.EINVAL, Err: errors.New("no DFS superblock: the container is not formatted")}
	}
	sb, err := decodeSuperblock(buf[:sizes[0]])
	if err != nil {
		return nil, &Error{Op: "mount", Errno: syscall.EINVAL, Err: err}
	}
	ent, err := decodeEntry(ebuf[:sizes[1]])
	if err != nil {
		return nil, &Error{Op: "mount: root entry", Errno: syscall.EIO, Err: err}
	}
	return newFS(cont, sb, ent, flags, opts)
}

// newFS builds a mount from a superblock and root entry already read.
func newFS(cont *client.Container, sb *superblock, root *entry, flags int, opts []Option) (*FS, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.alloc == nil {
		o.alloc = cont
	}
	shape, err := shapeOf(cont)
	if err != nil {
		return nil, err
	}
	fs := &FS{cont: cont, sb: sb, readOnly: flags&syscall.O_ACCMODE == RDONLY, alloc: o.alloc, shape: shape, clock: time.Now}
	if fs.sbObj, err = cont.Object(sbOID()); err != nil {
		return nil, wrap("mount: open superblock", "", err)
	}
	if fs.root, err = fs.objOf(nil, "/", root, flags); err != nil {
		return nil, wrap("mount: open root", "", err)
	}
	return fs, nil
}

// Root is the root directory; it needs no Release.
func (fs *FS) Root() *Obj { return fs.root }

// Attr returns the container's defaults (dfs_query).
func (fs *FS) Attr() Attr { return fs.sb.Attr }

// ReadOnly says whether the mount refuses changes.
func (fs *FS) ReadOnly() bool { return fs.readOnly }

// Umount forgets the mount; the container stays open (it is the
// caller's).
func (fs *FS) Umount() error { return nil }

// Sync is a no-op: every change is durable when its call returns. A
// read-only mount is EPERM, as in DFS.
func (fs *FS) Sync(context.Context) error {
	if fs.readOnly {
		return fail("sync", "", syscall.EPERM)
	}
	return nil
}

func (fs *FS) writable(op, name string) error {
	if fs.readOnly {
		return fail(op, name, syscall.EPERM)
	}
	return nil
}

// newOID allocates an object id of type t and class cid, taking a new
// batch from the allocator when the current one is spent.
func (fs *FS) newOID(ctx context.Context, t placement.OType, cid placement.ClassID) (daos.ObjectID, error) {
	fs.mu.Lock()
	if fs.nextOID == fs.endOID {
		first, err := fs.alloc.AllocOIDs(ctx, oidBatch)
		if err != nil {
			fs.mu.Unlock()
			return daos.ObjectID{}, err
		}
		fs.nextOID, fs.endOID = first, first+oidBatch
	}
	lo := fs.nextOID
	fs.nextOID++
	fs.mu.Unlock()
	return placement.GenerateOID(daos.ObjectID{Lo: lo}, t, cid, 0, fs.shape)
}
