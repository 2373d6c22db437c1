package vea

import (
	"errors"
	"fmt"
	"sync"

	"github.com/google/btree"
)

// Extent is a run of Len blocks starting at block Off.
type Extent struct{ Off, Len uint64 }

// End is the block just past the extent.
func (e Extent) End() uint64 { return e.Off + e.Len }

func (e Extent) String() string { return fmt.Sprintf("[%d+%d)", e.Off, e.Len) }

// Errors wrapped by the Allocator, for errors.Is.
var (
	// ErrNoSpace: no free extent is large enough. VOS reports it as
	// DER_NOSPACE.
	ErrNoSpace = errors.New("vea: no free extent large enough")
	// ErrInvalid: an empty extent, or one that reaches past the device.
	ErrInvalid = errors.New("vea: invalid extent")
	// ErrNotReserved: Cancel or Publish of something that is not exactly an
	// outstanding reservation.
	ErrNotReserved = errors.New("vea: not an outstanding reservation")
	// ErrNotPublished: Free of something that is not exactly a published
	// extent.
	ErrNotPublished = errors.New("vea: not a published extent")
	// ErrOverlap: MarkUsed of an extent overlapping reserved or used space,
	// i.e. a block referenced twice.
	ErrOverlap = errors.New("vea: extent overlaps space in use")
	// ErrCorrupt: Check found the internal state inconsistent (a bug).
	ErrCorrupt = errors.New("vea: allocator state is inconsistent")
)

// btreeDegree suits a few thousand to a few million extents.
const btreeDegree = 32

// Allocator tracks which blocks of a device are free, reserved and used.
type Allocator struct {
	mu    sync.Mutex
	total uint64
	// byOff and bySize hold the same free extents, coalesced.
	byOff  *btree.BTreeG[Extent]
	bySize *btree.BTreeG[Extent]
	// reserved and used map the offset of each live extent to its length.
	reserved map[uint64]uint64
	used     map[uint64]uint64

	freeBlocks, reservedBlocks, usedBlocks uint64
}

func lessOff(a, b Extent) bool { return a.Off < b.Off }

func lessSize(a, b Extent) bool {
	if a.Len != b.Len {
		return a.Len < b.Len
	}
	return a.Off < b.Off
}

// New returns an allocator for a device of totalBlocks blocks, all free.
func New(totalBlocks uint64) *Allocator {
	a := &Allocator{
		total:    totalBlocks,
		byOff:    btree.NewG(btreeDegree, lessOff),
		bySize:   btree.NewG(btreeDegree, lessSize),
		reserved: make(map[uint64]uint64),
		used:     make(map[uint64]uint64),
	}
	if totalBlocks > 0 {
		a.addFree(Extent{0, totalBlocks})
	}
	return a
}

