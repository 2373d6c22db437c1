package vos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/media/bdev"
)

// TestConcurrentUpdatesShareSyncs: updates from many goroutines on a
// journal file (MD-on-SSD mode, fdatasync per commit) are acknowledged
// after fewer syncs than updates, and all of them survive a reopen.
func TestConcurrentUpdatesShareSyncs(t *testing.T) {
	dir := t.TempDir()
	p, err := Create(ctx, StoreConfig{Dir: dir, LogMode: LogFile, LogBytes: 16 << 20, Options: Options{SCMBytes: 64 << 20}})
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	before := p.store.log.Commits()
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				dk := fmt.Sprintf("w%d-%d", w, i)
				if err := p.Update(ctx, cid, oid1, daos.Epoch(1+i), []byte(dk), []daos.IOD{sv("a", dk)}, [][]byte{[]byte(dk)}, UpdateOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.False(t, t.Failed())
	syncs := p.store.log.Commits() - before
	t.Logf("%d updates, %d syncs", writers*each, syncs)
	require.Less(t, syncs, int64(writers*each), "concurrent updates should share syncs")
	require.NoError(t, p.Close())

	q, err := Open(ctx, dir)
	require.NoError(t, err)
	defer q.Close()
	for w := range writers {
		for i := range each {
			dk := fmt.Sprintf("w%d-%d", w, i)
			res, err := q.Fetch(ctx, cid, oid1, daos.EpochMax, []byte(dk), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 64}}, FetchOptions{})
			require.NoError(t, err)
			require.Equal(t, dk, string(res[0].Data))
		}
	}
}

// gatedJournal keeps records in memory and makes staged ones durable only
// when the test opens the gate, or fails them.
type gatedJournal struct {
	memJournal
	mu     sync.Mutex
	staged atomic.Int64
	gate   chan struct{}
	fail   error
}

func (j *gatedJournal) Stage(_ context.Context, typ uint8, payload []byte) (uint64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.records = append(j.records, journalRecord{typ, append([]byte(nil), payload...)})
	j.staged.Add(1)
	return uint64(len(j.records)), nil
}

func (j *gatedJournal) WaitDurable(ctx context.Context, lsn uint64) error {
	select {
	case <-j.gate:
		return j.fail
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestReadsWaitForDurability: an update applied to the index but not yet
// durable is not returned by a fetch or an enumeration until it is.
func TestReadsWaitForDurability(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%v", fail), func(t *testing.T) {
			p, err := NewPool(Options{SCMBytes: 64 << 20})
			require.NoError(t, err)
			require.NoError(t, p.CreateContainer(ctx, cid))
			j := &gatedJournal{gate: make(chan struct{})}
			if fail {
				j.fail = errors.New("injected sync failure")
			}
			p.journal = j

			updated := make(chan error, 1)
			go func() {
				updated <- p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", "v")}, [][]byte{[]byte("v")}, UpdateOptions{})
			}()
			waitStaged(t, j, 1, "the update never staged")
			fetched := make(chan error, 1)
			listed := make(chan error, 1)
			go func() {
				res, err := p.Fetch(ctx, cid, oid1, 5, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 64}}, FetchOptions{})
				if err == nil && string(res[0].Data) != "v" {
					err = fmt.Errorf("fetch returned %q", res[0].Data)
				}
				fetched <- err
			}()
			go func() {
				_, err := p.ListDkeys(cid, oid1, 5, &Anchor{}, 10, ReadOptions{})
				listed <- err
			}()
			select {
			case err := <-fetched:
				t.Fatalf("fetch returned before the update was durable: %v", err)
			case err := <-listed:
				t.Fatalf("enumeration returned before the update was durable: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
			close(j.gate)
			if fail {
				require.ErrorIs(t, <-updated, daos.ErrIo)
				require.ErrorIs(t, <-fetched, daos.ErrIo)
				require.ErrorIs(t, <-listed, daos.ErrIo)
				err := p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{sv("a", "w")}, [][]byte{[]byte("w")}, UpdateOptions{})
				require.ErrorIs(t, err, daos.ErrIo, "the pool stopped taking updates")
				return
			}
			require.NoError(t, <-updated)
			require.NoError(t, <-fetched)
			require.NoError(t, <-listed)
		})
	}
}

