package vea

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// counts is the allocator's visible state, to show that a refused call
// changed nothing.
type counts struct{ free, reserved, used, largest uint64 }

func countsOf(a *Allocator) counts {
	return counts{a.FreeBlocks(), a.ReservedBlocks(), a.UsedBlocks(), a.LargestFree()}
}

// freeExtents lists the free extents by offset.
func freeExtents(a *Allocator) []Extent {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []Extent
	a.byOff.Ascend(func(e Extent) bool {
		out = append(out, e)
		return true
	})
	return out
}

func mustReserve(t *testing.T, a *Allocator, n uint64) Extent {
	t.Helper()
	e, err := a.Reserve(n)
	require.NoError(t, err)
	return e
}

func mustPublish(t *testing.T, a *Allocator, n uint64) Extent {
	t.Helper()
	e := mustReserve(t, a, n)
	require.NoError(t, a.Publish(e))
	return e
}

func TestNew(t *testing.T) {
	for _, total := range []uint64{0, 1, 1000} {
		a := New(total)
		require.Equal(t, counts{free: total, largest: total}, countsOf(a))
		require.Equal(t, total, a.TotalBlocks())
		require.NoError(t, a.Check())
	}
	_, err := New(0).Reserve(1)
	require.ErrorIs(t, err, ErrNoSpace)
}

func TestReserve(t *testing.T) {
	cases := []struct {
		name  string
		sizes []uint64
		want  []Extent // zero Len: the reserve must fail
		err   error
	}{
		{"in order from the start", []uint64{10, 20, 1}, []Extent{{0, 10}, {10, 20}, {30, 1}}, nil},
		{"exactly all", []uint64{100}, []Extent{{0, 100}}, nil},
		{"then nothing", []uint64{100, 1}, []Extent{{0, 100}, {}}, ErrNoSpace},
		{"too large", []uint64{101}, []Extent{{}}, ErrNoSpace},
		{"zero", []uint64{0}, []Extent{{}}, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := New(100)
			var reserved uint64
			for i, n := range c.sizes {
				e, err := a.Reserve(n)
				if c.want[i].Len == 0 {
					require.ErrorIs(t, err, c.err)
					continue
				}
				require.NoError(t, err)
				require.Equal(t, c.want[i], e)
				reserved += n
			}
			require.Equal(t, reserved, a.ReservedBlocks())
			require.Equal(t, 100-reserved, a.FreeBlocks())
			require.NoError(t, a.Check())
		})
	}
}

func TestReserveNoSpaceExplains(t *testing.T) {
	a := New(100)
	mustPublish(t, a, 40)
	mid := mustPublish(t, a, 20)
	mustPublish(t, a, 30)
	require.NoError(t, a.Free(mid))
	// 30 blocks free in two pieces of 20 and 10: 25 contiguous do not fit.
	_, err := a.Reserve(25)
	require.ErrorIs(t, err, ErrNoSpace)
	require.ErrorContains(t, err, "reserve 25 blocks (30 free, largest free extent 20)")
}

// Best fit: a small request takes the smallest hole that fits, leaving the
// large free area whole; ties go to the lowest offset.
func TestReserveBestFit(t *testing.T) {
	a := New(100)
	hole10 := mustReserve(t, a, 10) // [0,10)
	mustPublish(t, a, 5)            // [10,15)
	hole20 := mustReserve(t, a, 20) // [15,35)
	mustPublish(t, a, 5)            // [35,40)
	hole4 := mustReserve(t, a, 4)   // [40,44)
	mustPublish(t, a, 1)            // [44,45)
	require.NoError(t, a.Cancel(hole10))
	require.NoError(t, a.Cancel(hole20))
	require.NoError(t, a.Cancel(hole4))
	require.Equal(t, []Extent{{0, 10}, {15, 20}, {40, 4}, {45, 55}}, freeExtents(a))

	for _, c := range []struct{ n, off uint64 }{
		{4, 40},  // exact fit
		{8, 0},   // the 10-block hole, not the 55-block area
		{15, 15}, // the 20-block hole
		{2, 8},   // what is left of the 10-block hole
		{30, 45}, // only the large area fits
		{5, 30},  // the 5 left at 30, not the 25 left at 75
	} {
		e, err := a.Reserve(c.n)
		require.NoError(t, err)
		require.Equal(t, Extent{c.off, c.n}, e)
	}
	require.NoError(t, a.Check())
}

func TestReserveBestFitTiesGoLow(t *testing.T) {
	a := New(100)
	var holes []Extent
	for range 3 {
		holes = append(holes, mustReserve(t, a, 5))
		mustPublish(t, a, 1)
	}
	for i := len(holes) - 1; i >= 0; i-- {
		require.NoError(t, a.Cancel(holes[i]))
	}
	for _, h := range holes {
		require.Equal(t, h, mustReserve(t, a, 5), "equal holes are taken from the lowest offset up")
	}
}

