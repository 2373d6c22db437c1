package wal

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// backend is one way to create and open logs, with where its files go.
type backend struct {
	name   string
	create func(path string, sizeBytes int64) (*Log, error)
	open   func(path string) (*Log, error)
	dir    func(tb testing.TB) string
}

func backends() []backend {
	return []backend{
		{name: "pmem", create: CreatePMem, open: OpenPMem, dir: shmDir},
		{name: "file", create: CreateFile, open: OpenFile, dir: func(tb testing.TB) string { return tb.TempDir() }},
	}
}

// shmDir is a fresh directory on tmpfs: emulated PMem.
func shmDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "wal-test-")
	if err != nil {
		tb.Skipf("no /dev/shm: %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// forEachBackend runs the same test on every backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, be backend)) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) { fn(t, be) })
	}
}

// testLog is a log under test and what was appended to it.
type testLog struct {
	t        *testing.T
	be       backend
	path     string
	l        *Log
	appended map[LSN]Record
}

const testLogBytes = 1 << 20

func newTestLog(t *testing.T, be backend, sizeBytes int64) *testLog {
	t.Helper()
	path := filepath.Join(be.dir(t), "target.wal")
	l, err := be.create(path, sizeBytes)
	require.NoError(t, err)
	tl := &testLog{t: t, be: be, path: path, l: l, appended: map[LSN]Record{}}
	t.Cleanup(func() { tl.l.Close() })
	return tl
}

// payloadFor is a payload whose bytes depend on seed, of a size that varies
// with seed (0 to ~3 KiB).
func payloadFor(seed int) []byte {
	n := (seed * 397) % 3001
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(seed*31 + i*7 + i>>8)
	}
	return p
}

func (tl *testLog) append(typ uint8, payload []byte) LSN {
	tl.t.Helper()
	lsn, err := tl.l.Append(context.Background(), typ, payload)
	require.NoError(tl.t, err)
	tl.appended[lsn] = Record{LSN: lsn, Type: typ, Payload: append([]byte{}, payload...)}
	return lsn
}

// appendN appends n records with payloadFor(seed), seed counting from first.
func (tl *testLog) appendN(first, n int) []LSN {
	tl.t.Helper()
	var lsns []LSN
	for i := range n {
		seed := first + i
		lsns = append(lsns, tl.append(uint8(1+seed%255), payloadFor(seed)))
	}
	return lsns
}

func (tl *testLog) reopen() {
	tl.t.Helper()
	require.NoError(tl.t, tl.l.Close())
	l, err := tl.be.open(tl.path)
	require.NoError(tl.t, err)
	tl.l = l
}

func replayAll(l *Log) ([]Record, error) {
	var recs []Record
	err := l.Replay(func(r Record) error {
		r.Payload = bytes.Clone(r.Payload)
		recs = append(recs, r)
		return nil
	})
	return recs, err
}

// requireRecords checks that recs are exactly the appended records with the
// given LSNs, in order.
func (tl *testLog) requireRecords(recs []Record, lsns ...LSN) {
	tl.t.Helper()
	require.Len(tl.t, recs, len(lsns))
	for i, r := range recs {
		want := tl.appended[lsns[i]]
		require.Equal(tl.t, lsns[i], r.LSN, "record %d", i)
		require.Equal(tl.t, want.Type, r.Type, "LSN %d", r.LSN)
		require.Equal(tl.t, want.Payload, r.Payload, "LSN %d", r.LSN)
	}
}

func lsnRange(from, to LSN) []LSN {
	var s []LSN
	for l := from; l < to; l++ {
		s = append(s, l)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		require.Equal(t, LSN(1), tl.l.NextLSN())
		require.Equal(t, int64(testLogBytes), tl.l.Size())
		require.Equal(t, int64(dataOffset), tl.l.Used())

		require.Equal(t, lsnRange(1, 41), tl.appendN(0, 40))
		tl.append(7, nil) // an empty payload is a record too
		recs, err := replayAll(tl.l)
		require.NoError(t, err)
		tl.requireRecords(recs, lsnRange(1, 42)...)
		used := tl.l.Used()

		tl.reopen()
		require.Equal(t, LSN(42), tl.l.NextLSN())
		require.Equal(t, used, tl.l.Used())
		recs, err = replayAll(tl.l)
		require.NoError(t, err)
		tl.requireRecords(recs, lsnRange(1, 42)...)

		require.Equal(t, lsnRange(42, 52), tl.appendN(100, 10))
		tl.reopen()
		recs, err = replayAll(tl.l)
		require.NoError(t, err)
		tl.requireRecords(recs, lsnRange(1, 52)...)
	})
}

