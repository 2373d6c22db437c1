package vos

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

// joined is a mapped fetch's data of IOD i in one buffer.
func joined(f *MappedFetch, i int) []byte {
	var out []byte
	for _, s := range f.Segments(i) {
		out = append(out, s...)
	}
	return out
}

// mapsReads reports whether p's fetches may hand out device memory.
func mapsReads(p *Pool) bool { return p.nvme != nil && p.nvme.readMapper() != nil }

// garbage is caller memory full of bytes no value holds: a fetch that
// left any of it in place would show.
func garbage(n uint64) []byte { return bytes.Repeat([]byte{0xee}, int(n)) }

func TestBeginFetchMatchesFetch(t *testing.T) {
	for name, cfg := range pendingConfigs(t) {
		t.Run(name, func(t *testing.T) {
			p, err := Create(ctx, cfg)
			require.NoError(t, err)
			defer p.Close()
			require.NoError(t, p.CreateContainer(ctx, cid))
			// A large single value, and an array with a small extent, two
			// large ones and, at epoch 2, one over part of them.
			iods := mixedUpdate()
			u, _ := beginFilled(t, p, 1, "d", iods, 1)
			require.NoError(t, u.Commit(ctx))
			over := make([]byte, 4*4096)
			fillPattern(over, 9)
			require.NoError(t, p.Update(ctx, cid, oid1, 2, []byte("d"),
				[]daos.IOD{arr("arr", 4, daos.Recx{Idx: 3000, Nr: 4096})}, [][]byte{over}, UpdateOptions{}))

			reads := []daos.IOD{
				{Name: []byte("big"), Type: daos.IODSingle, Size: 2 << 20},
				// Holes, sub-ranges at odd offsets, pieces split by the
				// overwrite, and a range past everything written.
				arr("arr", 4, daos.Recx{Idx: 0, Nr: 30000}, daos.Recx{Idx: 1001, Nr: 777}, daos.Recx{Idx: 20003, Nr: 40000},
					daos.Recx{Idx: 5999, Nr: 3}, daos.Recx{Idx: 7095, Nr: 2}, daos.Recx{Idx: 1 << 20, Nr: 5}),
				{Name: []byte("small"), Type: daos.IODSingle, Size: 10},
				{Name: []byte("none"), Type: daos.IODSingle, Size: 10},
				arr("none", 4, daos.Recx{Idx: 7, Nr: 9}),
			}
			for _, epoch := range []daos.Epoch{1, 2, daos.EpochMax} {
				want, err := p.Fetch(ctx, cid, oid1, epoch, []byte("d"), reads, FetchOptions{})
				require.NoError(t, err)
				for _, withBufs := range []bool{false, true} {
					var bufs [][]byte
					if withBufs {
						for _, iod := range reads {
							n := iod.Size
							if iod.Type == daos.IODArray {
								n *= totalRecords(iod.Recxs)
							}
							bufs = append(bufs, garbage(n))
						}
					}
					res := make([]FetchResult, len(reads))
					f, err := p.BeginFetch(ctx, cid, oid1, epoch, []byte("d"), reads, bufs, res, FetchOptions{})
					require.NoError(t, err)
					require.Equal(t, mapsReads(p), f.ZeroCopy())
					for i := range reads {
						require.Equal(t, want[i].Size, res[i].Size, "IOD %d", i)
						require.Equal(t, want[i].Extents, res[i].Extents, "IOD %d", i)
						require.Equal(t, want[i].Csums, res[i].Csums, "IOD %d", i)
						require.True(t, bytes.Equal(want[i].Data, joined(f, i)), "epoch %d bufs %v: IOD %d differs", epoch, withBufs, i)
					}
					if f.ZeroCopy() {
						require.Nil(t, res[0].Data, "the value is in the segments only")
						require.Greater(t, len(f.Segments(1)), 3, "the array's pieces are segments")
					}
					f.End()
					f.End() // harmless
				}
			}
			// Sizes only: nothing to map.
			res := make([]FetchResult, 1)
			f, err := p.BeginFetch(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{{Name: []byte("big"), Type: daos.IODSingle, Size: daos.RecAny}}, nil, res, FetchOptions{})
			require.NoError(t, err)
			require.False(t, f.ZeroCopy())
			require.Equal(t, uint64(1<<20+100), res[0].Size)
			require.Nil(t, f.Segments(0))
			f.End()
		})
	}
}