// Each refused call must leave the state exactly as it was.
func requireRefused(t *testing.T, a *Allocator, err, want error, msg string) {
	t.Helper()
	before := countsOf(a)
	require.ErrorIs(t, err, want, msg)
	require.Equal(t, before, countsOf(a), msg)
	require.NoError(t, a.Check(), msg)
}

// fixture: 100 blocks with a reservation r [0,10), a published p [10,20),
// free space [20,100).
func fixture(t *testing.T) (a *Allocator, r, p Extent) {
	a = New(100)
	r = mustReserve(t, a, 10)
	p = mustPublish(t, a, 10)
	return a, r, p
}

func TestTransitionsRefused(t *testing.T) {
	type call struct {
		name string
		fn   func(*Allocator, Extent) error
	}
	cancel := call{"cancel", (*Allocator).Cancel}
	publish := call{"publish", (*Allocator).Publish}
	free := call{"free", (*Allocator).Free}
	cases := []struct {
		name string
		call call
		e    func(r, p Extent) Extent
		want error
	}{
		{"cancel empty", cancel, func(r, p Extent) Extent { return Extent{r.Off, 0} }, ErrInvalid},
		{"cancel beyond device", cancel, func(r, p Extent) Extent { return Extent{95, 10} }, ErrInvalid},
		{"cancel wrapping around", cancel, func(r, p Extent) Extent { return Extent{^uint64(0), 2} }, ErrInvalid},
		{"cancel shorter", cancel, func(r, p Extent) Extent { return Extent{r.Off, r.Len - 1} }, ErrNotReserved},
		{"cancel longer", cancel, func(r, p Extent) Extent { return Extent{r.Off, r.Len + 1} }, ErrNotReserved},
		{"cancel inside", cancel, func(r, p Extent) Extent { return Extent{r.Off + 1, 1} }, ErrNotReserved},
		{"cancel published", cancel, func(r, p Extent) Extent { return p }, ErrNotReserved},
		{"cancel free", cancel, func(r, p Extent) Extent { return Extent{50, 10} }, ErrNotReserved},
		{"publish empty", publish, func(r, p Extent) Extent { return Extent{r.Off, 0} }, ErrInvalid},
		{"publish shorter", publish, func(r, p Extent) Extent { return Extent{r.Off, r.Len - 1} }, ErrNotReserved},
		{"publish published", publish, func(r, p Extent) Extent { return p }, ErrNotReserved},
		{"publish free", publish, func(r, p Extent) Extent { return Extent{50, 10} }, ErrNotReserved},
		{"free empty", free, func(r, p Extent) Extent { return Extent{p.Off, 0} }, ErrInvalid},
		{"free beyond device", free, func(r, p Extent) Extent { return Extent{100, 1} }, ErrInvalid},
		{"free reserved", free, func(r, p Extent) Extent { return r }, ErrNotPublished},
		{"free part", free, func(r, p Extent) Extent { return Extent{p.Off, p.Len / 2} }, ErrNotPublished},
		{"free tail", free, func(r, p Extent) Extent { return Extent{p.Off + 1, p.Len - 1} }, ErrNotPublished},
		{"free more", free, func(r, p Extent) Extent { return Extent{p.Off, p.Len + 1} }, ErrNotPublished},
		{"free free", free, func(r, p Extent) Extent { return Extent{50, 10} }, ErrNotPublished},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, r, p := fixture(t)
			e := c.e(r, p)
			err := c.call.fn(a, e)
			requireRefused(t, a, err, c.want, c.name)
			require.ErrorContains(t, err, c.call.name+" "+e.String(), "the error names the call and the extent")
		})
	}
}

func TestRefusalsSayWhatIsThere(t *testing.T) {
	a, r, p := fixture(t)
	require.ErrorContains(t, a.Free(r), "reserved [0+10) there")
	require.ErrorContains(t, a.Cancel(Extent{p.Off, 3}), "used [10+10) there")
	require.ErrorContains(t, a.Free(Extent{60, 1}), "block 60 is in free [20+80)")
}

func TestLifecycle(t *testing.T) {
	a := New(100)
	e := mustReserve(t, a, 30)
	require.Equal(t, counts{free: 70, reserved: 30, largest: 70}, countsOf(a))
	require.NoError(t, a.Publish(e))
	require.Equal(t, counts{free: 70, used: 30, largest: 70}, countsOf(a))
	requireRefused(t, a, a.Publish(e), ErrNotReserved, "publish twice")
	require.NoError(t, a.Free(e))
	require.Equal(t, counts{free: 100, largest: 100}, countsOf(a))
	requireRefused(t, a, a.Free(e), ErrNotPublished, "double free")

	e = mustReserve(t, a, 30)
	require.NoError(t, a.Cancel(e))
	requireRefused(t, a, a.Cancel(e), ErrNotReserved, "cancel twice")
	requireRefused(t, a, a.Publish(e), ErrNotReserved, "publish after cancel")
	require.Equal(t, counts{free: 100, largest: 100}, countsOf(a))
}

