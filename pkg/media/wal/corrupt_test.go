package wal

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/daos-go/daos/cgo/isal"
	"github.com/stretchr/testify/require"
)

// damage is a way to spoil the record of rb bytes at off in a log image.
type damage struct {
	name  string
	apply func(img []byte, off, rb int64)
}

func damages() []damage {
	return []damage{
		{"zero whole record", func(img []byte, off, rb int64) { clear(img[off : off+rb]) }},
		{"zero second half", func(img []byte, off, rb int64) { clear(img[off+rb/2 : off+rb]) }},
		{"zero commit word", func(img []byte, off, rb int64) { clear(img[off : off+commitWordBytes]) }},
		{"garble payload byte", func(img []byte, off, rb int64) { img[off+recordHeaderBytes+1] ^= 0x40 }},
		{"garble LSN", func(img []byte, off, rb int64) { img[off+recLSNOff] ^= 0x01 }},
		{"huge length", func(img []byte, off, rb int64) { le.PutUint32(img[off+recLengthOff:], 1<<31) }},
		{"garble padding", func(img []byte, off, rb int64) { img[off+rb-1] ^= 0x01 }},
	}
}

// The payloads used here are 17 bytes: every record has padding and room
// for the damages above.
func smallPayload(i int) []byte { return []byte(fmt.Sprintf("record %10d", i)) }

func TestTornTail(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		for _, d := range damages() {
			t.Run(d.name, func(t *testing.T) {
				tl := newTestLog(t, be, testLogBytes)
				for i := range 10 {
					tl.append(1, smallPayload(i))
				}
				require.NoError(t, tl.l.Close())
				offs := tl.recordOffsets(1, 11)
				mutateFile(t, tl.path, func(img []byte) { d.apply(img, offs[10], recordBytes(17)) })

				l, err := be.open(tl.path)
				require.NoError(t, err)
				tl.l = l
				recs, err := replayAll(tl.l)
				require.NoError(t, err, "a bad last record is the tail")
				tl.requireRecords(recs, lsnRange(1, 10)...)
				require.Equal(t, LSN(10), tl.l.NextLSN())

				require.Equal(t, LSN(10), tl.append(2, []byte("replacement")))
				tl.append(2, []byte("and one more"))
				tl.reopen()
				recs, err = replayAll(tl.l)
				require.NoError(t, err)
				tl.requireRecords(recs, lsnRange(1, 12)...)
			})
		}
	})
}

func TestMiddleCorruption(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		for _, d := range damages() {
			t.Run(d.name, func(t *testing.T) {
				tl := newTestLog(t, be, testLogBytes)
				for i := range 10 {
					tl.append(1, smallPayload(i))
				}
				require.NoError(t, tl.l.Close())
				offs := tl.recordOffsets(1, 11)
				mutateFile(t, tl.path, func(img []byte) { d.apply(img, offs[4], recordBytes(17)) })

				l, err := be.open(tl.path)
				require.NoError(t, err, "open succeeds so that the good prefix can be replayed")
				tl.l = l
				recs, err := replayAll(tl.l)
				require.ErrorIs(t, err, ErrCorrupt)
				require.ErrorContains(t, err, fmt.Sprintf("record LSN 4 at offset %d", offs[4]))
				require.ErrorContains(t, err, tl.path)
				tl.requireRecords(recs, 1, 2, 3)

				ctx := context.Background()
				_, err = tl.l.Append(ctx, 1, []byte("x"))
				require.ErrorIs(t, err, ErrCorrupt, "appending would bury the evidence")
				require.Equal(t, LSN(11), tl.l.NextLSN(), "LSNs seen after the damage are not reused")
				require.NoError(t, tl.l.Reset(ctx, tl.l.NextLSN()))
				require.Equal(t, LSN(11), tl.append(1, []byte("after reset")))
				tl.reopen()
				recs, err = replayAll(tl.l)
				require.NoError(t, err)
				tl.requireRecords(recs, 11)
			})
		}
	})
}

// TestStaleRecordOfSameGeneration builds the image a crash in the middle of
// a batch can leave: record 4 torn, record 5 of the same batch intact. 4 and
// 5 were never acknowledged; 5 must not be replayed, not now and not after a
// new record 4 is written in front of it, even one with exactly the torn
// record's bytes (a client retrying the same request).
func TestStaleRecordOfSameGeneration(t *testing.T) {
	for name, retry := range map[string][]byte{"new payload": smallPayload(99), "identical retry": smallPayload(3)} {
		t.Run(name, func(t *testing.T) {
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
				require.NoError(t, err, "a batch mate of the torn record is no evidence of damage")
				tl.requireRecords(recs, 1, 2, 3)

				require.Equal(t, LSN(4), tl.append(1, retry))
				tl.reopen()
				recs, err = replayAll(tl.l)
				require.NoError(t, err)
				tl.requireRecords(recs, 1, 2, 3, 4)
				require.Equal(t, LSN(5), tl.l.NextLSN(), "the stale record 5 does not chain to the new 4")
			})
		})
	}
}

