package vos

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/media/bdev"
)

// failingJournal stores the record and then reports a failure, as a log
// whose write reached the medium but whose sync failed.
type failingJournal struct {
	inner Journal
	fail  bool
}

func (j *failingJournal) Append(ctx_ context.Context, typ uint8, payload []byte) error {
	err := j.inner.Append(ctx_, typ, payload)
	if j.fail {
		return errors.New("injected: fdatasync failed")
	}
	return err
}

func TestJournalFailureKeepsExtentsAndStopsThePool(t *testing.T) {
	cfg := StoreConfig{Dir: shmDir(t), LogMode: LogPMem, LogBytes: 1 << 20, NVMePath: filepath.Join(t.TempDir(), "nvme"),
		Options: Options{SCMBytes: 8 << 20, NVMeBytes: 1 << 20}}
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	fj := &failingJournal{inner: p.journal, fail: true}
	p.journal = fj
	big := bytes.Repeat([]byte("A"), 8192)
	err = p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", string(big))}, [][]byte{big}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrIo)
	require.Equal(t, uint64(8192), p.Space().NVMeUsed, "the extent stays allocated: its record may be durable")
	other := bytes.Repeat([]byte("B"), 8192)
	err = p.Update(ctx, cid, oid1, 2, []byte("e"), []daos.IOD{sv("a", string(other))}, [][]byte{other}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrIo, "a stopped pool takes no more writes")
	require.NoError(t, p.Close())
	// The record did reach the journal: after reopening, it is whole.
	q, err := Open(ctx, cfg.Dir)
	require.NoError(t, err)
	require.Equal(t, string(big), getSV(t, q, 5, "d", "a"))
	require.NoError(t, q.Close())
}

func TestInputsTheDecodersRefuseAreRefusedUpFront(t *testing.T) {
	p := newTestPool(t)
	huge := make([]byte, maxCsumBytes+1)
	err := p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", "x")}, [][]byte{[]byte("x")}, UpdateOptions{Csums: [][][]byte{{huge}}})
	require.ErrorIs(t, err, daos.ErrInval)
	keys := make([][]byte, MaxIODs+1)
	for i := range keys {
		keys[i] = []byte{byte(i), byte(i >> 8), byte(i >> 16)}
	}
	require.ErrorIs(t, p.PunchDkeys(ctx, cid, oid1, 1, keys, PunchOptions{}), daos.ErrInval)
}

func TestDuplicatePunchKeysChargeOnce(t *testing.T) {
	p := newTestPool(t)
	require.NoError(t, p.PunchDkeys(ctx, cid, oid1, 1, [][]byte{[]byte("k"), []byte("k")}, PunchOptions{}))
	require.NoError(t, p.PunchAkeys(ctx, cid, oid1, 2, []byte("d"), [][]byte{[]byte("a"), []byte("a")}, PunchOptions{}))
	q, err := NewPool(Options{SCMBytes: 64 << 20})
	require.NoError(t, err)
	require.NoError(t, q.loadIndex(p.encodeIndex()))
	require.Equal(t, p.Space(), q.Space())
	require.NoError(t, p.DestroyContainer(ctx, cid))
	require.Zero(t, p.Space().SCMUsed)
}

func TestHugeFetchIsRefusedNotAllocated(t *testing.T) {
	p := newTestPool(t)
	require.NoError(t, p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{arr("x", 4, daos.Recx{Idx: 5, Nr: 1})}, [][]byte{[]byte("abcd")}, UpdateOptions{}))
	for _, r := range []daos.Recx{{Idx: 0, Nr: 1 << 62}, {Idx: 0, Nr: 1 << 50}} {
		_, err := p.Fetch(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{arr("x", 4, r)}, FetchOptions{})
		require.ErrorIs(t, err, daos.ErrInval, "extent %s", r)
		_, err = p.Fetch(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{arr("missing", 4, r)}, FetchOptions{})
		require.ErrorIs(t, err, daos.ErrInval, "extent %s of a missing akey", r)
	}
	// A size query asks for no data and is fine.
	res, err := p.Fetch(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{arr("x", daos.RecAny, daos.Recx{Idx: 0, Nr: 1 << 62})}, FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, uint64(4), res[0].Size)
}

