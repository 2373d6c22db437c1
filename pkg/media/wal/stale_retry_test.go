package wal

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// Same image as TestStaleRecordOfSameGeneration, but the record 4 written
// after recovery carries the same bytes as the torn one (a retried request),
// so stale record 5 would chain onto it unless open invalidated it.
func TestStaleRecordNotRevivedByIdenticalRetry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, testLogBytes)
		for i := range 3 {
			tl.append(1, smallPayload(i))
		}
		require.NoError(t, tl.l.Close())
		img, err := os.ReadFile(tl.path)
		require.NoError(t, err)
		offs := tl.recordOffsets(1, 4)
		prev := le.Uint32(img[offs[3]+recCRCOff:])
		off4 := offs[3] + recordBytes(17)
		rec4 := encodeRecord(recordHeader{gen: 1, lsn: 4, acked: 4, prev: prev, typ: 1}, smallPayload(3))
		rec5 := encodeRecord(recordHeader{gen: 1, lsn: 5, acked: 4, prev: le.Uint32(rec4[recCRCOff:]), typ: 1}, []byte("unacknowledged 5"))
		mutateFile(t, tl.path, func(img []byte) {
			copy(img[off4:], rec4)
			copy(img[off4+int64(len(rec4)):], rec5)
			img[off4+recordHeaderBytes] ^= 0xFF // record 4 torn
		})
		l, err := be.open(tl.path)
		require.NoError(t, err)
		tl.l = l
		recs, err := replayAll(tl.l)
		require.NoError(t, err)
		tl.requireRecords(recs, 1, 2, 3)

		// The client retries request 4 with the same payload.
		require.Equal(t, LSN(4), tl.append(1, smallPayload(3)))
		require.Equal(t, LSN(5), tl.l.NextLSN())
		tl.reopen()
		recs, err = replayAll(tl.l)
		require.NoError(t, err)
		tl.requireRecords(recs, 1, 2, 3, 4)
		require.Equal(t, LSN(5), tl.l.NextLSN(), "stale record 5 must not come back")
	})
}
