package vos

import (
	"context"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/media/bdev"
)

// OpenReadOnly recovers a durable pool as Open does, from the same
// checkpoint and the same durable journal records, so that it holds the
// same index, but it changes none of the pool's files: debug tools use it
// to look at a pool, damaged or not, without repairing it behind the
// admin's back.
//
// Unlike Open it opens every file O_RDONLY; leaves the records of a batch
// torn by a crash in place rather than invalidating them, and syncs
// nothing; does not reset a journal whose records a checkpoint already
// covers (so StoreInfo counts them as used, as they are on media); and
// leaves checkpoint temporaries of a crashed checkpoint alone.
//
// Reads (Fetch, the List and Query calls, the inspection API, VerifyAll)
// work as on a pool from Open. Every mutation, Checkpoint included, fails
// with DER_NO_PERM before touching anything.
//
// The journal and the NVMe file get shared flocks: any number of read-only
// openers may look at a pool at once, but a pool open for writing, in this
// process or another, is refused with an error wrapping EWOULDBLOCK (the
// journal is tried first, and refuses at once), and Open refuses a pool
// while it is open read-only.
func OpenReadOnly(ctx context.Context, dir string) (*Pool, error) {
	return open(ctx, dir, true)
}

// errReadOnly is what every mutation of a read-only pool returns.
func errReadOnly(dir string) error {
	return daos.Errorf(daos.ErrNoPerm, "VOS pool in %s is open read-only", dir)
}

// refuseWrites makes every mutation of a pool opened read-only fail. A
// failed pool refuses mutations before they journal anything (see
// Pool.failed); updates with large values write NVMe before that, so the
// value store refuses too.
func (p *Pool) refuseWrites() {
	err := errReadOnly(p.store.dir)
	p.failed = err
	if s, ok := p.nvme.(*nvmeStore); ok {
		p.nvme = readOnlyValues{nvmeStore: s, err: err}
	}
}

// readOnlyValues reads and accounts like the nvmeStore it wraps and refuses
// to write.
type readOnlyValues struct {
	*nvmeStore
	err error
}

func (v readOnlyValues) write(context.Context, []byte) (extent, error) { return extent{}, v.err }

func (v readOnlyValues) sync(context.Context) error { return v.err }

// readMapper is nil: the device is open read-only, and its shared mapping
// would be writable.
func (v readOnlyValues) readMapper() bdev.ReadMapper { return nil }
