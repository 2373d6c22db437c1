package wal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// fileState is a file's bytes and modification time.
type fileState struct {
	data  []byte
	mtime time.Time
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fileState{data: data, mtime: fi.ModTime()}
}

func requireUnchanged(t *testing.T, path string, before fileState, msg string) {
	t.Helper()
	after := stateOf(t, path)
	require.True(t, bytes.Equal(before.data, after.data), "%s: %s changed", msg, path)
	require.Equal(t, before.mtime, after.mtime, "%s: mtime of %s changed", msg, path)
}

// recovery is what an opened log shows.
type recovery struct {
	recs       []Record
	replayErr  string
	next, base LSN
	used       int64
}

func recoveryOf(l *Log) recovery {
	recs, err := replayAll(l)
	r := recovery{recs: recs, next: l.NextLSN(), base: l.BaseLSN(), used: l.Used()}
	if err != nil {
		r.replayErr = err.Error()
	}
	return r
}

// TestOpenReadOnlyMatchesOpen recovers logs in the states a crash or damage
// leaves: read-only recovery finds what OpenPMem or OpenFile find and
// leaves the file alone, where the ordinary open invalidates a torn batch's
// records.
func TestOpenReadOnlyMatchesOpen(t *testing.T) {
	for _, c := range []struct {
		name string
		// prepare fills a log, closes it and may damage its file; it says
		// whether the ordinary open is expected to rewrite bytes.
		prepare     func(t *testing.T, tl *testLog) (repaired bool)
		wantCorrupt bool
	}{
		{name: "clean", prepare: func(t *testing.T, tl *testLog) bool {
			tl.appendN(0, 20)
			require.NoError(t, tl.l.Close())
			return false
		}},
		{name: "after reset", prepare: func(t *testing.T, tl *testLog) bool {
			tl.appendN(0, 20)
			require.NoError(t, tl.l.Reset(context.Background(), 30))
			tl.appendN(100, 5)
			require.NoError(t, tl.l.Close())
			return false
		}},
		{name: "torn batch", prepare: func(t *testing.T, tl *testLog) bool {
			addTornBatch(t, tl)
			return true
		}},
		{name: "middle damage", wantCorrupt: true, prepare: func(t *testing.T, tl *testLog) bool {
			tl.appendN(0, 10)
			require.NoError(t, tl.l.Close())
			flipByte(t, tl.path, tl.recordOffsets(1, 11)[4]+recordHeaderBytes)
			return false
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, be backend) {
				tl := newTestLog(t, be, testLogBytes)
				repaired := c.prepare(t, tl)
				before := stateOf(t, tl.path)

				ro, err := OpenReadOnly(tl.path)
				require.NoError(t, err)
				got := recoveryOf(ro)
				require.NoError(t, ro.Close())
				requireUnchanged(t, tl.path, before, "read-only recovery")
				if c.wantCorrupt {
					require.Contains(t, got.replayErr, "is invalid")
				} else {
					require.Empty(t, got.replayErr)
				}

				tl.l, err = be.open(tl.path)
				require.NoError(t, err)
				want := recoveryOf(tl.l)
				require.Equal(t, want, got)
				if repaired {
					require.NotEqual(t, before.data, stateOf(t, tl.path).data, "the ordinary open repairs what read-only recovery leaves")
				}
			})
		})
	}
}

// addTornBatch appends three records, closes the log and writes the image a
// crash in the middle of a batch leaves: record 4 torn, record 5 of the
// same batch intact behind it.
func addTornBatch(t *testing.T, tl *testLog) {
	t.Helper()
	for i := range 3 {
		tl.append(1, smallPayload(i))
	}
	require.NoError(t, tl.l.Close())
	img, err := os.ReadFile(tl.path)
	require.NoError(t, err)
	offs := tl.recordOffsets(1, 4)
	off4 := offs[3] + recordBytes(len(smallPayload(2)))
	rec4 := encodeRecord(recordHeader{gen: 1, lsn: 4, acked: 4, prev: le.Uint32(img[offs[3]+recCRCOff:]), typ: 1}, smallPayload(3))
	rec5 := encodeRecord(recordHeader{gen: 1, lsn: 5, acked: 4, prev: le.Uint32(rec4[recCRCOff:]), typ: 1}, []byte("unacknowledged 5"))
	mutateFile(t, tl.path, func(img []byte) {
		copy(img[off4:], rec4)
		copy(img[off4+int64(len(rec4)):], rec5)
		img[off4+recordHeaderBytes] ^= 0xFF
	})
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		lsns := tl.appendN(0, 5)
		require.NoError(t, tl.l.Close())
		before := stateOf(t, tl.path)

		l, err := OpenReadOnly(tl.path)
		require.NoError(t, err)
		defer l.Close()
		_, err = l.Append(context.Background(), 1, []byte("x"))
		require.ErrorIs(t, err, ErrReadOnly)
		require.ErrorIs(t, l.Reset(context.Background(), 100), ErrReadOnly)
		_, err = l.Append(context.Background(), 1, []byte("x"))
		require.ErrorIs(t, err, ErrReadOnly, "still refused")
		recs, err := replayAll(l)
		require.NoError(t, err, "reads go on")
		tl.requireRecords(recs, lsns...)
		require.NoError(t, l.Close())
		requireUnchanged(t, tl.path, before, "refused writes")
	})
}

// TestReadOnlyLocks: read-only openers share a log; a writer and a reader
// exclude each other, at once and with EWOULDBLOCK.
func TestReadOnlyLocks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		tl.appendN(0, 3)
		_, err := OpenReadOnly(tl.path)
		require.ErrorIs(t, err, unix.EWOULDBLOCK)
		require.Contains(t, err.Error(), "open for writing elsewhere")
		require.NoError(t, tl.l.Close())

		r1, err := OpenReadOnly(tl.path)
		require.NoError(t, err)
		r2, err := OpenReadOnly(tl.path)
		require.NoError(t, err, "readers share the log")
		_, err = be.open(tl.path)
		require.ErrorIs(t, err, unix.EWOULDBLOCK, "no writer while a reader looks")
		require.NoError(t, r1.Close())
		require.NoError(t, r2.Close())
		tl.l, err = be.open(tl.path)
		require.NoError(t, err)
	})
}

func TestOpenReadOnlyRejects(t *testing.T) {
	dir := t.TempDir()
	_, err := OpenReadOnly(filepath.Join(dir, "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)
	small := filepath.Join(dir, "small")
	require.NoError(t, os.WriteFile(small, []byte("tiny"), 0o600))
	_, err = OpenReadOnly(small)
	require.ErrorIs(t, err, ErrNotLog)
	notLog := filepath.Join(dir, "garbage")
	require.NoError(t, os.WriteFile(notLog, garbage(minLogBytes), 0o600))
	_, err = OpenReadOnly(notLog)
	require.ErrorIs(t, err, ErrNotLog)
}
