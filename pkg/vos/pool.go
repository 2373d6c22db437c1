package vos

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/media/bdev"
)

// ContainerID is a container's UUID.
type ContainerID [16]byte

func (c ContainerID) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", c[0:4], c[4:6], c[6:8], c[8:10], c[10:16])
}

// DefaultInlineThreshold is the value size from which values go to NVMe
// rather than SCM, as in DAOS.
const DefaultInlineThreshold = 4096

// Limits on what one call may carry; larger input is rejected, not trusted.
const (
	MaxKeyBytes = 64 << 10 // dkey or akey
	MaxIODs     = 1 << 16  // akeys in one update or fetch
	MaxRecxs    = 1 << 16  // extents in one IOD
	// MaxFetchBytes bounds what one fetch may ask to return (single values
	// larger than this cannot be stored in one update anyway).
	MaxFetchBytes = 1 << 30
)

// recordOverheadBytes is what the SCM accounting charges per version or
// key on top of its inline bytes: an estimate of the index's own cost.
const recordOverheadBytes = 64

// Options sizes a pool.
type Options struct {
	// SCMBytes is the capacity of the SCM (metadata and small values).
	SCMBytes uint64
	// NVMeBytes is the capacity of the NVMe side; 0 keeps every value in
	// SCM.
	NVMeBytes uint64
	// InlineThreshold: values of at least this many bytes go to NVMe when
	// the pool has an NVMe side. 0 means DefaultInlineThreshold.
	InlineThreshold uint64
}

// Space reports usage per tier in bytes.
type Space struct {
	SCMTotal, SCMUsed   uint64
	NVMeTotal, NVMeUsed uint64
	// NVMeReserved is held by updates begun (BeginUpdate) and not yet
	// committed or aborted; not part of NVMeUsed.
	NVMeReserved uint64
}

// Pool is one target's shard of a DAOS pool. Its methods are safe for
// concurrent use: reads share a lock, mutations take it alone (a target
// executes one mutation at a time, as a DAOS target's executor does).
type Pool struct {
	mu sync.RWMutex
	// encBuf is reused for encoding updates under mu (the journal copies
	// records), so small updates allocate no record buffer.
	encBuf []byte
	// pendingLSN is the journal record of the last update applied to the
	// index (set under mu); durableLSN is one past the highest record
	// known durable. Readers wait while the first is not below the second.
	pendingLSN atomic.Uint64
	durableLSN atomic.Uint64
	// deferred, while set (under mu), collects the NVMe extents that
	// applying a staged update releases, to be freed once it is durable.
	deferred *[]extent
	// lastCont is the container found last (see objectSet.last).
	lastCont atomic.Pointer[container]
	opts     Options
	conts    map[ContainerID]*container
	scmUsed  uint64
	nvme     valueStore // nil: every value inline
	journal  Journal    // nil: nothing is durable
	store    *store     // nil: a pool in DRAM only
	// failed, once set, is returned by every mutation: the pool is closed
	// or stopped after a journal failure. After a failed append reads go
	// on (the index holds exactly what was acknowledged). After a failed
	// sync of staged updates, which the index already holds, reads that
	// could see them fail (DER_IO) rather than return what may be lost;
	// reopening recovers what is durable. Nothing is read after Close.
	failed error
	closed bool
}

// valueStore keeps values at or above the inline threshold.
type valueStore interface {
	// write stores data in a new extent, durable once sync returns.
	write(ctx context.Context, data []byte) (extent, error)
	sync(ctx context.Context) error
	read(ctx context.Context, e extent, p []byte) error
	// release returns an extent once no durable metadata references it;
	// it is reused only after the reads pinned before (pin) have ended.
	release(e extent)
	used() uint64
	// pin and unpin bracket a read of extents found in the index (pin
	// under the pool's lock); see readers.
	pin(rs nvmeReads)
	unpin(rs nvmeReads)
	// readMapper is the device when reads may use its memory in place,
	// else nil.
	readMapper() bdev.ReadMapper
	mapRead(m bdev.ReadMapper, e extent) (*bdev.View, []byte, error)
	// drain waits until no read is pinned.
	drain()
}

type container struct {
	id ContainerID
	// names interns akey names (see intern).
	names map[string]string
	objs  objectSet
	snaps []daos.Epoch // ascending
	txs   map[TxID]*txn
	// aggregated: epochs below it have been aggregated, so nothing new may
	// be written there (the versions it would be compared with are gone).
	aggregated daos.Epoch
	// gen counts the changes that could give aggregation more to do
	// (writes, punches, transaction ends, discards, snapshot lists);
	// settled says an aggregation left nothing at or above its boundary
	// or uncommitted, and settledGen was gen then: until gen moves, a
	// higher boundary would find nothing to remove. In memory only: a
	// loaded pool aggregates once before it settles again.
	gen        uint64
	settled    bool
	settledGen uint64
}

// NewPool makes an empty pool in DRAM.
func NewPool(opts Options) (*Pool, error) {
	if opts.SCMBytes == 0 {
		return nil, daos.Errorf(daos.ErrInval, "create VOS pool: SCM size must be positive")
	}
	if opts.InlineThreshold == 0 {
		opts.InlineThreshold = DefaultInlineThreshold
	}
	return &Pool{opts: opts, conts: make(map[ContainerID]*container)}, nil
}