func TestCreateRefusesAnExistingNVMeFile(t *testing.T) {
	nvme := filepath.Join(t.TempDir(), "nvme")
	require.NoError(t, os.WriteFile(nvme, []byte("someone else's"), 0o600))
	_, err := Create(ctx, StoreConfig{Dir: t.TempDir(), LogMode: LogFile, LogBytes: 1 << 20, NVMePath: nvme,
		Options: Options{SCMBytes: 1 << 20, NVMeBytes: 1 << 20}})
	require.ErrorIs(t, err, daos.ErrExist)
	data, err := os.ReadFile(nvme)
	require.NoError(t, err)
	require.Equal(t, "someone else's", string(data))
}

func TestMissingCheckpointIsReportedNotOpenedEmpty(t *testing.T) {
	cfg := StoreConfig{Dir: t.TempDir(), LogMode: LogFile, LogBytes: 1 << 20, Options: Options{SCMBytes: 1 << 20}}
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	putSV(t, p, 1, "d", "a", "v")
	require.NoError(t, p.Checkpoint(ctx))
	require.NoError(t, p.Close())
	require.NoError(t, os.Remove(filepath.Join(cfg.Dir, checkpointName)))
	_, err = Open(ctx, cfg.Dir)
	require.ErrorIs(t, err, daos.ErrDfInval)
	require.ErrorContains(t, err, "missing or stale")
}

func TestClosedPoolRefusesEverything(t *testing.T) {
	cfg := StoreConfig{Dir: t.TempDir(), LogMode: LogFile, LogBytes: 1 << 20, Options: Options{SCMBytes: 1 << 20}}
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	require.NoError(t, p.Close())
	require.ErrorIs(t, p.CreateContainer(ctx, ContainerID{2}), daos.ErrNoHdl)
	err = p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", "x")}, [][]byte{[]byte("x")}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrNoHdl)
	_, err = p.Fetch(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", "x")}, FetchOptions{})
	require.ErrorIs(t, err, daos.ErrNoHdl)
}

func TestReplayRefusesArrayValueOfWrongLength(t *testing.T) {
	op := &updateOp{cont: cid, oid: oid1, epoch: 1, dkey: "d", akeys: []akeyUpdate{{name: "x", typ: daos.IODArray, size: 4,
		recxs: []daos.Recx{{Idx: 0, Nr: 4}}, vals: []opValue{{inline: []byte("ab")}}, csums: [][]byte{nil}}}}
	_, err := decodeUpdate(encodeUpdate(op))
	require.ErrorIs(t, err, daos.ErrDfInval)
}

func TestPrunedKeysLeaveTransactions(t *testing.T) {
	p := newTestPool(t)
	require.NoError(t, p.Update(ctx, cid, oid1, 10, []byte("d"), []daos.IOD{sv("a", "tx")}, [][]byte{[]byte("tx")}, UpdateOptions{Tx: 7}))
	require.NoError(t, p.Discard(ctx, cid, 10, 10))
	q, err := NewPool(Options{SCMBytes: 64 << 20})
	require.NoError(t, err)
	require.NoError(t, q.loadIndex(p.encodeIndex()))
	require.Equal(t, p.Space(), q.Space(), "live and loaded pools prune alike")
	require.NoError(t, p.Commit(ctx, cid, 7))
	require.NoError(t, q.Commit(ctx, cid, 7))
}

// Fetches read NVMe without the pool's lock; extents freed meanwhile (by
// aggregation here) must not be reused under them.
func TestNVMeReadsOutsideTheLockSeeNoReuse(t *testing.T) {
	cfg := StoreConfig{Dir: shmDir(t), LogMode: LogPMem, LogBytes: 4 << 20, NVMePath: filepath.Join(t.TempDir(), "nvme"),
		Options: Options{SCMBytes: 32 << 20, NVMeBytes: 1 << 20}}
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.CreateContainer(ctx, cid))
	val := func(e daos.Epoch) []byte { return bytes.Repeat([]byte{byte(e)}, 8192) }
	put := func(e daos.Epoch) {
		v := val(e)
		require.NoError(t, p.Update(ctx, cid, oid1, e, []byte("d"), []daos.IOD{sv("a", string(v))}, [][]byte{v}, UpdateOptions{}))
	}
	put(1)
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for {
			select {
			case <-done:
				return
			default:
			}
			res, err := p.Fetch(ctx, cid, oid1, daos.EpochMax, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1 << 20}}, FetchOptions{})
			if err != nil {
				errs <- err
				return
			}
			d := res[0].Data
			if len(d) != 8192 || !bytes.Equal(d, bytes.Repeat(d[:1], 8192)) {
				errs <- errors.New("fetch returned mixed bytes")
				return
			}
		}
	}()
	// The 1 MiB device holds 128 values: overwriting and aggregating
	// recycles the same extents many times over.
	for e := daos.Epoch(2); e < 600; e++ {
		put(e)
		_, err := p.Aggregate(ctx, cid, e)
		require.NoError(t, err)
	}
	close(done)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestAggregationRunsInBatchesAndReplays(t *testing.T) {
	p := newTestPool(t)
	j := &memJournal{}
	p.journal = j
	const objects = 3*aggBatchObjects + 5
	for i := 0; i < objects; i++ {
		oid := daos.ObjectID{Hi: 9, Lo: uint64(i)}
		for e := daos.Epoch(1); e <= 2; e++ {
			require.NoError(t, p.Update(ctx, cid, oid, e, []byte("d"), []daos.IOD{sv("a", "v")}, [][]byte{[]byte("v")}, UpdateOptions{}))
		}
	}
	before := len(j.records)
	st, err := p.Aggregate(ctx, cid, 10)
	require.NoError(t, err)
	require.Equal(t, uint64(objects), st.VersionsRemoved)
	ranges := 0
	for _, r := range j.records[before:] {
		if r.typ == opAggregateRange {
			ranges++
		}
	}
	require.Equal(t, 4, ranges, "one record per batch of %d objects", aggBatchObjects)

	replayed, err := NewPool(Options{SCMBytes: 64 << 20})
	require.NoError(t, err)
	require.NoError(t, replayed.CreateContainer(ctx, cid)) // made before the journal was attached
	for i, rec := range j.records {
		require.NoError(t, replayed.replayOp(rec.typ, rec.payload), "record %d", i)
	}
	require.Equal(t, p.Space(), replayed.Space())
	require.Equal(t, p.encodeIndex(), replayed.encodeIndex())
}

