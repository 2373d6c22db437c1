package vea

import (
	"cmp"
	"fmt"
	"slices"
)

// Check verifies the invariants the allocator relies on and returns an
// error wrapping ErrCorrupt at the first one broken: the free, reserved and
// used extents tile [0, TotalBlocks) with no gap and no overlap, no two free
// extents touch (they would have been merged), both free indexes hold the
// same extents, and the counters match. It walks everything: for tests and
// debugging tools, not for the I/O path.
func (a *Allocator) Check() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.checkIndexes(); err != nil {
		return err
	}
	return a.checkTiling()
}

// checkIndexes compares the two free trees.
func (a *Allocator) checkIndexes() error {
	if a.byOff.Len() != a.bySize.Len() {
		return fmt.Errorf("%w: %d free extents by offset, %d by size", ErrCorrupt, a.byOff.Len(), a.bySize.Len())
	}
	var err error
	a.bySize.Ascend(func(e Extent) bool {
		if got, ok := a.byOff.Get(e); !ok || got != e {
			err = fmt.Errorf("%w: free %v indexed by size only", ErrCorrupt, e)
		}
		return err == nil
	})
	return err
}

// kind tells which state a span of the tiling belongs to.
type kind int

const (
	kindFree kind = iota
	kindReserved
	kindUsed
)

func (k kind) String() string { return [...]string{"free", "reserved", "used"}[k] }

type span struct {
	Extent
	kind kind
}

// checkTiling sorts every extent by offset and walks them end to end.
func (a *Allocator) checkTiling() error {
	spans := make([]span, 0, a.byOff.Len()+len(a.reserved)+len(a.used))
	a.byOff.Ascend(func(e Extent) bool {
		spans = append(spans, span{e, kindFree})
		return true
	})
	for off, n := range a.reserved {
		spans = append(spans, span{Extent{off, n}, kindReserved})
	}
	for off, n := range a.used {
		spans = append(spans, span{Extent{off, n}, kindUsed})
	}
	slices.SortFunc(spans, func(x, y span) int { return cmp.Compare(x.Off, y.Off) })

	var sums [3]uint64
	var pos uint64
	for i, s := range spans {
		switch {
		case s.Len == 0:
			return fmt.Errorf("%w: empty %s extent at %d", ErrCorrupt, s.kind, s.Off)
		case s.Off > pos:
			return fmt.Errorf("%w: blocks [%d, %d) are in no state", ErrCorrupt, pos, s.Off)
		case s.Off < pos:
			return fmt.Errorf("%w: %s %v overlaps %s %v", ErrCorrupt, s.kind, s.Extent, spans[i-1].kind, spans[i-1].Extent)
		case i > 0 && s.kind == kindFree && spans[i-1].kind == kindFree:
			return fmt.Errorf("%w: free %v and %v touch but are not merged", ErrCorrupt, spans[i-1].Extent, s.Extent)
		}
		sums[s.kind] += s.Len
		pos = s.End()
	}
	if pos != a.total {
		return fmt.Errorf("%w: extents end at %d, device at %d", ErrCorrupt, pos, a.total)
	}
	if sums != [3]uint64{a.freeBlocks, a.reservedBlocks, a.usedBlocks} {
		return fmt.Errorf("%w: free/reserved/used blocks counted %d/%d/%d, held %d/%d/%d", ErrCorrupt,
			a.freeBlocks, a.reservedBlocks, a.usedBlocks, sums[kindFree], sums[kindReserved], sums[kindUsed])
	}
	return nil
}
