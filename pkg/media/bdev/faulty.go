package bdev

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
)

// Faulty wraps a Device for tests. It can fail a chosen read, write or sync
// with a given error, and it remembers, for every block written since the
// last successful Sync, what the block held at that Sync, so that Crash can
// put those blocks back as a power loss would.
//
// Writes go through to the wrapped device at once, so reads see them, as
// they would on a drive with a volatile cache. Sync and Crash wait for the
// requests in flight and hold new ones back while they run.
type Faulty struct {
	dev Device

	// epoch is shared by reads and writes and exclusive for Sync and Crash,
	// so a write is either wholly before a Sync (and covered by it) or
	// wholly after.
	epoch sync.RWMutex

	mu     sync.Mutex // guards the fields below
	reads  trigger
	writes trigger
	syncs  trigger
	// synced maps a block number to its content at the last Sync, for the
	// blocks written since.
	synced map[int64][]byte
}

var _ Device = (*Faulty)(nil)

// trigger fails the call that brings left to zero.
type trigger struct {
	left int
	err  error
}

// fire counts one call and returns the armed error when its turn comes.
func (t *trigger) fire() error {
	if t.err == nil {
		return nil
	}
	t.left--
	if t.left > 0 {
		return nil
	}
	err := t.err
	*t = trigger{}
	return err
}

// NewFaulty wraps dev. Closing the Faulty closes dev.
func NewFaulty(dev Device) *Faulty {
	return &Faulty{dev: dev, synced: make(map[int64][]byte)}
}

// FailRead makes the nth ReadAt from now (1 is the next one) return err
// without reading. It replaces any read fault armed before; a nil err
// disarms.
func (f *Faulty) FailRead(n int, err error) { f.arm(&f.reads, n, err) }

// FailWrite makes the nth WriteAt from now (1 is the next one) return err
// without writing anything. It replaces any write fault armed before; a nil
// err disarms.
func (f *Faulty) FailWrite(n int, err error) { f.arm(&f.writes, n, err) }

// FailSync makes the nth Sync from now (1 is the next one) return err
// without syncing: the writes before it stay un-synced. It replaces any sync
// fault armed before; a nil err disarms.
func (f *Faulty) FailSync(n int, err error) { f.arm(&f.syncs, n, err) }

func (f *Faulty) arm(t *trigger, n int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*t = trigger{left: max(n, 1), err: err}
}

// ReadAt implements Device.
func (f *Faulty) ReadAt(ctx context.Context, p []byte, off int64) error {
	f.epoch.RLock()
	defer f.epoch.RUnlock()
	f.mu.Lock()
	err := f.reads.fire()
	f.mu.Unlock()
	if err != nil {
		return fmt.Errorf("read at offset %d length %d: injected: %w", off, len(p), err)
	}
	return f.dev.ReadAt(ctx, p, off)
}

// WriteAt implements Device: it saves the synced content of the blocks it
// is about to change, then writes through.
func (f *Faulty) WriteAt(ctx context.Context, p []byte, off int64) error {
	if err := checkIO("write", off, len(p), f.dev.Size()); err != nil {
		return err
	}
	f.epoch.RLock()
	defer f.epoch.RUnlock()
	if err := f.saveSynced(ctx, off, len(p)); err != nil {
		return err
	}
	return f.dev.WriteAt(ctx, p, off)
}

// saveSynced fires the write trigger and records the blocks of
// [off, off+n) that are not yet recorded since the last Sync.
func (f *Faulty) saveSynced(ctx context.Context, off int64, n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.writes.fire(); err != nil {
		return fmt.Errorf("write at offset %d length %d: injected: %w", off, n, err)
	}
	first := off / BlockSize
	count := int64(n / BlockSize)
	if !f.missing(first, count) {
		return nil
	}
	old := make([]byte, n)
	if err := f.dev.ReadAt(ctx, old, off); err != nil {
		return fmt.Errorf("write at offset %d length %d: save synced content: %w", off, n, err)
	}
	for i := range count {
		if _, ok := f.synced[first+i]; !ok {
			f.synced[first+i] = old[i*BlockSize : (i+1)*BlockSize : (i+1)*BlockSize]
		}
	}
	return nil
}

func (f *Faulty) missing(first, count int64) bool {
	for i := range count {
		if _, ok := f.synced[first+i]; !ok {
			return true
		}
	}
	return false
}

// Sync implements Device. After a successful Sync no block is un-synced.
func (f *Faulty) Sync(ctx context.Context) error {
	f.epoch.Lock()
	defer f.epoch.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.syncs.fire(); err != nil {
		return fmt.Errorf("sync: injected: %w", err)
	}
	if err := f.dev.Sync(ctx); err != nil {
		return err
	}
	clear(f.synced)
	return nil
}

// Unsynced is the number of blocks written since the last successful Sync.
func (f *Faulty) Unsynced() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.synced)
}

// CrashMode chooses what a simulated power loss does to un-synced blocks.
type CrashMode int

const (
	// CrashDrop loses every un-synced block: each is back to its content at
	// the last Sync.
	CrashDrop CrashMode = iota
	// CrashTear keeps or loses each un-synced block independently, as a
	// drive with a volatile write cache may: a write can survive in part.
	// Blocks are atomic.
	CrashTear
)

// CrashResult counts what a Crash did with the un-synced blocks.
type CrashResult struct {
	Kept int // blocks that keep their newest content
	Lost int // blocks put back to their content at the last Sync
}

// ErrNoRand: CrashTear needs a random source.
var ErrNoRand = errors.New("bdev: crash tear needs a random source")

// Crash simulates a power loss and restart: un-synced blocks are lost or
// kept according to mode (CrashTear draws from rng, so a seeded rng gives a
// reproducible tear), the wrapped device is synced, and the Faulty starts a
// new epoch with nothing un-synced. Armed faults stay armed.
func (f *Faulty) Crash(ctx context.Context, mode CrashMode, rng *rand.Rand) (CrashResult, error) {
	if mode == CrashTear && rng == nil {
		return CrashResult{}, ErrNoRand
	}
	f.epoch.Lock()
	defer f.epoch.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	var res CrashResult
	// Sorted so that the same rng seed tears the same blocks.
	for _, blk := range slices.Sorted(maps.Keys(f.synced)) {
		if mode == CrashTear && rng.IntN(2) == 0 {
			res.Kept++
			continue
		}
		if err := f.dev.WriteAt(ctx, f.synced[blk], blk*BlockSize); err != nil {
			return res, fmt.Errorf("crash: restore block %d: %w", blk, err)
		}
		res.Lost++
	}
	if err := f.dev.Sync(ctx); err != nil {
		return res, fmt.Errorf("crash: %w", err)
	}
	clear(f.synced)
	return res, nil
}

// Size implements Device.
func (f *Faulty) Size() int64 { return f.dev.Size() }

// BlockSize implements Device.
func (f *Faulty) BlockSize() int { return f.dev.BlockSize() }

// Close implements Device by closing the wrapped device.
func (f *Faulty) Close() error { return f.dev.Close() }
