package bdev

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var errInjected = errors.New("injected test fault")

func newFaultyMem(t *testing.T, size int64) *Faulty {
	t.Helper()
	m, err := NewMem(size)
	require.NoError(t, err)
	return NewFaulty(m)
}

func TestFaultyFailNth(t *testing.T) {
	ctx := context.Background()
	blk := func(seed int) []byte { return pattern(seed, BlockSize) }
	cases := []struct {
		name string
		arm  func(f *Faulty, n int)
		call func(f *Faulty, i int) error
	}{
		{"read", func(f *Faulty, n int) { f.FailRead(n, errInjected) },
			func(f *Faulty, i int) error { return f.ReadAt(ctx, make([]byte, BlockSize), 0) }},
		{"write", func(f *Faulty, n int) { f.FailWrite(n, errInjected) },
			func(f *Faulty, i int) error { return f.WriteAt(ctx, blk(i), int64(i)*BlockSize) }},
		{"sync", func(f *Faulty, n int) { f.FailSync(n, errInjected) },
			func(f *Faulty, i int) error { return f.Sync(ctx) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFaultyMem(t, 1<<20)
			c.arm(f, 3)
			for i := 1; i <= 6; i++ {
				err := c.call(f, i)
				if i == 3 {
					require.ErrorIs(t, err, errInjected, "call %d", i)
				} else {
					require.NoError(t, err, "call %d: the fault fires once", i)
				}
			}
		})
	}
}

func TestFaultyFailedWriteChangesNothing(t *testing.T) {
	ctx := context.Background()
	f := newFaultyMem(t, 1<<20)
	f.FailWrite(1, errInjected)
	require.ErrorIs(t, f.WriteAt(ctx, pattern(1, BlockSize), 0), errInjected)
	got := make([]byte, BlockSize)
	require.NoError(t, f.ReadAt(ctx, got, 0))
	require.Equal(t, make([]byte, BlockSize), got)
	require.Zero(t, f.Unsynced())

	f.FailWrite(1, nil) // disarmed: nothing fires
	require.NoError(t, f.WriteAt(ctx, pattern(1, BlockSize), 0))
}

func TestFaultyFailedSyncKeepsWritesUnsynced(t *testing.T) {
	ctx := context.Background()
	f := newFaultyMem(t, 1<<20)
	require.NoError(t, f.WriteAt(ctx, pattern(1, 4*BlockSize), 0))
	f.FailSync(1, errInjected)
	require.ErrorIs(t, f.Sync(ctx), errInjected)
	require.Equal(t, 4, f.Unsynced())
	res, err := f.Crash(ctx, CrashDrop, nil)
	require.NoError(t, err)
	require.Equal(t, CrashResult{Lost: 4}, res)
	got := make([]byte, 4*BlockSize)
	require.NoError(t, f.ReadAt(ctx, got, 0))
	require.Equal(t, make([]byte, 4*BlockSize), got, "a failed sync made nothing durable")
}

func TestFaultyCrashDrop(t *testing.T) {
	ctx := context.Background()
	f := newFaultyMem(t, 1<<20)
	synced := pattern(1, 8*BlockSize)
	require.NoError(t, f.WriteAt(ctx, synced, 0))
	require.NoError(t, f.Sync(ctx))
	require.Zero(t, f.Unsynced())

	// Overwrite half the synced blocks twice and write four fresh ones.
	require.NoError(t, f.WriteAt(ctx, pattern(2, 8*BlockSize), 4*BlockSize))
	require.NoError(t, f.WriteAt(ctx, pattern(3, 8*BlockSize), 4*BlockSize))
	require.Equal(t, 8, f.Unsynced())

	res, err := f.Crash(ctx, CrashDrop, nil)
	require.NoError(t, err)
	require.Equal(t, CrashResult{Lost: 8}, res)
	require.Zero(t, f.Unsynced())

	got := make([]byte, 12*BlockSize)
	require.NoError(t, f.ReadAt(ctx, got, 0))
	want := append(append([]byte{}, synced...), make([]byte, 4*BlockSize)...)
	require.True(t, bytes.Equal(want, got), "only synced content survives")

	_, err = f.Crash(ctx, CrashTear, nil)
	require.ErrorIs(t, err, ErrNoRand)
}