func TestReplayStopsOnCallbackError(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		tl.appendN(0, 5)
		stop := errors.New("enough")
		var seen []LSN
		err := tl.l.Replay(func(r Record) error {
			seen = append(seen, r.LSN)
			if r.LSN == 3 {
				return stop
			}
			return nil
		})
		require.ErrorIs(t, err, stop)
		require.Equal(t, []LSN{1, 2, 3}, seen)
	})
}

func TestReset(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		tl.appendN(0, 20)
		marker := []byte("old generation marker, must never come back")
		tl.append(9, marker)
		ctx := context.Background()

		require.Error(t, tl.l.Reset(ctx, 5), "LSNs below NextLSN would be reused")
		require.NoError(t, tl.l.Reset(ctx, 100))
		require.Equal(t, LSN(100), tl.l.NextLSN())
		require.Equal(t, int64(dataOffset), tl.l.Used())
		recs, err := replayAll(tl.l)
		require.NoError(t, err)
		require.Empty(t, recs)

		// Short records, so that old ones lie just past the new tail.
		for i := range 5 {
			tl.append(1, []byte{byte(i)})
		}
		recs, err = replayAll(tl.l)
		require.NoError(t, err)
		tl.requireRecords(recs, lsnRange(100, 105)...)

		tl.reopen()
		recs, err = replayAll(tl.l)
		require.NoError(t, err)
		tl.requireRecords(recs, lsnRange(100, 105)...)
		image, err := os.ReadFile(tl.path)
		require.NoError(t, err)
		require.Contains(t, string(image), string(marker), "old bytes stay; only their generation excludes them")

		// Reset twice: the generation comes back to the first slot.
		require.NoError(t, tl.l.Reset(ctx, 105))
		require.NoError(t, tl.l.Reset(ctx, 105))
		tl.reopen()
		require.Equal(t, LSN(105), tl.l.NextLSN())
		recs, err = replayAll(tl.l)
		require.NoError(t, err)
		require.Empty(t, recs)
		require.Equal(t, LSN(105), tl.append(1, []byte("after two resets")))
	})
}

func TestFull(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, minLogBytes)
		ctx := context.Background()
		payload := make([]byte, 1000)
		var n int
		for ; n < 100; n++ {
			_, err := tl.l.Append(ctx, 1, payload)
			if err != nil {
				require.ErrorIs(t, err, ErrFull)
				require.Contains(t, err.Error(), tl.path)
				break
			}
		}
		require.Equal(t, int((minLogBytes-dataOffset)/recordBytes(len(payload))), n)
		_, err := tl.l.Append(ctx, 1, nil)
		require.NoError(t, err, "a smaller record may still fit")

		tl.reopen()
		_, err = tl.l.Append(ctx, 1, payload)
		require.ErrorIs(t, err, ErrFull)
		recs, err := replayAll(tl.l)
		require.NoError(t, err)
		require.Len(t, recs, n+1)

		require.NoError(t, tl.l.Reset(ctx, tl.l.NextLSN()))
		lsn, err := tl.l.Append(ctx, 1, payload)
		require.NoError(t, err)
		require.Equal(t, LSN(n+2), lsn)
	})
}

func TestAppendRejects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		ctx := context.Background()
		_, err := tl.l.Append(ctx, 0, []byte("x"))
		require.ErrorContains(t, err, "type 0 is reserved")
		_, err = tl.l.Append(ctx, 1, make([]byte, MaxPayloadBytes+1))
		require.ErrorIs(t, err, ErrTooLarge)
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		_, err = tl.l.Append(cancelled, 1, []byte("x"))
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, LSN(1), tl.l.NextLSN(), "rejected appends use no LSN")

		// The largest payload fits in a log big enough for it.
		require.NoError(t, tl.l.Close())
		big := newTestLog(t, be, dataOffset+maxRecordBytes)
		payload := make([]byte, MaxPayloadBytes)
		payload[MaxPayloadBytes-1] = 0xAB
		big.append(3, payload)
		big.reopen()
		recs, err := replayAll(big.l)
		require.NoError(t, err)
		big.requireRecords(recs, 1)
	})
}