// CreateContainer adds an empty container; an existing id is DER_EXIST.
func (p *Pool) CreateContainer(ctx context.Context, id ContainerID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.settleStaged(ctx); err != nil {
		return fmt.Errorf("create container %s: %w", id, err)
	}
	if err := p.usable(); err != nil {
		return fmt.Errorf("create container %s: %w", id, err)
	}
	if _, ok := p.conts[id]; ok {
		return daos.Errorf(daos.ErrExist, "create container %s", id)
	}
	if err := p.haveSCM(recordOverheadBytes); err != nil {
		return fmt.Errorf("create container %s: %w", id, err)
	}
	if err := p.record(ctx, opCreateCont, encodeContOp(contOp{cont: id})); err != nil {
		return fmt.Errorf("create container %s: %w", id, err)
	}
	p.applyCreateCont(id)
	return nil
}

func (p *Pool) applyCreateCont(id ContainerID) {
	p.scmUsed += recordOverheadBytes
	p.conts[id] = newContainer(id)
}

// DestroyContainer removes a container and everything in it, returning its
// space. A missing id is DER_NONEXIST.
func (p *Pool) DestroyContainer(ctx context.Context, id ContainerID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.settleStaged(ctx); err != nil {
		return fmt.Errorf("destroy container %s: %w", id, err)
	}
	if _, ok := p.conts[id]; !ok {
		return daos.Errorf(daos.ErrNonexist, "destroy container %s", id)
	}
	if err := p.record(ctx, opDestroyCont, encodeContOp(contOp{cont: id})); err != nil {
		return fmt.Errorf("destroy container %s: %w", id, err)
	}
	p.applyDestroyCont(id)
	return nil
}

func (p *Pool) applyDestroyCont(id ContainerID) {
	c := p.conts[id]
	c.objs.Ascend(func(o *object) bool {
		p.releaseObject(o)
		return true
	})
	p.scmUsed -= recordOverheadBytes
	delete(p.conts, id)
	p.lastCont.Store(nil)
}

// Containers lists the container ids in the pool, in no particular order.
func (p *Pool) Containers() []ContainerID {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]ContainerID, 0, len(p.conts))
	for id := range p.conts {
		out = append(out, id)
	}
	return out
}

// Space reports the pool's usage.
func (p *Pool) Space() Space {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := Space{SCMTotal: p.opts.SCMBytes, SCMUsed: p.scmUsed, NVMeTotal: p.opts.NVMeBytes}
	if p.nvme != nil {
		s.NVMeUsed = p.nvme.used()
		if ns, ok := p.nvme.(*nvmeStore); ok {
			s.NVMeReserved = ns.alloc.ReservedBlocks() * ns.block
		}
	}
	return s
}

func newContainer(id ContainerID) *container {
	return &container{id: id, objs: newObjectSet(), txs: make(map[TxID]*txn), names: make(map[string]string)}
}

func (p *Pool) container(id ContainerID) (*container, error) {
	if p.closed {
		return nil, p.failed
	}
	if c := p.lastCont.Load(); c != nil && c.id == id {
		return c, nil
	}
	c, ok := p.conts[id]
	if !ok {
		return nil, daos.Errorf(daos.ErrNonexist, "container %s", id)
	}
	p.lastCont.Store(c)
	return c, nil
}

// haveSCM checks that n more bytes of SCM fit; the apply that follows
// charges them.
func (p *Pool) haveSCM(n uint64) error {
	if n > p.opts.SCMBytes-min(p.scmUsed, p.opts.SCMBytes) {
		return daos.Errorf(daos.ErrNospace, "need %d bytes of SCM, %d of %d free", n, p.opts.SCMBytes-min(p.scmUsed, p.opts.SCMBytes), p.opts.SCMBytes)
	}
	return nil
}

// inlineCost is what a value charges to SCM.
func (p *Pool) inlineCost(v value) uint64 { return uint64(len(v.inline)) }

// releaseValue returns a dropped version's space.
func (p *Pool) releaseValue(v value) {
	p.scmUsed -= recordOverheadBytes + p.inlineCost(v)
	if v.ext != nil && p.deferred != nil {
		// The op that drops it is not durable yet (see Update): until it
		// is, a crash brings the value back, so its bytes must stay.
		*p.deferred = append(*p.deferred, *v.ext)
		return
	}
	if v.ext != nil && p.nvme != nil {
		p.nvme.release(*v.ext)
	}
}

func (p *Pool) releaseAkey(a *akey) {
	for i := range a.svs {
		p.releaseValue(a.svs[i].val)
	}
	for i := range a.extents() {
		p.releaseValue(a.extents()[i].val)
	}
	p.scmUsed -= uint64(len(a.punchList())) * recordOverheadBytes
	p.scmUsed -= recordOverheadBytes + uint64(len(a.name))
}

func (p *Pool) releaseDkey(d *dkey) {
	d.akeys.Ascend(func(a *akey) bool {
		p.releaseAkey(a)
		return true
	})
	p.scmUsed -= uint64(len(d.punchList())) * recordOverheadBytes
	p.scmUsed -= recordOverheadBytes + uint64(len(d.name))
}

func (p *Pool) releaseObject(o *object) {
	o.dkeys.Ascend(func(d *dkey) bool {
		p.releaseDkey(d)
		return true
	})
	p.scmUsed -= uint64(len(o.punches)) * recordOverheadBytes
	p.scmUsed -= recordOverheadBytes
}

// readValue returns a version's bytes.
func (p *Pool) readValue(ctx context.Context, v value, size uint64) ([]byte, error) {
	if v.ext == nil {
		return v.bytes(), nil
	}
	buf := make([]byte, size)
	if err := p.nvme.read(ctx, *v.ext, buf); err != nil {
		return nil, err
	}
	return buf, nil
}