// versioned is a 1 MiB value that says which version it is in its first
// bytes and is a pattern of that version throughout.
func versioned(seed int) []byte {
	b := make([]byte, 1<<20)
	fillPattern(b, seed)
	binary.LittleEndian.PutUint64(b, uint64(seed))
	return b
}

// isVersioned reports (with t.Errorf, for any goroutine) whether got is
// one whole version.
func isVersioned(t *testing.T, got []byte) bool {
	t.Helper()
	if len(got) != 1<<20 {
		t.Errorf("%d bytes, want %d", len(got), 1<<20)
		return false
	}
	seed := int(binary.LittleEndian.Uint64(got))
	if !bytes.Equal(versioned(seed), got) {
		t.Errorf("bytes of version %d differ", seed)
		return false
	}
	return true
}

func shmConfig(t *testing.T, nvmeBytes uint64) StoreConfig {
	shm := shmDir(t)
	return StoreConfig{Dir: filepath.Join(shm, "scm"), LogMode: LogPMem, LogBytes: 4 << 20, NVMePath: filepath.Join(shm, "nvme"),
		Options: Options{SCMBytes: 32 << 20, NVMeBytes: nvmeBytes}}
}

var bigIOD = []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 1 << 20}}

// TestMappedFetchHoldsExtents: what frees a fetched value's extent
// (aggregation of newer versions, a container's destroy) leaves it
// allocated, and its bytes unchanged, until the fetch ends, however much
// is written meanwhile on a device small enough that a freed extent would
// be reused at once.
func TestMappedFetchHoldsExtents(t *testing.T) {
	p, err := Create(ctx, shmConfig(t, 3<<20))
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	if !mapsReads(p) {
		t.Skip("no RAM-backed device here")
	}
	require.NoError(t, p.CreateContainer(ctx, cid))
	put := func(epoch daos.Epoch, seed int) {
		t.Helper()
		require.NoError(t, p.Update(ctx, cid, oid1, epoch, []byte("d"), bigIOD, [][]byte{versioned(seed)}, UpdateOptions{}))
	}
	put(1, 1)
	res := make([]FetchResult, 1)
	f, err := p.BeginFetch(ctx, cid, oid1, daos.EpochMax, []byte("d"), bigIOD, nil, res, FetchOptions{})
	require.NoError(t, err)
	t.Cleanup(f.End) // before Close, should the test fail
	require.True(t, f.ZeroCopy())
	for e := daos.Epoch(2); e < 12; e++ {
		put(e, int(e))
		_, err := p.Aggregate(ctx, cid, e+1)
		require.NoError(t, err)
		// Version 1 is out of the index but still allocated: the one
		// visible and the one pinned.
		require.Equal(t, uint64(2<<20), p.Space().NVMeUsed, "epoch %d", e)
	}
	got := joined(f, 0)
	require.Equal(t, versioned(1), got)
	f.End()
	require.Equal(t, uint64(1<<20), p.Space().NVMeUsed, "version 1 freed at End")

	// A destroyed container's values wait for the fetch as well.
	f, err = p.BeginFetch(ctx, cid, oid1, daos.EpochMax, []byte("d"), bigIOD, nil, res, FetchOptions{})
	require.NoError(t, err)
	t.Cleanup(f.End)
	require.NoError(t, p.DestroyContainer(ctx, cid))
	require.NoError(t, p.CreateContainer(ctx, cid))
	put(20, 20)
	put(21, 21) // the device holds three: the pinned one and these
	require.ErrorIs(t, p.Update(ctx, cid, oid1, 22, []byte("e"), bigIOD, [][]byte{versioned(22)}, UpdateOptions{}), daos.ErrNospace)
	require.Equal(t, versioned(11), joined(f, 0))
	f.End()
	require.NoError(t, p.Update(ctx, cid, oid1, 23, []byte("e"), bigIOD, [][]byte{versioned(23)}, UpdateOptions{}))
}

