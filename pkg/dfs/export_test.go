package dfs

import (
	"context"
	"time"

	"github.com/daos-go/daos/pkg/daos"
)

// Test hooks: stop renames across directories after a step, as a crash
// would, and move a mount's clock.
var ErrStopped = errStopped

func StopRenamesAfter(fs *FS, step int)       { fs.stopAfter = moveStep(step) }
func SetClock(fs *FS, clock func() time.Time) { fs.clock = clock }

const MarkLease = markLease

// SBOID is the superblock object's id.
func SBOID() daos.ObjectID { return sbOID() }

// SetEntryMode overwrites the type and permission bits of name's entry
// in parent (nil: the root), as damage would.
func SetEntryMode(ctx context.Context, fs *FS, parent *Obj, name string, mode uint32) error {
	d, err := fs.dirObj("test", parent)
	if err != nil {
		return err
	}
	e, err := fs.getEntry(ctx, d.dir, name)
	if err != nil {
		return err
	}
	e.Mode = mode
	return fs.putEntry(ctx, d.dir, name, e, false)
}