// TestNVMeValueWithoutDevice: a journal record or checkpoint naming an
// NVMe extent is corrupt in a pool that has no NVMe device, and is refused
// at load rather than failing later on read.
func TestNVMeValueWithoutDevice(t *testing.T) {
	p, err := NewPool(Options{SCMBytes: 64 << 20})
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	op := &updateOp{cont: cid, oid: oid1, epoch: 1, dkey: "d", akeys: []akeyUpdate{{
		name: "a", typ: daos.IODSingle, size: 4096,
		vals: []opValue{{ext: &extent{Off: 0, Len: 4096}}}, csums: [][]byte{nil},
	}}}
	require.ErrorIs(t, p.replayOp(opUpdate, encodeUpdate(op)), daos.ErrDfInval)

	// The same value in a checkpoint of a pool that has a device, loaded
	// into one that has none.
	withDev, err := NewPool(Options{SCMBytes: 64 << 20})
	require.NoError(t, err)
	withDev.nvme = noValueStore{}
	require.NoError(t, withDev.CreateContainer(ctx, cid))
	withDev.applyUpdate(op)
	fresh, err := NewPool(Options{SCMBytes: 64 << 20})
	require.NoError(t, err)
	require.ErrorIs(t, fresh.loadIndex(withDev.encodeIndex()), daos.ErrDfInval)
}

// noValueStore stands in for an NVMe device that is never read.
type noValueStore struct{}

func (noValueStore) write(context.Context, []byte) (extent, error) { return extent{}, nil }
func (noValueStore) sync(context.Context) error                    { return nil }
func (noValueStore) read(context.Context, extent, []byte) error    { return nil }
func (noValueStore) release(extent)                                {}
func (noValueStore) used() uint64                                  { return 0 }
func (noValueStore) pin(nvmeReads)                                 {}
func (noValueStore) unpin(nvmeReads)                               {}
func (noValueStore) readMapper() bdev.ReadMapper                   { return nil }
func (noValueStore) drain()                                        {}
func (noValueStore) mapRead(bdev.ReadMapper, extent) (*bdev.View, []byte, error) {
	return nil, nil, nil
}
