package vea

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Block states of the reference model.
const (
	mFree byte = iota
	mReserved
	mUsed
)

// model is the obvious allocator: one state byte per block, and the live
// extents in slices to pick from at random.
type model struct {
	blocks   []byte
	reserved []Extent
	used     []Extent
}

func (m *model) set(e Extent, s byte) {
	for i := e.Off; i < e.End(); i++ {
		m.blocks[i] = s
	}
}

func (m *model) count(s byte) uint64 {
	var n uint64
	for _, b := range m.blocks {
		if b == s {
			n++
		}
	}
	return n
}

// runs lists the maximal runs of blocks that isFree accepts.
func (m *model) runs(isFree func(byte) bool) []Extent {
	var out []Extent
	for i := 0; i < len(m.blocks); {
		if !isFree(m.blocks[i]) {
			i++
			continue
		}
		j := i
		for j < len(m.blocks) && isFree(m.blocks[j]) {
			j++
		}
		out = append(out, Extent{uint64(i), uint64(j - i)})
		i = j
	}
	return out
}

// bestFit is where the allocator's policy must place n blocks: the start of
// the smallest free run that holds them, the lowest among equals.
func (m *model) bestFit(n uint64) (uint64, bool) {
	var best Extent
	for _, r := range m.runs(func(b byte) bool { return b == mFree }) {
		if r.Len >= n && (best.Len == 0 || r.Len < best.Len) {
			best = r
		}
	}
	return best.Off, best.Len != 0
}

// take removes and returns element i of s.
func take(s *[]Extent, i int) Extent {
	e := (*s)[i]
	(*s)[i] = (*s)[len(*s)-1]
	*s = (*s)[:len(*s)-1]
	return e
}

func randomSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("VEA_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("seed %d (rerun with VEA_SEED=%d)", seed, seed)
	return seed
}

func TestRandomAgainstModel(t *testing.T) {
	const (
		total = 2048
		steps = 10000
	)
	rng := rand.New(rand.NewPCG(randomSeed(t), 0))
	a := New(total)
	m := &model{blocks: make([]byte, total)}
	tally := make(map[string]int)
	for step := range steps {
		op := randomStep(t, rng, a, m)
		tally[strings.SplitN(op, " [", 2)[0]]++
		require.Equal(t, m.count(mFree), a.FreeBlocks(), "step %d %s", step, op)
		require.Equal(t, m.count(mReserved), a.ReservedBlocks(), "step %d %s", step, op)
		require.Equal(t, m.count(mUsed), a.UsedBlocks(), "step %d %s", step, op)
		require.NoError(t, a.Check(), "step %d %s", step, op)
		if step%1000 == 999 {
			requireRebuildMatches(t, rng, a, m)
		}
	}
	requireRebuildMatches(t, rng, a, m)
	t.Logf("calls: %v", tally)
}

// randomStep does one random call on a and m and checks its outcome; it
// returns what it did for failure messages.
func randomStep(t *testing.T, rng *rand.Rand, a *Allocator, m *model) string {
	total := uint64(len(m.blocks))
	switch p := rng.IntN(100); {
	case p < 40:
		n := 1 + rng.Uint64N(16)
		if rng.IntN(10) == 0 {
			n = 1 + rng.Uint64N(total/4)
		}
		e, err := a.Reserve(n)
		off, fits := m.bestFit(n)
		if !fits {
			require.ErrorIs(t, err, ErrNoSpace, "reserve %d", n)
			return "reserve (no space)"
		}
		require.NoError(t, err, "reserve %d: the model has room", n)
		require.Equal(t, Extent{off, n}, e, "reserve %d: best fit", n)
		for i := e.Off; i < e.End(); i++ {
			require.Equal(t, mFree, m.blocks[i], "reserve %d returned %v over a live block %d", n, e, i)
		}
		m.set(e, mReserved)
		m.reserved = append(m.reserved, e)
		return "reserve " + e.String()
	case p < 60 && len(m.reserved) > 0:
		e := take(&m.reserved, rng.IntN(len(m.reserved)))
		require.NoError(t, a.Publish(e))
		m.set(e, mUsed)
		m.used = append(m.used, e)
		return "publish " + e.String()
	case p < 70 && len(m.reserved) > 0:
		e := take(&m.reserved, rng.IntN(len(m.reserved)))
		require.NoError(t, a.Cancel(e))
		m.set(e, mFree)
		return "cancel " + e.String()
	case p < 90 && len(m.used) > 0:
		e := take(&m.used, rng.IntN(len(m.used)))
		require.NoError(t, a.Free(e))
		m.set(e, mFree)
		return "free " + e.String()
	default:
		return randomBadCall(t, rng, a, m)
	}
}

// randomBadCall makes a call on an arbitrary extent, usually not allowed,
// and checks that the allocator accepts it exactly when the model does.
func randomBadCall(t *testing.T, rng *rand.Rand, a *Allocator, m *model) string {
	total := uint64(len(m.blocks))
	e := Extent{rng.Uint64N(total), 1 + rng.Uint64N(8)}
	if e.End() > total {
		e.Len = total - e.Off
	}
	isIn := func(list []Extent) int {
		for i, x := range list {
			if x == e {
				return i
			}
		}
		return -1
	}
	switch rng.IntN(3) {
	case 0:
		if i := isIn(m.reserved); i >= 0 {
			require.NoError(t, a.Cancel(e))
			take(&m.reserved, i)
			m.set(e, mFree)
			return "cancel (arbitrary, valid) " + e.String()
		}
		require.ErrorIs(t, a.Cancel(e), ErrNotReserved)
		return "cancel (arbitrary) " + e.String()
	case 1:
		if i := isIn(m.used); i >= 0 {
			require.NoError(t, a.Free(e))
			take(&m.used, i)
			m.set(e, mFree)
			return "free (arbitrary, valid) " + e.String()
		}
		require.ErrorIs(t, a.Free(e), ErrNotPublished)
		return "free (arbitrary) " + e.String()
	default:
		for i := e.Off; i < e.End(); i++ {
			if m.blocks[i] != mFree {
				require.ErrorIs(t, a.MarkUsed(e), ErrOverlap)
				return "mark used (overlapping) " + e.String()
			}
		}
		require.NoError(t, a.MarkUsed(e))
		m.set(e, mUsed)
		m.used = append(m.used, e)
		return "mark used " + e.String()
	}
}

// requireRebuildMatches plays recovery: a new allocator told about every
// used extent, in random order, must agree with the live one, reservations
// (never published) counting as free.
func requireRebuildMatches(t *testing.T, rng *rand.Rand, a *Allocator, m *model) {
	t.Helper()
	b := New(a.TotalBlocks())
	order := rng.Perm(len(m.used))
	for _, i := range order {
		require.NoError(t, b.MarkUsed(m.used[i]))
	}
	require.NoError(t, b.Check())
	require.Equal(t, a.UsedBlocks(), b.UsedBlocks())
	require.Equal(t, a.FreeBlocks()+a.ReservedBlocks(), b.FreeBlocks())
	require.Zero(t, b.ReservedBlocks())
	require.Equal(t, m.runs(func(s byte) bool { return s != mUsed }), freeExtents(b))
	if len(m.used) > 0 {
		e := m.used[rng.IntN(len(m.used))]
		require.ErrorIs(t, b.MarkUsed(e), ErrOverlap, "an extent referenced twice is caught")
	}
}
