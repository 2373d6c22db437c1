package dfs

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// The namespace checker (dfs_cont_check, `daos fs check`): objects of the
// container that no entry of the namespace reaches are leaked (a client
// that died between removing an entry and punching its object leaves
// one). Check finds them and, as asked, removes them or links them into
// /lost+found/<name> so that their data can be looked at.
//
// The objects are listed first, then the namespace is walked, so an
// object created meanwhile is not taken for a leak; an entry renamed from
// a directory not yet walked into one already walked during the check
// would be, so removing and relinking are for a container nobody else is
// using (DAOS's tool evicts the other handles first).

// CheckOptions say what Check does with the leaked objects it finds.
type CheckOptions struct {
	// Remove punches leaked objects.
	Remove bool
	// Relink links leaked objects into /lost+found/<Name> (files for
	// byte arrays, directories for the rest), named by object id.
	Relink bool
	// Name is the lost+found subdirectory (default: the check's time).
	Name string
}

// CheckReport is what Check found and did.
type CheckReport struct {
	Objects   int             // objects in the container
	Reachable int             // of those, reached from the root
	Dirs      int             // directories walked, the root included
	Entries   int             // entries read
	Leaked    []daos.ObjectID // objects no entry reaches
	Removed   int
	Relinked  int
	RelinkDir string // where they were linked, if anywhere
}

// maxCheckDepth bounds the walk (as the scan's does).
const maxCheckDepth = 4096

// Check walks the namespace from the root and compares what it reaches
// with the container's objects; see CheckOptions for what it does with
// the difference.
func (fs *FS) Check(ctx context.Context, opts CheckOptions) (*CheckReport, error) {
	if opts.Remove && opts.Relink {
		return nil, fail("check", "", syscall.EINVAL)
	}
	if (opts.Remove || opts.Relink) && fs.readOnly {
		return nil, fail("check", "", syscall.EROFS)
	}
	all, err := fs.cont.ListObjects(ctx, 0)
	if err != nil {
		return nil, wrap("check: list objects", "", err)
	}
	rep := &CheckReport{Objects: len(all)}
	reached := map[daos.ObjectID]bool{sbOID(): true, fs.root.OID(): true}
	if err := fs.checkWalk(ctx, fs.root, 0, reached, rep); err != nil {
		return nil, err
	}
	for _, oid := range all {
		if reached[oid] {
			rep.Reachable++
		} else {
			rep.Leaked = append(rep.Leaked, oid)
		}
	}
	switch {
	case opts.Remove:
		for _, oid := range rep.Leaked {
			o, err := fs.cont.OpenObject(oid, client.OORW)
			if err == nil {
				err = o.Punch(ctx)
			}
			if err != nil {
				return rep, wrap(fmt.Sprintf("check: remove leaked object %s", oid), "", err)
			}
			rep.Removed++
		}
	case opts.Relink && len(rep.Leaked) > 0:
		if err := fs.relink(ctx, opts.Name, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// checkWalk marks what dir reaches, recursively.
func (fs *FS) checkWalk(ctx context.Context, dir *Obj, depth int, reached map[daos.ObjectID]bool, rep *CheckReport) error {
	if depth > maxCheckDepth {
		return fail("check", dir.Name(), syscall.ELOOP)
	}
	rep.Dirs++
	var anchor Anchor
	for !anchor.EOF {
		ents, err := fs.ReaddirEntries(ctx, dir, &anchor, 512)
		if err != nil {
			return wrap("check: read directory", dir.Name(), err)
		}
		for _, e := range ents {
			rep.Entries++
			if e.OID != (daos.ObjectID{}) {
				reached[e.OID] = true
			}
			if e.Mode&syscall.S_IFMT != syscall.S_IFDIR {
				continue
			}
			sub, err := fs.LookupRel(ctx, dir, e.Name, syscall.O_RDONLY|syscall.O_NOFOLLOW)
			if errors.Is(err, syscall.ENOENT) {
				continue // removed since the listing
			}
			if err != nil {
				return wrap("check: open directory", e.Name, err)
			}
			err = fs.checkWalk(ctx, sub, depth+1, reached, rep)
			_ = sub.Release()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// lostFound is where relinked objects go.
const lostFound = "lost+found"

// relink links every leaked object into /lost+found/<name>.
func (fs *FS) relink(ctx context.Context, name string, rep *CheckReport) error {
	if name == "" {
		name = time.Now().UTC().Format("2006-01-02T15:04:05")
	}
	if err := checkName("check", name); err != nil {
		return err
	}
	if err := fs.Mkdir(ctx, nil, lostFound, 0o700, 0); err != nil && !errors.Is(err, syscall.EEXIST) {
		return wrap("check: make /"+lostFound, "", err)
	}
	lf, err := fs.LookupRel(ctx, nil, lostFound, syscall.O_RDWR|syscall.O_NOFOLLOW)
	if err != nil {
		return wrap("check: open /"+lostFound, "", err)
	}
	defer lf.Release()
	if err := fs.Mkdir(ctx, lf, name, 0o700, 0); err != nil {
		return wrap("check: make /"+lostFound+"/"+name, "", err)
	}
	into, err := fs.LookupRel(ctx, lf, name, syscall.O_RDWR|syscall.O_NOFOLLOW)
	if err != nil {
		return wrap("check: open /"+lostFound+"/"+name, "", err)
	}
	defer into.Release()
	rep.RelinkDir = "/" + lostFound + "/" + name
	for _, oid := range rep.Leaked {
		mode := uint32(syscall.S_IFDIR | 0o700)
		if placement.OIDType(oid) == placement.OTArrayByte {
			mode = syscall.S_IFREG | 0o600
		}
		e := newEntry(mode)
		e.OID = oid
		if mode&syscall.S_IFMT == syscall.S_IFREG {
			e.ChunkSize = fs.sb.ChunkSize
			e.OClass = placement.OIDClass(oid)
		}
		if err := fs.putEntry(ctx, into.dir, oid.String(), &e, true); err != nil {
			return wrap("check: relink "+oid.String(), "", err)
		}
		rep.Relinked++
	}
	return nil
}