// Reserve finds nBlocks contiguous free blocks (best fit) and reserves them
// until Publish or Cancel.
func (a *Allocator) Reserve(nBlocks uint64) (Extent, error) {
	if nBlocks == 0 {
		return Extent{}, fmt.Errorf("reserve 0 blocks: %w", ErrInvalid)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	fit, ok := a.bestFit(nBlocks)
	if !ok {
		return Extent{}, fmt.Errorf("reserve %d blocks (%d free, largest free extent %d): %w",
			nBlocks, a.freeBlocks, a.largestFree(), ErrNoSpace)
	}
	a.removeFree(fit)
	if fit.Len > nBlocks {
		// The rest keeps fit's right neighbour; its left one is the new
		// reservation, so it needs no coalescing.
		a.addFree(Extent{fit.Off + nBlocks, fit.Len - nBlocks})
	}
	e := Extent{fit.Off, nBlocks}
	a.reserved[e.Off] = e.Len
	a.reservedBlocks += e.Len
	return e, nil
}

// bestFit is the smallest free extent of at least n blocks, the lowest one
// among equals.
func (a *Allocator) bestFit(n uint64) (Extent, bool) {
	var fit Extent
	var ok bool
	a.bySize.AscendGreaterOrEqual(Extent{Off: 0, Len: n}, func(e Extent) bool {
		fit, ok = e, true
		return false
	})
	return fit, ok
}

// Cancel returns a reservation that will never be published to the free
// space.
func (a *Allocator) Cancel(e Extent) error {
	if err := a.valid(e); err != nil {
		return fmt.Errorf("cancel %v: %w", e, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.isReserved(e); err != nil {
		return fmt.Errorf("cancel %v: %w", e, err)
	}
	if err := a.checkNotFree(e); err != nil {
		return fmt.Errorf("cancel %v: %w", e, err)
	}
	delete(a.reserved, e.Off)
	a.reservedBlocks -= e.Len
	a.release(e)
	return nil
}

// Publish records that durable metadata now references the reservation e:
// it is used until Free.
func (a *Allocator) Publish(e Extent) error {
	if err := a.valid(e); err != nil {
		return fmt.Errorf("publish %v: %w", e, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.isReserved(e); err != nil {
		return fmt.Errorf("publish %v: %w", e, err)
	}
	delete(a.reserved, e.Off)
	a.reservedBlocks -= e.Len
	a.used[e.Off] = e.Len
	a.usedBlocks += e.Len
	return nil
}

// Free returns a published extent, whole, to the free space once no durable
// metadata references it.
func (a *Allocator) Free(e Extent) error {
	if err := a.valid(e); err != nil {
		return fmt.Errorf("free %v: %w", e, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if n, ok := a.used[e.Off]; !ok || n != e.Len {
		return fmt.Errorf("free %v: %w%s", e, ErrNotPublished, a.describe(e))
	}
	if err := a.checkNotFree(e); err != nil {
		return fmt.Errorf("free %v: %w", e, err)
	}
	delete(a.used, e.Off)
	a.usedBlocks -= e.Len
	a.release(e)
	return nil
}

// MarkUsed marks e used without a reservation, for recovery: VOS calls it
// for every extent its index references. An extent that is not wholly free
// overlaps reserved or used space, which means a block is referenced twice.
func (a *Allocator) MarkUsed(e Extent) error {
	if err := a.valid(e); err != nil {
		return fmt.Errorf("mark used %v: %w", e, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f, ok := a.freeContaining(e.Off)
	if !ok || f.End() < e.End() {
		return fmt.Errorf("mark used %v: %w%s", e, ErrOverlap, a.describe(e))
	}
	a.removeFree(f)
	if e.Off > f.Off {
		a.addFree(Extent{f.Off, e.Off - f.Off})
	}
	if f.End() > e.End() {
		a.addFree(Extent{e.End(), f.End() - e.End()})
	}
	a.used[e.Off] = e.Len
	a.usedBlocks += e.Len
	return nil
}

// FreeBlocks is the number of free blocks.
func (a *Allocator) FreeBlocks() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.freeBlocks
}

// UsedBlocks is the number of published (or marked) blocks.
func (a *Allocator) UsedBlocks() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.usedBlocks
}

// ReservedBlocks is the number of reserved, unpublished blocks.
func (a *Allocator) ReservedBlocks() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reservedBlocks
}

// TotalBlocks is the size of the device in blocks.
func (a *Allocator) TotalBlocks() uint64 { return a.total }

// LargestFree is the length of the largest free extent: the largest
// Reserve that can succeed now.
func (a *Allocator) LargestFree() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.largestFree()
}

func (a *Allocator) largestFree() uint64 {
	if e, ok := a.bySize.Max(); ok {
		return e.Len
	}
	return 0
}

// valid rejects extents that no state could hold.
func (a *Allocator) valid(e Extent) error {
	if e.Len == 0 {
		return fmt.Errorf("%w: empty", ErrInvalid)
	}
	if e.End() < e.Off || e.End() > a.total {
		return fmt.Errorf("%w: beyond the %d blocks of the device", ErrInvalid, a.total)
	}
	return nil
}

func (a *Allocator) isReserved(e Extent) error {
	if n, ok := a.reserved[e.Off]; ok && n == e.Len {
		return nil
	}
	return fmt.Errorf("%w%s", ErrNotReserved, a.describe(e))
}

// describe says what the allocator holds at e.Off, to make refusals
// explain themselves (say, a Free of an extent that is still reserved).
func (a *Allocator) describe(e Extent) string {
	if n, ok := a.reserved[e.Off]; ok {
		return fmt.Sprintf(" (reserved %v there)", Extent{e.Off, n})
	}
	if n, ok := a.used[e.Off]; ok {
		return fmt.Sprintf(" (used %v there)", Extent{e.Off, n})
	}
	if f, ok := a.freeContaining(e.Off); ok {
		return fmt.Sprintf(" (block %d is in free %v)", e.Off, f)
	}
	return ""
}

// freeContaining is the free extent holding block off, if any.
func (a *Allocator) freeContaining(off uint64) (Extent, bool) {
	f, ok := a.floor(off)
	if !ok || f.End() <= off {
		return Extent{}, false
	}
	return f, true
}

// floor is the free extent with the highest offset not above off.
func (a *Allocator) floor(off uint64) (Extent, bool) {
	var f Extent
	var ok bool
	a.byOff.DescendLessOrEqual(Extent{Off: off}, func(e Extent) bool {
		f, ok = e, true
		return false
	})
	return f, ok
}

// checkNotFree guards release: a live extent must not overlap free space.
// Any free extent overlapping e starts below e.End(), and the highest such
// one does overlap if any does, so one lookup is enough.
func (a *Allocator) checkNotFree(e Extent) error {
	if f, ok := a.floor(e.End() - 1); ok && f.End() > e.Off {
		return fmt.Errorf("%w: live %v overlaps free %v", ErrCorrupt, e, f)
	}
	return nil
}

// release adds e, just taken out of the reserved or used map, to the free
// space, merged with its free neighbours.
func (a *Allocator) release(e Extent) {
	merged := e
	if e.Off > 0 {
		if left, ok := a.floor(e.Off - 1); ok && left.End() == e.Off {
			a.removeFree(left)
			merged = Extent{left.Off, left.Len + merged.Len}
		}
	}
	if right, ok := a.byOff.Get(Extent{Off: e.End()}); ok {
		a.removeFree(right)
		merged.Len += right.Len
	}
	a.addFree(merged)
}

func (a *Allocator) addFree(e Extent) {
	a.byOff.ReplaceOrInsert(e)
	a.bySize.ReplaceOrInsert(e)
	a.freeBlocks += e.Len
}

func (a *Allocator) removeFree(e Extent) {
	a.byOff.Delete(e)
	a.bySize.Delete(e)
	a.freeBlocks -= e.Len
}
