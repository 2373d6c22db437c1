package vos

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/media/bdev"
)

// pendingConfigs are pools whose NVMe is a file on tmpfs (the mapping is
// the medium), a file elsewhere (msync at Commit, unless TempDir is tmpfs
// too), and no NVMe at all (heap buffers only).
func pendingConfigs(t *testing.T) map[string]StoreConfig {
	shm := shmDir(t)
	tmp := t.TempDir()
	return map[string]StoreConfig{
		"shm-nvme": {Dir: filepath.Join(shm, "scm"), LogMode: LogPMem, LogBytes: 1 << 20, NVMePath: filepath.Join(shm, "nvme"),
			Options: Options{SCMBytes: 32 << 20, NVMeBytes: 16 << 20}},
		"disk-nvme": {Dir: filepath.Join(tmp, "scm"), LogMode: LogFile, LogBytes: 1 << 20, NVMePath: filepath.Join(tmp, "nvme"),
			Options: Options{SCMBytes: 32 << 20, NVMeBytes: 16 << 20}},
		"no-nvme": {Dir: filepath.Join(t.TempDir(), "scm"), LogMode: LogFile, LogBytes: 4 << 20, Options: Options{SCMBytes: 32 << 20}},
	}
}

func fillPattern(b []byte, seed int) {
	for i := range b {
		b[i] = byte(seed*131 + i*7 + i>>9)
	}
}

// mixedUpdate is a large single value, an array of three extents (one
// below the inline threshold) and a small single value.
func mixedUpdate() []daos.IOD {
	return []daos.IOD{
		{Name: []byte("big"), Type: daos.IODSingle, Size: 1<<20 + 100},
		arr("arr", 4, daos.Recx{Idx: 0, Nr: 100}, daos.Recx{Idx: 1000, Nr: 5000}, daos.Recx{Idx: 20000, Nr: 1 << 16}),
		{Name: []byte("small"), Type: daos.IODSingle, Size: 10},
	}
}

// begin starts an update and fills its segments with the data that
// fillData describes, which it returns per IOD.
func beginFilled(t testing.TB, p *Pool, epoch daos.Epoch, dk string, iods []daos.IOD, seed int) (*PendingUpdate, [][]byte) {
	t.Helper()
	u, err := p.BeginUpdate(ctx, cid, oid1, epoch, []byte(dk), iods, UpdateOptions{})
	require.NoError(t, err)
	// The data the segments must hold, per IOD.
	var all []byte
	data := make([][]byte, len(iods))
	for i, iod := range iods {
		n := iod.Size
		if iod.Type == daos.IODArray {
			n = 0
			for _, r := range iod.Recxs {
				n += r.Nr * iod.Size
			}
		}
		data[i] = make([]byte, n)
		fillPattern(data[i], seed+i)
		all = append(all, data[i]...)
	}
	require.Equal(t, uint64(len(all)), u.Len())
	off := 0
	for _, s := range u.Segments() {
		off += copy(s, all[off:])
	}
	require.Equal(t, len(all), off)
	return u, data
}

func checkMixed(t *testing.T, p *Pool, epoch daos.Epoch, dk string, iods []daos.IOD, data [][]byte) {
	t.Helper()
	res, err := p.Fetch(ctx, cid, oid1, epoch, []byte(dk), iods, FetchOptions{})
	require.NoError(t, err)
	for i := range iods {
		require.True(t, bytes.Equal(data[i], res[i].Data), "IOD %q differs", iods[i].Name)
	}
}

