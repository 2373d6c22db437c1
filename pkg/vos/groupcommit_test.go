package vos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
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
			for i := 0; j.staged.Load() == 0; i++ {
				require.Less(t, i, 5000, "the update never staged")
				time.Sleep(time.Millisecond)
			}
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
