package vos

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/cgo/isal"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/media/bdev"
)

// PendingUpdate is an update in two phases, as DAOS's vos_update_begin and
// vos_update_end: BeginUpdate reserves NVMe extents for the large values
// and hands out the memory the data goes to (the device's own, mapped, so
// that a bulk transfer lands there and no copy follows); the caller fills
// it and calls Commit, or Abort. Small values (and every value of a pool
// whose device cannot be mapped) get heap buffers, copied at Commit as
// Update copies them.
//
// Reservations are volatile: the allocator is rebuilt at open from the
// extents the index references, so a crash between Begin and Commit loses
// nothing that was acknowledged and leaks no space.
//
// A PendingUpdate is used by one goroutine at a time. The dkey, the IODs
// and the options given to BeginUpdate must stay unchanged until Commit or
// Abort returns (they are read there, not copied).
type PendingUpdate struct {
	p     *Pool
	nvme  *nvmeStore // the store the reservations are from; nil: none
	op    *updateOp
	iods  []daos.IOD
	opts  UpdateOptions
	segs  [][]byte
	resv  []reservation
	total uint64
	done  bool
}

// BeginUpdate starts an update of the IODs under dkey of oid at epoch
// (arguments as for Update, without the data) and returns the memory the
// data goes to: see Segments. The checks Update makes of the arguments'
// shapes are made here; those against the index (container, conditions,
// SCM space, aggregation boundary) at Commit. Running out of NVMe fails
// here (DER_NOSPACE).
func (p *Pool) BeginUpdate(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch,
	dkeyName []byte, iods []daos.IOD, opts UpdateOptions) (*PendingUpdate, error) {
	if err := ctxError(ctx); err != nil {
		return nil, fmt.Errorf("begin update %s/%s dkey %q: %w", cont, oid, dkeyName, err)
	}
	p.mu.RLock()
	nvme, failed, threshold := p.nvme, p.failed, p.opts.InlineThreshold
	p.mu.RUnlock()
	if failed != nil {
		return nil, fmt.Errorf("begin update %s/%s dkey %q: %w", cont, oid, dkeyName, failed)
	}
	u := &PendingUpdate{p: p, iods: iods, opts: opts}
	ns, _ := nvme.(*nvmeStore)
	m := ns.mapperOrNil()
	if m != nil {
		u.nvme = ns
	}
	alloc := func(n uint64) ([]byte, error) {
		if n > MaxFetchBytes || u.total+n > MaxFetchBytes {
			return nil, daos.Errorf(daos.ErrInval, "update of more than %d bytes", MaxFetchBytes)
		}
		u.total += n
		if n == 0 {
			return nil, nil
		}
		var seg []byte
		if m != nil && n >= threshold {
			r, err := ns.reserveView(m, n)
			if err != nil {
				return nil, err
			}
			u.resv = append(u.resv, r)
			seg = r.data
		} else {
			seg = make([]byte, n)
		}
		u.segs = append(u.segs, seg)
		return seg, nil
	}
	op, err := buildUpdate(cont, oid, epoch, dkeyName, iods, nil, opts, alloc)
	if err != nil {
		u.Abort()
		return nil, fmt.Errorf("begin update %s/%s dkey %q: %w", cont, oid, dkeyName, err)
	}
	u.op = op
	return u, nil
}

// mapperOrNil is s.mapper(), or nil for a nil store.
func (s *nvmeStore) mapperOrNil() bdev.Mapper {
	if s == nil {
		return nil
	}
	return s.mapper()
}

// Segments is where the update's data goes: the IODs' data in order (per
// IOD the value, or the extents' records back to back), cut where one
// value's memory ends and the next one's starts. Their lengths add up to
// the data's; empty values have none. Valid until Commit or Abort.
func (u *PendingUpdate) Segments() [][]byte { return u.segs }

// Len is the number of bytes the segments hold.
func (u *PendingUpdate) Len() uint64 { return u.total }

// ZeroCopy reports whether some of the segments are the device's memory
// (false: all are heap buffers, copied at Commit).
func (u *PendingUpdate) ZeroCopy() bool { return len(u.resv) > 0 }

// Commit finishes the update with what the segments hold now: it checks
// the checksums (UpdateOptions.Verify), computes the extents' CRCs, makes
// the NVMe data durable, and then does what Update does (conditions,
// space, journal, index) and returns once the update is durable. It uses
// the PendingUpdate up, whatever the outcome: on failure its reservations
// are given back (unless, as for Update, the journal may hold the record).
func (u *PendingUpdate) Commit(ctx context.Context) error {
	op := u.op
	if u.done || op == nil {
		return daos.Errorf(daos.ErrInval, "commit of an update already committed or aborted")
	}
	err := u.commit(ctx)
	if err != nil {
		return fmt.Errorf("update %s/%s dkey %q: %w", op.cont, op.oid, op.dkey, err)
	}
	return nil
}