// Freeing in any order merges neighbours back into one free extent.
func TestCoalesce(t *testing.T) {
	for _, order := range [][]int{{0, 1, 2}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {2, 1, 0}} {
		a := New(30)
		es := []Extent{mustPublish(t, a, 10), mustPublish(t, a, 10), mustPublish(t, a, 10)}
		for _, i := range order {
			require.NoError(t, a.Free(es[i]))
			require.NoError(t, a.Check(), "order %v", order)
		}
		require.Equal(t, []Extent{{0, 30}}, freeExtents(a), "order %v", order)
	}
}

func TestMarkUsed(t *testing.T) {
	cases := []struct {
		name string
		e    Extent
		want error
	}{
		{"inside free space", Extent{50, 10}, nil},
		{"at the start of free space", Extent{20, 5}, nil},
		{"at the end of the device", Extent{90, 10}, nil},
		{"all free space", Extent{20, 80}, nil},
		{"over a reservation", Extent{5, 10}, ErrOverlap},
		{"over a published extent", Extent{10, 10}, ErrOverlap},
		{"inside a published extent", Extent{12, 2}, ErrOverlap},
		{"ending in a published extent", Extent{0, 11}, ErrOverlap},
		{"starting in a published extent", Extent{19, 5}, ErrOverlap},
		{"beyond the device", Extent{95, 10}, ErrInvalid},
		{"empty", Extent{50, 0}, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _, _ := fixture(t)
			err := a.MarkUsed(c.e)
			if c.want != nil {
				requireRefused(t, a, err, c.want, c.name)
				return
			}
			require.NoError(t, err)
			require.Equal(t, 10+c.e.Len, a.UsedBlocks())
			require.NoError(t, a.Check())
			require.NoError(t, a.Free(c.e), "a marked extent is freed like a published one")
			require.Equal(t, []Extent{{20, 80}}, freeExtents(a))
		})
	}
}

func TestMarkUsedTwiceIsDoubleAllocation(t *testing.T) {
	a := New(100)
	require.NoError(t, a.MarkUsed(Extent{10, 10}))
	err := a.MarkUsed(Extent{15, 10})
	requireRefused(t, a, err, ErrOverlap, "overlapping references")
	require.ErrorContains(t, err, "mark used [15+10)")
}

// Check notices a broken state, and Free/Cancel refuse to build on one.
func TestCheckDetectsCorruption(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func(a *Allocator, r, p Extent)
	}{
		{"used overlaps free", func(a *Allocator, r, p Extent) { a.used[50] = 5; a.usedBlocks += 5 }},
		{"used overlaps reserved", func(a *Allocator, r, p Extent) { a.used[r.Off+1] = 2; a.usedBlocks += 2 }},
		{"free missing from size index", func(a *Allocator, r, p Extent) { a.bySize.Delete(Extent{20, 80}) }},
		{"gap", func(a *Allocator, r, p Extent) { delete(a.used, p.Off) }},
		{"counter off", func(a *Allocator, r, p Extent) { a.freeBlocks++ }},
		{"unmerged free", func(a *Allocator, r, p Extent) {
			a.removeFree(Extent{20, 80})
			a.addFree(Extent{20, 40})
			a.addFree(Extent{60, 40})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, r, p := fixture(t)
			c.corrupt(a, r, p)
			require.ErrorIs(t, a.Check(), ErrCorrupt)
		})
	}

	a, r, p := fixture(t)
	a.addFree(Extent{r.Off + 2, 1}) // a bug put a reserved block on the free list
	a.addFree(Extent{p.Off + 2, 1}) // and a used one
	before := countsOf(a)
	require.ErrorIs(t, a.Cancel(r), ErrCorrupt)
	require.ErrorIs(t, a.Free(p), ErrCorrupt)
	require.Equal(t, before, countsOf(a), "nothing changed on top of the broken state")
}

func TestConcurrentUse(t *testing.T) {
	const workers, rounds = 8, 500
	a := New(workers * 64)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var mine []Extent
			for i := range rounds {
				e, err := a.Reserve(uint64(1 + (w+i)%8))
				if err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					err = a.Cancel(e)
				} else {
					err = a.Publish(e)
					mine = append(mine, e)
				}
				if err == nil && len(mine) > 4 {
					err = a.Free(mine[0])
					mine = mine[1:]
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
			for _, e := range mine {
				if err := a.Free(e); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, a.Check())
	require.Equal(t, counts{free: workers * 64, largest: workers * 64}, countsOf(a))
}