func TestClosed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		tl.appendN(0, 3)
		require.NoError(t, tl.l.Close())
		ctx := context.Background()
		_, err := tl.l.Append(ctx, 1, nil)
		require.ErrorIs(t, err, ErrClosed)
		require.ErrorIs(t, tl.l.Replay(func(Record) error { return nil }), ErrClosed)
		require.ErrorIs(t, tl.l.Reset(ctx, 10), ErrClosed)
		require.ErrorIs(t, tl.l.Close(), ErrClosed)
	})
}

func TestConcurrentAppend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, 4<<20)
		// A slow sync, as on a real device, makes batching certain.
		tl.l.beforeCommit = func() error { time.Sleep(200 * time.Microsecond); return nil }
		const writers, perWriter = 8, 40
		lsns := make([][]LSN, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range perWriter {
					payload := binary.LittleEndian.AppendUint32(nil, uint32(w<<16|i))
					lsn, err := tl.l.Append(context.Background(), uint8(1+w), payload)
					if err != nil {
						t.Error(err)
						return
					}
					lsns[w] = append(lsns[w], lsn)
				}
			})
		}
		wg.Wait()
		require.False(t, t.Failed())
		commits := tl.l.commits.Load()
		t.Logf("%d appends, %d syncs", writers*perWriter, commits)
		require.Less(t, commits, int64(writers*perWriter/2), "group commit should batch")

		for _, check := range []string{"live", "reopened"} {
			if check == "reopened" {
				tl.reopen()
			}
			recs, err := replayAll(tl.l)
			require.NoError(t, err)
			require.Len(t, recs, writers*perWriter)
			byLSN := map[LSN]Record{}
			for i, r := range recs {
				require.Equal(t, LSN(i+1), r.LSN, check)
				byLSN[r.LSN] = r
			}
			for w, mine := range lsns {
				require.Len(t, mine, perWriter)
				for i, lsn := range mine {
					if i > 0 {
						require.Greater(t, lsn, mine[i-1], "a writer's LSNs increase")
					}
					r := byLSN[lsn]
					require.Equal(t, uint8(1+w), r.Type)
					require.Equal(t, uint32(w<<16|i), binary.LittleEndian.Uint32(r.Payload))
				}
			}
		}
	})
}

func TestAppendWaitHonoursContext(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		entered, release := make(chan struct{}, 4), make(chan struct{})
		tl.l.beforeCommit = func() error {
			entered <- struct{}{}
			<-release
			return nil
		}
		leader := make(chan error, 1)
		go func() {
			_, err := tl.l.Append(context.Background(), 1, []byte("leader"))
			leader <- err
		}()
		<-entered // the leader's sync is now stuck

		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := tl.l.Append(ctx, 1, []byte("follower"))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		close(release)
		require.NoError(t, <-leader)

		tl.reopen()
		recs, err := replayAll(tl.l)
		require.NoError(t, err)
		require.NotEmpty(t, recs)
		require.Equal(t, "leader", string(recs[0].Payload))
		if len(recs) > 1 { // the follower's record may or may not have made it
			require.Equal(t, "follower", string(recs[1].Payload))
		}
	})
}

func TestSyncFailureIsSticky(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		tl.appendN(0, 3)
		boom := errors.New("injected sync failure")
		tl.l.beforeCommit = func() error { return boom }
		ctx := context.Background()
		_, err := tl.l.Append(ctx, 1, []byte("lost"))
		require.ErrorIs(t, err, boom)
		tl.l.beforeCommit = nil
		_, err = tl.l.Append(ctx, 1, []byte("refused"))
		require.ErrorIs(t, err, boom, "after a failed sync nothing is trusted")
		require.ErrorIs(t, tl.l.Reset(ctx, 100), boom)

		tl.reopen()
		recs, err := replayAll(tl.l)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(recs), 3)
		tl.requireRecords(recs[:3], 1, 2, 3)
		_, err = tl.l.Append(ctx, 1, []byte("fine again"))
		require.NoError(t, err)
	})
}