// TestMappedFetchRace: fetches that hold the device's memory a while,
// racing with overwrites, punches, aggregation and same-epoch
// replacement, only ever see one whole committed version.
func TestMappedFetchRace(t *testing.T) {
	p, err := Create(ctx, shmConfig(t, 8<<20))
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.CreateContainer(ctx, cid))
	require.NoError(t, p.Update(ctx, cid, oid1, 1, []byte("d"), bigIOD, [][]byte{versioned(1)}, UpdateOptions{}))
	var stop atomic.Bool
	var wg sync.WaitGroup
	var fetches, zeroCopy atomic.Int64
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := make([]FetchResult, 1)
			for !stop.Load() {
				f, err := p.BeginFetch(ctx, cid, oid1, daos.EpochMax, []byte("d"), bigIOD, nil, res, FetchOptions{})
				if !assertNoErr(t, err) {
					return
				}
				if res[0].Size == 0 {
					f.End() // punched just now
					continue
				}
				first := joined(f, 0)
				time.Sleep(100 * time.Microsecond) // a push takes a while
				second := joined(f, 0)
				if f.ZeroCopy() {
					zeroCopy.Add(1)
				}
				f.End()
				if !isVersioned(t, first) {
					return
				}
				if !bytes.Equal(first, second) {
					t.Error("the bytes changed under the fetch")
					return
				}
				fetches.Add(1)
			}
		}()
	}
	epoch := daos.Epoch(2)
	deadline := time.Now().Add(time.Second)
	for i := 0; (time.Now().Before(deadline) || fetches.Load() < 20) && !t.Failed(); i++ {
		switch i % 4 {
		case 0, 1:
			require.NoError(t, p.Update(ctx, cid, oid1, epoch, []byte("d"), bigIOD, [][]byte{versioned(int(epoch))}, UpdateOptions{}))
		case 2:
			// Replaces the version of the same epoch (frees it).
			require.NoError(t, p.Update(ctx, cid, oid1, epoch-1, []byte("d"), bigIOD, [][]byte{versioned(int(epoch) + 1000)}, UpdateOptions{}))
		case 3:
			require.NoError(t, p.PunchAkeys(ctx, cid, oid1, epoch, []byte("d"), [][]byte{[]byte("v")}, PunchOptions{}))
		}
		_, err := p.Aggregate(ctx, cid, epoch)
		require.NoError(t, err)
		epoch++
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d fetches (%d zero-copy) against %d epochs", fetches.Load(), zeroCopy.Load(), epoch)
	if mapsReads(p) {
		require.Positive(t, zeroCopy.Load())
	}
	// Nothing pinned once the fetches are done, and after aggregating
	// everything written only the newest version is left.
	require.Empty(t, p.nvme.(*nvmeStore).readers.pinned)
	_, err = p.Aggregate(ctx, cid, epoch)
	require.NoError(t, err)
	require.LessOrEqual(t, p.Space().NVMeUsed, uint64(1<<20))
}

func assertNoErr(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}

// TestMappedFetchCloseAndFailures: Close waits for a mapped fetch to end
// (the device must not go, nor its space be reused, under a push), and a
// fetch that fails (a CRC mismatch) holds nothing.
func TestMappedFetchCloseAndFailures(t *testing.T) {
	cfg := shmConfig(t, 4<<20)
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	if !mapsReads(p) {
		p.Close()
		t.Skip("no RAM-backed device here")
	}
	require.NoError(t, p.CreateContainer(ctx, cid))
	require.NoError(t, p.Update(ctx, cid, oid1, 1, []byte("d"), bigIOD, [][]byte{versioned(1)}, UpdateOptions{}))
	res := make([]FetchResult, 1)
	f, err := p.BeginFetch(ctx, cid, oid1, daos.EpochMax, []byte("d"), bigIOD, nil, res, FetchOptions{})
	require.NoError(t, err)
	t.Cleanup(f.End)
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a mapped fetch was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	require.Equal(t, versioned(1), joined(f, 0))
	f.End()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs after the fetch ended")
	}

	// A corrupt extent: the mapped fetch checks its CRC, as a read does,
	// and its failure leaves nothing pinned.
	q, err := Open(ctx, cfg.Dir)
	require.NoError(t, err)
	dev, err := os.OpenFile(cfg.NVMePath, os.O_RDWR, 0)
	require.NoError(t, err)
	_, err = dev.WriteAt([]byte("corrupt"), 5000)
	require.NoError(t, err)
	require.NoError(t, dev.Close())
	_, err = q.BeginFetch(ctx, cid, oid1, daos.EpochMax, []byte("d"), bigIOD, nil, res, FetchOptions{})
	require.ErrorIs(t, err, daos.ErrCsum)
	_, err = q.Fetch(ctx, cid, oid1, daos.EpochMax, []byte("d"), bigIOD, FetchOptions{})
	require.ErrorIs(t, err, daos.ErrCsum, "the copying path agrees")
	done := make(chan error, 1)
	go func() { done <- q.Close() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs after a failed mapped fetch")
	}
}