// TestRandomDamage flips random bytes of a log image. Whatever happens,
// recovery either fails cleanly, or replays a prefix of what was appended,
// possibly followed by ErrCorrupt; never a record that differs.
func TestRandomDamage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		tl := newTestLog(t, be, 64<<10)
		for i := range 30 {
			p := payloadFor(i * 13)
			tl.append(uint8(1+i), p[:min(len(p), 700)])
		}
		tail := tl.l.Used()
		require.NoError(t, tl.l.Close())
		pristine, err := os.ReadFile(tl.path)
		require.NoError(t, err)

		rng := rand.New(rand.NewPCG(1, uint64(len(be.name))))
		dir := be.dir(t)
		outcomes := map[string]int{}
		iterations := 150
		if testing.Short() {
			iterations = 30
		}
		for i := range iterations {
			img := append([]byte{}, pristine...)
			var offs []int64
			for range 1 + rng.IntN(4) {
				off := rng.Int64N(tail) // mostly where it matters
				if rng.IntN(4) == 0 {
					off = rng.Int64N(int64(len(img)))
				}
				img[off] ^= byte(1 + rng.IntN(255))
				offs = append(offs, off)
			}
			path := filepath.Join(dir, fmt.Sprintf("damaged-%d.wal", i))
			require.NoError(t, os.WriteFile(path, img, 0o600))
			outcomes[checkDamagedLog(t, be, path, tl.appended, offs, tail)]++
			require.NoError(t, os.Remove(path))
		}
		t.Logf("outcomes: %v", outcomes)
	})
}

// checkDamagedLog opens and replays a damaged log and checks the outcome.
func checkDamagedLog(t *testing.T, be backend, path string, appended map[LSN]Record, offs []int64, tail int64) string {
	t.Helper()
	l, err := be.open(path)
	if err != nil {
		require.ErrorIs(t, err, ErrCorrupt, "damage at %v", offs)
		return "open failed"
	}
	defer l.Close()
	recs, err := replayAll(l)
	for i, r := range recs {
		want := appended[r.LSN]
		require.Equal(t, LSN(i+1), r.LSN, "damage at %v", offs)
		require.Equal(t, want.Type, r.Type, "damage at %v", offs)
		require.Equal(t, want.Payload, r.Payload, "damage at %v: LSN %d", offs, r.LSN)
	}
	inUse := false
	for _, off := range offs {
		inUse = inUse || off < tail
	}
	if !inUse {
		require.NoError(t, err, "damage past the tail (%v) is harmless", offs)
		require.Len(t, recs, len(appended))
	}
	switch {
	case err != nil:
		require.ErrorIs(t, err, ErrCorrupt, "damage at %v", offs)
		return "corrupt reported"
	case len(recs) == len(appended):
		return "all replayed"
	default:
		return "prefix replayed"
	}
}

func TestDecodeRecordRejects(t *testing.T) {
	good := encodeRecord(recordHeader{gen: 3, lsn: 9, acked: 8, prev: 77, typ: 5}, []byte("payload"))
	h, payload, n, err := decodeRecord(good)
	require.NoError(t, err)
	require.Equal(t, recordHeader{gen: 3, lsn: 9, acked: 8, prev: 77, length: 7, typ: 5}, h)
	require.Equal(t, "payload", string(payload))
	require.Equal(t, len(good), n)

	for name, tc := range map[string]struct {
		change func(b []byte) []byte
		why    string
	}{
		"short":       {func(b []byte) []byte { return b[:20] }, "header needs 48"},
		"cut":         {func(b []byte) []byte { return b[:len(b)-1] }, "cut off"},
		"magic":       {func(b []byte) []byte { b[0] = 'X'; return b }, "no record magic"},
		"reserved":    {func(b []byte) []byte { b[45] = 1; return b }, "reserved header byte 45"},
		"type zero":   {func(b []byte) []byte { b[recTypeOff] = 0; return b }, "type 0"},
		"long":        {func(b []byte) []byte { le.PutUint32(b[recLengthOff:], MaxPayloadBytes+1); return b }, "exceeds"},
		"padding":     {func(b []byte) []byte { b[len(b)-1] = 1; return b }, "padding byte"},
		"bad payload": {func(b []byte) []byte { b[recordHeaderBytes] ^= 1; return b }, "checksum mismatch"},
	} {
		_, _, _, err := decodeRecord(tc.change(append([]byte{}, good...)))
		require.ErrorContains(t, err, tc.why, name)
	}
}

func TestRecordChecksumIsCRC32C(t *testing.T) {
	payload := []byte("abc")
	rec := encodeRecord(recordHeader{gen: 1, lsn: 1, typ: 1}, payload)
	want := isal.CRC32C(0, append(append([]byte{}, payload...), rec[recGenOff:recordHeaderBytes]...))
	require.Equal(t, want, le.Uint32(rec[recCRCOff:]), "CRC of the payload followed by header bytes 8..48")
}