func TestCreateAndOpenRejects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		dir := be.dir(t)
		path := filepath.Join(dir, "x.wal")

		_, err := be.create(path, minLogBytes-1)
		require.ErrorContains(t, err, "outside")
		_, err = be.open(path)
		require.ErrorIs(t, err, fs.ErrNotExist)

		l, err := be.create(path, testLogBytes)
		require.NoError(t, err)
		_, err = be.create(path, testLogBytes)
		require.ErrorIs(t, err, fs.ErrExist)
		_, err = be.open(path)
		require.ErrorContains(t, err, "open elsewhere")
		require.NoError(t, l.Close())
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1, "no temporary file is left behind")

		for name, content := range map[string][]byte{
			"empty":   nil,
			"tiny":    []byte("tiny"),
			"garbage": garbage(64 << 10),
		} {
			p := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(p, content, 0o600))
			_, err := be.open(p)
			require.ErrorIs(t, err, ErrNotLog, name)
			require.ErrorContains(t, err, p)
		}

		image, err := os.ReadFile(path)
		require.NoError(t, err)
		writeImage := func(name string, img []byte) string {
			p := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(p, img, 0o600))
			return p
		}
		_, err = be.open(writeImage("truncated", image[:len(image)/2]))
		require.ErrorIs(t, err, ErrCorrupt)
		require.ErrorContains(t, err, "truncated")

		bothBad := append([]byte{}, image...)
		bothBad[hdrSizeOff] ^= 1
		bothBad[headerSlotBytes+hdrSizeOff] ^= 1
		_, err = be.open(writeImage("both-slots-bad", bothBad))
		require.ErrorIs(t, err, ErrCorrupt)
		require.ErrorContains(t, err, "offset 4096")

		newer := append([]byte{}, image...)
		newer[hdrVersionOff] = 9
		newer[headerSlotBytes+hdrVersionOff] = 9
		_, err = be.open(writeImage("version", newer))
		require.ErrorIs(t, err, ErrNotLog)
		require.ErrorContains(t, err, "format version 9")
	})
}

func garbage(n int) []byte {
	b := make([]byte, n)
	x := uint32(12345)
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func TestHeaderSlotFallback(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		t.Run("older slot damaged", func(t *testing.T) {
			tl := newTestLog(t, be, testLogBytes)
			tl.appendN(0, 3)
			require.NoError(t, tl.l.Close())
			flipByte(t, tl.path, hdrGenOff) // slot 0 holds generation 0
			l, err := be.open(tl.path)
			require.NoError(t, err)
			tl.l = l
			recs, err := replayAll(tl.l)
			require.NoError(t, err)
			tl.requireRecords(recs, 1, 2, 3)
		})
		t.Run("current slot damaged under records", func(t *testing.T) {
			tl := newTestLog(t, be, testLogBytes)
			tl.appendN(0, 3)
			require.NoError(t, tl.l.Close())
			flipByte(t, tl.path, headerSlotBytes+hdrBaseOff)
			_, err := be.open(tl.path)
			require.ErrorIs(t, err, ErrCorrupt)
			require.ErrorContains(t, err, "generation 1, newer than 0")
		})
		t.Run("torn reset", func(t *testing.T) {
			tl := newTestLog(t, be, testLogBytes)
			tl.appendN(0, 3)
			require.NoError(t, tl.l.Reset(ctx, 50)) // generation 2, slot 0
			require.NoError(t, tl.l.Close())
			flipByte(t, tl.path, hdrCRCOff) // as if the header write had been torn
			l, err := be.open(tl.path)
			require.NoError(t, err)
			tl.l = l
			recs, err := replayAll(tl.l)
			require.NoError(t, err)
			tl.requireRecords(recs, 1, 2, 3)
			require.Equal(t, LSN(4), tl.l.NextLSN(), "the caller resets again to its checkpoint")
		})
	})
}

// flipByte inverts the bits of the byte at off in the file at path.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	mutateFile(t, path, func(img []byte) { img[off] ^= 0xFF })
}