func TestFaultyCrashTear(t *testing.T) {
	const blocks = 64
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	ctx := context.Background()
	f := newFaultyMem(t, 1<<20)
	old := pattern(1, blocks*BlockSize)
	require.NoError(t, f.WriteAt(ctx, old, 0))
	require.NoError(t, f.Sync(ctx))
	cur := pattern(2, blocks*BlockSize)
	require.NoError(t, f.WriteAt(ctx, cur, 0))

	res, err := f.Crash(ctx, CrashTear, rand.New(rand.NewPCG(seed, 0)))
	require.NoError(t, err)
	require.Equal(t, blocks, res.Kept+res.Lost)

	got := make([]byte, blocks*BlockSize)
	require.NoError(t, f.ReadAt(ctx, got, 0))
	var kept, lost int
	for i := range blocks {
		b := got[i*BlockSize : (i+1)*BlockSize]
		switch {
		case bytes.Equal(b, cur[i*BlockSize:(i+1)*BlockSize]):
			kept++
		case bytes.Equal(b, old[i*BlockSize:(i+1)*BlockSize]):
			lost++
		default:
			t.Fatalf("block %d is neither the synced nor the newest content", i)
		}
	}
	require.Equal(t, CrashResult{Kept: kept, Lost: lost}, res)
	require.NotZero(t, kept, "a 64-block write torn at random keeps some blocks")
	require.NotZero(t, lost, "and loses some")
}

func TestFaultyCrashSameSeedSameTear(t *testing.T) {
	ctx := context.Background()
	tear := func() []byte {
		f := newFaultyMem(t, 1<<20)
		require.NoError(t, f.WriteAt(ctx, pattern(5, 32*BlockSize), 0))
		_, err := f.Crash(ctx, CrashTear, rand.New(rand.NewPCG(42, 7)))
		require.NoError(t, err)
		got := make([]byte, 32*BlockSize)
		require.NoError(t, f.ReadAt(ctx, got, 0))
		return got
	}
	require.Equal(t, tear(), tear())
}

// A crash over a file device is itself durable: what the restarted node
// reads after reopening is the post-crash content.
func TestFaultyCrashOverFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dev.img")
	d, err := CreateFile(path, 1<<20)
	require.NoError(t, err)
	f := NewFaulty(d)
	synced := pattern(1, 4*BlockSize)
	require.NoError(t, f.WriteAt(ctx, synced, 0))
	require.NoError(t, f.Sync(ctx))
	require.NoError(t, f.WriteAt(ctx, pattern(2, 4*BlockSize), 0))
	_, err = f.Crash(ctx, CrashDrop, nil)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	d, err = OpenFile(path)
	require.NoError(t, err)
	defer d.Close()
	got := make([]byte, 4*BlockSize)
	require.NoError(t, d.ReadAt(ctx, got, 0))
	require.True(t, bytes.Equal(synced, got))
}

// Writers racing with Sync: whatever a completed Sync covered is never
// undone by a crash, whatever came after is.
func TestFaultyConcurrentWritesAndSync(t *testing.T) {
	const writers, rounds = 4, 50
	ctx := context.Background()
	f := newFaultyMem(t, writers*BlockSize)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				if err := f.WriteAt(ctx, pattern(w*rounds+r, BlockSize), int64(w)*BlockSize); err != nil {
					t.Error(err)
					return
				}
				if r%10 == 9 {
					if err := f.Sync(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, f.Sync(ctx))
	require.NoError(t, f.WriteAt(ctx, make([]byte, writers*BlockSize), 0))
	_, err := f.Crash(ctx, CrashDrop, nil)
	require.NoError(t, err)
	got := make([]byte, writers*BlockSize)
	require.NoError(t, f.ReadAt(ctx, got, 0))
	for w := range writers {
		require.Equal(t, pattern(w*rounds+rounds-1, BlockSize), got[w*BlockSize:(w+1)*BlockSize], "writer %d", w)
	}
}