// TestSyncGroup: callers that arrive during a sync are covered by the next
// one, which they share; a failed sync fails everyone after it; a waiter
// whose context ends gives up alone.
func TestSyncGroup(t *testing.T) {
	var g syncGroup
	release := make(chan struct{})
	var calls atomic.Int64
	slow := func(context.Context) error {
		calls.Add(1)
		<-release
		return nil
	}
	first := make(chan error, 1)
	go func() { first <- g.sync(ctx, slow) }()
	for i := 0; calls.Load() == 0; i++ {
		require.Less(t, i, 5000, "the first sync never started")
		time.Sleep(time.Millisecond)
	}
	// Eight callers arrive while the first round runs.
	var wg, ready sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		ready.Add(1)
		wg.Go(func() {
			ready.Done()
			errs <- g.sync(ctx, slow)
		})
	}
	ready.Wait()
	time.Sleep(20 * time.Millisecond) // let them reach the wait
	cctx, cancel := context.WithCancel(ctx)
	cancelled := make(chan error, 1)
	go func() { cancelled <- g.sync(cctx, slow) }()
	cancel()
	require.ErrorIs(t, <-cancelled, context.Canceled)
	close(release)
	wg.Wait()
	close(errs)
	require.NoError(t, <-first)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int64(2), calls.Load(), "the latecomers share one more sync")

	boom := errors.New("injected sync failure")
	require.ErrorIs(t, g.sync(ctx, func(context.Context) error { return boom }), boom)
	require.ErrorIs(t, g.sync(ctx, func(context.Context) error { return nil }), boom, "a failed sync is sticky")
}

// TestConcurrentLargeUpdatesShareNVMeSyncs: values that go to NVMe are
// written and synced outside the pool's lock, so concurrent updates share
// device syncs; all of them are readable after a reopen.
func TestConcurrentLargeUpdatesShareNVMeSyncs(t *testing.T) {
	dir := t.TempDir()
	p, err := Create(ctx, StoreConfig{Dir: filepath.Join(dir, "scm"), LogMode: LogFile, LogBytes: 16 << 20,
		NVMePath: filepath.Join(dir, "nvme"), Options: Options{SCMBytes: 64 << 20, NVMeBytes: 64 << 20}})
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	// Syncs that take a while, as a device's do, so that writers arrive
	// during one whatever the machine's load (a sync of a file in RAM
	// can end before the next writer is scheduled).
	ns := p.nvme.(*nvmeStore)
	ns.dev = slowSync{Device: ns.dev, d: 2 * time.Millisecond}
	const writers, each = 8, 10
	val := func(w, i int) []byte { return bytes.Repeat([]byte{byte(w*each + i)}, 4096) }
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				dk := fmt.Sprintf("w%d-%d", w, i)
				if err := p.Update(ctx, cid, oid1, daos.Epoch(1+i), []byte(dk), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 4096}}, [][]byte{val(w, i)}, UpdateOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.False(t, t.Failed())
	syncs := p.nvme.(*nvmeStore).syncs.started
	t.Logf("%d large updates, %d NVMe syncs", writers*each, syncs)
	require.Less(t, syncs, uint64(writers*each), "concurrent updates should share NVMe syncs")
	require.NoError(t, p.Close())

	q, err := Open(ctx, filepath.Join(dir, "scm"))
	require.NoError(t, err)
	defer q.Close()
	for w := range writers {
		for i := range each {
			res, err := q.Fetch(ctx, cid, oid1, daos.EpochMax, []byte(fmt.Sprintf("w%d-%d", w, i)), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 4096}}, FetchOptions{})
			require.NoError(t, err)
			require.Equal(t, val(w, i), res[0].Data)
		}
	}
}

// TestDroppedExtentKeptUntilDurable: an update that replaces a value on
// NVMe frees its extent only once its own record is durable. Before, the
// extent could be handed to another update and overwritten; a crash before
// the replacement was durable then brought back a value whose bytes were
// gone.
func TestDroppedExtentKeptUntilDurable(t *testing.T) {
	dev, err := bdev.NewMem(1 << 20)
	require.NoError(t, err)
	p, err := NewPool(Options{SCMBytes: 64 << 20, NVMeBytes: 1 << 20})
	require.NoError(t, err)
	p.nvme = newNVMeStore(dev)
	open := make(chan struct{})
	close(open)
	j := &gatedJournal{gate: open}
	p.journal = j
	require.NoError(t, p.CreateContainer(ctx, cid))
	big := func(b byte) []byte { return bytes.Repeat([]byte{b}, 4096) }
	iod := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 4096}}
	require.NoError(t, p.Update(ctx, cid, oid1, 1, []byte("d"), iod, [][]byte{big('x')}, UpdateOptions{}))
	durable := len(j.records)

	// From here nothing becomes durable: the replacement of d/a at the
	// same epoch, then a new value that needs an extent.
	j.gate = make(chan struct{})
	done := make(chan error, 2)
	go func() { done <- p.Update(ctx, cid, oid1, 1, []byte("d"), iod, [][]byte{big('y')}, UpdateOptions{}) }()
	waitStaged(t, j, 2, "the replacement never staged")
	go func() { done <- p.Update(ctx, cid, oid1, 2, []byte("e"), iod, [][]byte{big('z')}, UpdateOptions{}) }()
	waitStaged(t, j, 3, "the second update never staged")

	// Crash: recover from the durable records and the device as it is.
	q, err := NewPool(Options{SCMBytes: 64 << 20, NVMeBytes: 1 << 20})
	require.NoError(t, err)
	q.nvme = newNVMeStore(dev)
	j.mu.Lock()
	for _, r := range j.records[:durable] {
		require.NoError(t, q.replayOp(r.typ, r.payload))
	}
	j.mu.Unlock()
	res, err := q.Fetch(ctx, cid, oid1, daos.EpochMax, []byte("d"), iod, FetchOptions{})
	require.NoError(t, err, "the acknowledged value must survive")
	require.Equal(t, big('x'), res[0].Data)

	j.fail = errors.New("the process is gone")
	close(j.gate)
	require.Error(t, <-done)
	require.Error(t, <-done)
}