// mutateFile changes a closed log's file in place.
func mutateFile(t *testing.T, path string, change func(img []byte)) {
	t.Helper()
	img, err := os.ReadFile(path)
	require.NoError(t, err)
	change(img)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(img, 0)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// recordOffsets returns where each record lies, given the payloads in LSN
// order from the start of a generation.
func (tl *testLog) recordOffsets(from, to LSN) map[LSN]int64 {
	offs := map[LSN]int64{}
	off := int64(dataOffset)
	for lsn := from; lsn < to; lsn++ {
		offs[lsn] = off
		off += recordBytes(len(tl.appended[lsn].Payload))
	}
	return offs
}

func ExampleLog() {
	dir, _ := os.MkdirTemp("", "wal-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	l, _ := CreateFile(filepath.Join(dir, "target.wal"), 1<<20)
	for _, op := range []string{"insert a", "insert b"} {
		l.Append(ctx, 1, []byte(op))
	}
	// Checkpoint everything so far, then start the log afresh.
	next := l.NextLSN()
	WriteCheckpoint(filepath.Join(dir, "target.ckpt"), next, []byte("a,b"))
	l.Reset(ctx, next)
	l.Append(ctx, 1, []byte("insert c"))
	l.Close()

	// Recovery: the checkpoint, then the records after it.
	lsn, state, _ := ReadCheckpoint(filepath.Join(dir, "target.ckpt"))
	l, _ = OpenFile(filepath.Join(dir, "target.wal"))
	defer l.Close()
	fmt.Printf("checkpoint %q covers LSNs below %d\n", state, lsn)
	l.Replay(func(r Record) error {
		fmt.Printf("replay LSN %d: %s\n", r.LSN, r.Payload)
		return nil
	})
	// Output:
	// checkpoint "a,b" covers LSNs below 3
	// replay LSN 3: insert c
}

// appendConcurrently has writers append n records each of payloadBytes,
// the first 4 bytes naming writer and sequence number.
func appendConcurrently(t *testing.T, l *Log, writers, n, payloadBytes int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range n {
				payload := make([]byte, payloadBytes)
				binary.LittleEndian.PutUint32(payload, uint32(w<<16|i))
				if _, err := l.Append(context.Background(), 1, payload); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// requireConsecutive checks that recs carry LSNs 1, 2, ... and that no
// writer's record appears twice.
func requireConsecutive(t *testing.T, recs []Record) {
	t.Helper()
	seen := map[uint32]bool{}
	for i, r := range recs {
		require.Equal(t, LSN(i+1), r.LSN)
		id := binary.LittleEndian.Uint32(r.Payload)
		require.False(t, seen[id], "record %#x replayed twice", id)
		seen[id] = true
	}
}

func TestReplayAcrossReadWindows(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, 4<<20)
		appendConcurrently(t, tl.l, 8, 100, 3000) // 2.4 MB, past several read windows
		tl.reopen()
		recs, err := replayAll(tl.l)
		require.NoError(t, err)
		require.Len(t, recs, 800)
		requireConsecutive(t, recs)
	})
}

func TestReplayWhileAppending(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, 4<<20)
		done := make(chan struct{})
		go func() {
			defer close(done)
			appendConcurrently(t, tl.l, 4, 100, 100)
		}()
		for replays := 0; ; replays++ {
			recs, err := replayAll(tl.l)
			require.NoError(t, err)
			requireConsecutive(t, recs)
			select {
			case <-done:
				recs, err := replayAll(tl.l)
				require.NoError(t, err)
				require.Len(t, recs, 400)
				t.Logf("%d replays ran alongside the appends", replays+1)
				return
			default:
			}
		}
	})
}

// TestStageThenWait: staged records become durable through WaitDurable,
// several stagers share one commit, a record waited for after a Reset past
// it counts as kept, and waiting for an LSN never staged is refused.
func TestStageThenWait(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, 4<<20)
		var staged []LSN
		for i := range 5 {
			lsn, err := tl.l.Stage(ctx, 1, []byte{byte(i)})
			require.NoError(t, err)
			staged = append(staged, lsn)
		}
		before := tl.l.commits.Load()
		require.NoError(t, tl.l.WaitDurable(ctx, staged[4]))
		require.Equal(t, before+1, tl.l.commits.Load(), "one commit covers every staged record")
		for _, lsn := range staged {
			require.NoError(t, tl.l.WaitDurable(ctx, lsn))
		}
		require.Equal(t, before+1, tl.l.commits.Load(), "durable records need no further commit")

		_, err := tl.l.Stage(ctx, 1, []byte("covered by a checkpoint"))
		require.NoError(t, err)
		lsn := tl.l.NextLSN() - 1
		require.NoError(t, tl.l.Reset(ctx, tl.l.NextLSN()))
		require.NoError(t, tl.l.WaitDurable(ctx, lsn))

		require.Error(t, tl.l.WaitDurable(ctx, tl.l.NextLSN()+3))
		tl.reopen()
		recs, err := replayAll(tl.l)
		require.NoError(t, err)
		require.Empty(t, recs, "the reset dropped the records below its base")
	})
}

// TestWaitAfterClose: a record staged before Close, which commits it, is
// reported durable to a waiter that comes after Close.
func TestWaitAfterClose(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, 4<<20)
		lsn, err := tl.l.Stage(ctx, 1, []byte("staged"))
		require.NoError(t, err)
		require.NoError(t, tl.l.Close())
		require.NoError(t, tl.l.WaitDurable(ctx, lsn))
		_, err = tl.l.Stage(ctx, 1, []byte("late"))
		require.ErrorIs(t, err, ErrClosed)
	})
}