func (u *PendingUpdate) commit(ctx context.Context) error {
	op, p := u.op, u.p
	if verify := u.opts.Verify; verify != nil {
		for i := range op.akeys {
			for j, v := range op.akeys[i].vals {
				if c := op.akeys[i].csums[j]; c != nil && !verify(v.inline, c) {
					u.Abort()
					return daos.Errorf(daos.ErrCsum, "akey %q: value %d does not match its checksum", op.akeys[i].name, j)
				}
			}
		}
	}
	written, err := u.settle(ctx)
	if err != nil {
		return err
	}
	// Values still in heap buffers that go to NVMe (a device that cannot
	// be mapped) are written as Update writes them.
	more, err := p.writeLargeValues(ctx, op)
	if err != nil {
		if len(written) > 0 {
			releaseUnreferenced(u.nvme, written)
		}
		return err
	}
	written = append(written, more...)
	return p.commitUpdate(ctx, op, u.iods, u.opts.Flags, written)
}

// settle turns the reservations into extents the op references: CRC of
// each value, flush (nothing on a RAM-backed device, whose memory is the
// medium), publish. The views are released. On failure every reservation
// is given back.
func (u *PendingUpdate) settle(ctx context.Context) ([]extent, error) {
	u.done = true
	if len(u.resv) == 0 {
		return nil, nil
	}
	s := u.nvme
	fail := func(err error) ([]extent, error) {
		for i := range u.resv {
			s.cancel(&u.resv[i])
		}
		u.resv = nil
		return nil, err
	}
	exts := make([]extent, len(u.resv))
	for i := range u.resv {
		r := &u.resv[i]
		exts[i] = extent{Off: r.ext.Off * s.block, Len: uint64(len(r.data)), CRC: isal.CRC32C(0, r.data)}
		if err := r.view.Flush(ctx); err != nil {
			return fail(daos.Errorf(daos.ErrNvmeIo, "flush %d bytes at NVMe block %d: %v", len(r.data), r.ext.Off, err))
		}
	}
	// Durable now (the flushes returned): the op may reference them.
	for i := range u.resv {
		r := &u.resv[i]
		r.view.Release()
		r.view = nil
		if err := s.alloc.Publish(r.ext); err != nil {
			// Cannot happen (the reservation is ours); give back what
			// is still reserved and what was published.
			for j := range u.resv[i:] {
				_ = s.alloc.Cancel(u.resv[i+j].ext)
			}
			releaseUnreferenced(s, exts[:i])
			u.resv = nil
			return nil, daos.Errorf(daos.ErrNvmeIo, "publish extent at block %d: %v", r.ext.Off, err)
		}
	}
	// Point the op's values at their extents, in the order Begin made
	// the reservations (the order buildUpdate walks the values in).
	k := 0
	for i := range u.op.akeys {
		for j := range u.op.akeys[i].vals {
			v := &u.op.akeys[i].vals[j]
			if k < len(u.resv) && len(v.inline) > 0 && &v.inline[0] == &u.resv[k].data[0] {
				v.ext, v.inline = &exts[k], nil
				k++
			}
		}
	}
	if k != len(u.resv) {
		panic(fmt.Sprintf("vos: %d of %d reservations matched the update's values", k, len(u.resv)))
	}
	u.resv = nil
	return exts, nil
}

// Abort gives back the reservations; the segments must not be used any
// more. It does nothing after Commit or a previous Abort, so it may be
// deferred.
func (u *PendingUpdate) Abort() {
	if u.done {
		return
	}
	u.done = true
	for i := range u.resv {
		u.nvme.cancel(&u.resv[i])
	}
	u.resv, u.segs = nil, nil
}

// ZeroCopyUpdates reports whether BeginUpdate places values of at least
// the inline threshold straight in the NVMe device's memory (the pool has
// a device that can be mapped).
func (p *Pool) ZeroCopyUpdates() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	ns, _ := p.nvme.(*nvmeStore)
	return ns.mapperOrNil() != nil
}

// ZeroCopyFetches reports whether BeginFetch hands out the NVMe device's
// memory rather than copies (the pool has a RAM-backed, mappable device).
func (p *Pool) ZeroCopyFetches() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.nvme != nil && p.nvme.readMapper() != nil
}

// InlineThresholdBytes is the value size from which values go to NVMe.
func (p *Pool) InlineThresholdBytes() uint64 { return p.opts.InlineThreshold }