func TestBeginCommitReadsBackAndSurvivesReopen(t *testing.T) {
	for name, cfg := range pendingConfigs(t) {
		t.Run(name, func(t *testing.T) {
			p, err := Create(ctx, cfg)
			require.NoError(t, err)
			require.NoError(t, p.CreateContainer(ctx, cid))
			require.Equal(t, cfg.NVMePath != "", p.ZeroCopyUpdates())
			iods := mixedUpdate()
			u, data := beginFilled(t, p, 1, "d", iods, 1)
			require.Equal(t, cfg.NVMePath != "", u.ZeroCopy())
			require.NoError(t, u.Commit(ctx))
			require.Error(t, u.Commit(ctx), "a second commit")
			u.Abort() // harmless after Commit
			checkMixed(t, p, 2, "d", iods, data)
			space := p.Space()
			if cfg.NVMePath != "" {
				// 1 MiB + 100 rounds up to 257 blocks; the array's two
				// large extents to 5 and 64 blocks.
				require.Equal(t, uint64(257+5+64)*4096, space.NVMeUsed)
			}
			// The same through Update reads back the same.
			require.NoError(t, p.Update(ctx, cid, oid1, 3, []byte("e"), iods, data, UpdateOptions{}))
			checkMixed(t, p, 3, "e", iods, data)
			space = p.Space()
			require.NoError(t, p.Close())

			q, err := Open(ctx, cfg.Dir)
			require.NoError(t, err)
			defer q.Close()
			require.Equal(t, space, q.Space())
			checkMixed(t, q, 2, "d", iods, data)
			checkMixed(t, q, 3, "e", iods, data)
		})
	}
}

func reservedBlocks(p *Pool) uint64 {
	if s, ok := p.nvme.(*nvmeStore); ok {
		return s.alloc.ReservedBlocks()
	}
	return 0
}

func TestBeginAbortLeavesNothing(t *testing.T) {
	for name, cfg := range pendingConfigs(t) {
		t.Run(name, func(t *testing.T) {
			p, err := Create(ctx, cfg)
			require.NoError(t, err)
			defer p.Close()
			require.NoError(t, p.CreateContainer(ctx, cid))
			before := p.Space()
			iods := mixedUpdate()
			u, _ := beginFilled(t, p, 1, "d", iods, 1)
			if cfg.NVMePath != "" {
				require.NotZero(t, reservedBlocks(p))
			}
			u.Abort()
			u.Abort()
			require.Nil(t, u.Segments())
			require.Error(t, u.Commit(ctx), "commit after abort")
			require.Equal(t, before, p.Space())
			require.Zero(t, reservedBlocks(p))
			res, err := p.Fetch(ctx, cid, oid1, daos.EpochMax, []byte("d"), iods, FetchOptions{})
			require.NoError(t, err)
			for i := range res {
				require.True(t, allZero(res[i].Data), "IOD %q holds data", iods[i].Name)
			}

			// Refused at Commit (a condition; a checksum that does not
			// match): nothing is left either.
			u, data := beginFilled(t, p, 2, "d", iods, 2)
			require.NoError(t, u.Commit(ctx))
			used := p.Space()
			u, err = p.BeginUpdate(ctx, cid, oid1, 3, []byte("d"), iods, UpdateOptions{Flags: daos.CondDkeyInsert})
			require.NoError(t, err)
			require.ErrorIs(t, u.Commit(ctx), daos.ErrExist)
			require.Equal(t, used, p.Space())
			require.Zero(t, reservedBlocks(p))
			csums := [][][]byte{{[]byte("x")}, {nil, nil, nil}, {nil}}
			u, err = p.BeginUpdate(ctx, cid, oid1, 3, []byte("d"), iods,
				UpdateOptions{Csums: csums, Verify: func(data, csum []byte) bool { return false }})
			require.NoError(t, err)
			require.ErrorIs(t, u.Commit(ctx), daos.ErrCsum)
			require.Equal(t, used, p.Space())
			require.Zero(t, reservedBlocks(p))
			checkMixed(t, p, daos.EpochMax, "d", iods, data)

			// A cancelled commit gives back its space too.
			u, _ = beginFilled(t, p, 4, "d", iods, 4)
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			require.Error(t, u.Commit(cctx))
			require.Equal(t, used, p.Space())
			require.Zero(t, reservedBlocks(p))
		})
	}
}