// TestRefusalWaitsForWhatItRestsOn: a conditional insert refused because
// of an update that is staged but not durable answers only once that
// update is durable.
func TestRefusalWaitsForWhatItRestsOn(t *testing.T) {
	p, err := NewPool(Options{SCMBytes: 64 << 20})
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	j := &gatedJournal{gate: make(chan struct{})}
	p.journal = j
	first := make(chan error, 1)
	go func() {
		first <- p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", "v")}, [][]byte{[]byte("v")}, UpdateOptions{})
	}()
	waitStaged(t, j, 1, "the update never staged")
	refused := make(chan error, 1)
	go func() {
		refused <- p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{sv("a", "w")}, [][]byte{[]byte("w")}, UpdateOptions{Flags: daos.CondDkeyInsert})
	}()
	select {
	case err := <-refused:
		t.Fatalf("refused before the update it rests on was durable: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(j.gate)
	require.NoError(t, <-first)
	require.ErrorIs(t, <-refused, daos.ErrExist)
}

// TestCancelledUpdateDoesNotStopThePool: an update whose context has ended
// fails alone; the pool goes on taking updates.
func TestCancelledUpdateDoesNotStopThePool(t *testing.T) {
	p, err := Create(ctx, StoreConfig{Dir: t.TempDir(), LogMode: LogFile, LogBytes: 4 << 20, Options: Options{SCMBytes: 64 << 20}})
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.CreateContainer(ctx, cid))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = p.Update(cctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", "v")}, [][]byte{[]byte("v")}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrCanceled)
	require.ErrorIs(t, p.PunchDkeys(cctx, cid, oid1, 2, [][]byte{[]byte("d")}, PunchOptions{}), daos.ErrCanceled)
	require.NoError(t, p.Update(ctx, cid, oid1, 3, []byte("d"), []daos.IOD{sv("a", "w")}, [][]byte{[]byte("w")}, UpdateOptions{}))
}

// TestCancelledLargeUpdateKeepsNoSpace: NVMe space written for an update
// whose context ended before its record was staged is given back.
func TestCancelledLargeUpdateKeepsNoSpace(t *testing.T) {
	dir := t.TempDir()
	p, err := Create(ctx, StoreConfig{Dir: filepath.Join(dir, "scm"), LogMode: LogFile, LogBytes: 4 << 20,
		NVMePath: filepath.Join(dir, "nvme"), Options: Options{SCMBytes: 64 << 20, NVMeBytes: 16 << 20}})
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.CreateContainer(ctx, cid))
	before := p.Space().NVMeUsed
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	iod := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 8192}}
	err = p.Update(cctx, cid, oid1, 1, []byte("d"), iod, [][]byte{make([]byte, 8192)}, UpdateOptions{})
	require.Error(t, err)
	require.Equal(t, before, p.Space().NVMeUsed)
	require.NoError(t, p.Update(ctx, cid, oid1, 2, []byte("d"), iod, [][]byte{make([]byte, 8192)}, UpdateOptions{}))
}

// waitStaged waits (bounded) until j has staged n records.
func waitStaged(t *testing.T, j *gatedJournal, n int64, what string) {
	t.Helper()
	for i := 0; j.staged.Load() < n; i++ {
		require.Less(t, i, 5000, what)
		time.Sleep(time.Millisecond)
	}
}

// slowSync is a device whose syncs take at least d.
type slowSync struct {
	bdev.Device
	d time.Duration
}

func (s slowSync) Sync(ctx context.Context) error {
	time.Sleep(s.d)
	return s.Device.Sync(ctx)
}