// TestBeginRefusesWhatUpdateRefuses: shapes are checked at Begin, and a
// device too full fails there with nothing reserved.
func TestBeginRefusesWhatUpdateRefuses(t *testing.T) {
	cfg := pendingConfigs(t)["shm-nvme"]
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.CreateContainer(ctx, cid))
	_, err = p.BeginUpdate(ctx, cid, oid1, 0, []byte("d"), mixedUpdate(), UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
	_, err = p.BeginUpdate(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", "x"), sv("a", "y")}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
	require.Zero(t, reservedBlocks(p))
	// 16 MiB of NVMe: fifteen 1 MiB values fit, then one of 2 MiB does not.
	var held []*PendingUpdate
	for i := range 15 {
		u, err := p.BeginUpdate(ctx, cid, oid1, 1, []byte(fmt.Sprint(i)), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1 << 20}}, UpdateOptions{})
		require.NoError(t, err)
		held = append(held, u)
	}
	_, err = p.BeginUpdate(ctx, cid, oid1, 1, []byte("x"), []daos.IOD{
		{Name: []byte("a"), Type: daos.IODSingle, Size: 1 << 20},
		{Name: []byte("b"), Type: daos.IODSingle, Size: 2 << 20}}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrNospace)
	require.Equal(t, uint64(15<<20)/4096, reservedBlocks(p), "the failed begin's first reservation is given back")
	for _, u := range held {
		u.Abort()
	}
	require.Zero(t, reservedBlocks(p))
}

// TestBeginCommitUnmappedDevice: a device that cannot be mapped gets heap
// buffers, written to it at Commit as Update writes them.
func TestBeginCommitUnmappedDevice(t *testing.T) {
	p := newTestPool(t)
	dev, err := bdev.NewMem(8 << 20)
	require.NoError(t, err)
	p.nvme = newNVMeStore(dev)
	require.False(t, p.ZeroCopyUpdates())
	iods := mixedUpdate()
	u, data := beginFilled(t, p, 1, "d", iods, 5)
	require.False(t, u.ZeroCopy())
	require.NoError(t, u.Commit(ctx))
	checkMixed(t, p, 1, "d", iods, data)
	require.Equal(t, uint64(257+5+64)*4096, p.Space().NVMeUsed)
}

// TestPendingAcrossCloseLeaksNothing: an update begun and filled but not
// committed when the pool goes away (a crash: reservations live only in
// memory) leaves no trace and no space used after reopening, and the
// pending update's memory stays safe to touch until it is aborted.
func TestPendingAcrossCloseLeaksNothing(t *testing.T) {
	for name, cfg := range pendingConfigs(t) {
		t.Run(name, func(t *testing.T) {
			p, err := Create(ctx, cfg)
			require.NoError(t, err)
			require.NoError(t, p.CreateContainer(ctx, cid))
			iods := mixedUpdate()
			u, data := beginFilled(t, p, 1, "d", iods, 1)
			require.NoError(t, u.Commit(ctx))
			space := p.Space()
			v, _ := beginFilled(t, p, 2, "d", iods, 2)
			require.NoError(t, p.Close())
			for _, s := range v.Segments() {
				s[0] ^= 0xff // mapped still
			}
			require.Error(t, v.Commit(ctx), "commit after close")
			v.Abort()

			q, err := Open(ctx, cfg.Dir)
			require.NoError(t, err)
			defer q.Close()
			require.Equal(t, space, q.Space())
			require.Zero(t, reservedBlocks(q))
			checkMixed(t, q, daos.EpochMax, "d", iods, data)
		})
	}
}

func TestBeginCommitConcurrent(t *testing.T) {
	cfg := pendingConfigs(t)["shm-nvme"]
	cfg.NVMeBytes = 64 << 20
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.CreateContainer(ctx, cid))
	const writers, rounds = 8, 12
	iods := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 300 << 10}, sv("s", "tiny")}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				u, err := p.BeginUpdate(ctx, cid, oid1, daos.Epoch(1+r), []byte(fmt.Sprint(w)), iods, UpdateOptions{})
				if err != nil {
					errs <- err
					return
				}
				for i, s := range u.Segments() {
					fillPattern(s, w*1000+r*10+i)
				}
				if r%3 == 2 {
					u.Abort()
					continue
				}
				if err := u.Commit(ctx); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, reservedBlocks(p))
	// Every committed version reads back, each in its own extent.
	for w := range writers {
		for r := range rounds {
			if r%3 == 2 {
				continue
			}
			res, err := p.Fetch(ctx, cid, oid1, daos.Epoch(1+r), []byte(fmt.Sprint(w)), iods, FetchOptions{})
			require.NoError(t, err)
			want := make([]byte, 300<<10)
			fillPattern(want, w*1000+r*10)
			require.True(t, bytes.Equal(want, res[0].Data), "writer %d round %d", w, r)
		}
	}
	require.Equal(t, uint64(writers*rounds*2/3*75*4096), p.Space().NVMeUsed)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
