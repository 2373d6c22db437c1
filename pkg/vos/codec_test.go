package vos

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

func sampleUpdate() *updateOp {
	return &updateOp{cont: ContainerID{7}, oid: daos.ObjectID{Hi: 3, Lo: 4}, epoch: 99, tx: 5, dkey: "dk",
		akeys: []akeyUpdate{
			{name: "s", typ: daos.IODSingle, size: 3, vals: []opValue{{inline: []byte("abc")}}, csums: [][]byte{[]byte("cs")}},
			{name: "a", typ: daos.IODArray, size: 4096, recxs: []daos.Recx{{Idx: 1, Nr: 2}, {Idx: 9, Nr: 1}},
				vals: []opValue{{ext: &extent{Off: 8192, Len: 8192}}, {inline: make([]byte, 4096)}}, csums: [][]byte{nil, nil}},
		}}
}

// plainUpdate is op without the arrays that may back its slices, so that
// ops built in different ways compare by content.
func plainUpdate(op *updateOp) *updateOp {
	out := *op
	out.one = [1]akeyUpdate{}
	out.akeys = make([]akeyUpdate, len(op.akeys))
	for i, au := range op.akeys {
		au.oneVal, au.oneCsum = [1]opValue{}, [1][]byte{}
		out.akeys[i] = au
	}
	return &out
}

func TestCodecRoundTrips(t *testing.T) {
	up := sampleUpdate()
	got, err := decodeUpdate(encodeUpdate(up))
	require.NoError(t, err)
	require.Equal(t, plainUpdate(up), plainUpdate(got))

	pu := &punchOp{cont: ContainerID{1}, oid: daos.ObjectID{Lo: 1}, epoch: 4, tx: 2, dkeys: []string{"d"}, akeys: []string{"x", "y"}}
	gp, err := decodePunch(encodePunch(pu))
	require.NoError(t, err)
	require.Equal(t, pu, gp)

	co := contOp{cont: ContainerID{2}, a: 10, b: 20}
	gc, err := decodeContOp(encodeContOp(co))
	require.NoError(t, err)
	require.Equal(t, co, gc)

	c, snaps, err := decodeSnapshots(encodeSnapshots(ContainerID{3}, []daos.Epoch{1, 5}))
	require.NoError(t, err)
	require.Equal(t, ContainerID{3}, c)
	require.Equal(t, []daos.Epoch{1, 5}, snaps)
}

func TestCodecRejectsDamage(t *testing.T) {
	b := encodeUpdate(sampleUpdate())
	for cut := 0; cut < len(b); cut++ {
		_, err := decodeUpdate(b[:cut])
		require.ErrorIs(t, err, daos.ErrDfInval, "truncated at %d", cut)
	}
	_, err := decodeUpdate(append(b, 0))
	require.ErrorIs(t, err, daos.ErrDfInval, "trailing byte")
	_, err = decodeContOp([]byte{1, 2})
	require.ErrorIs(t, err, daos.ErrDfInval)
	// A huge length must not allocate or panic.
	_, err = decodeUpdate(append(make([]byte, 16), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f))
	require.ErrorIs(t, err, daos.ErrDfInval)
}

func FuzzDecodeRecords(f *testing.F) {
	f.Add(uint8(opUpdate), encodeUpdate(sampleUpdate()))
	f.Add(uint8(opPunch), encodePunch(&punchOp{cont: ContainerID{1}, epoch: 1, dkeys: []string{"d"}}))
	f.Add(uint8(opCommit), encodeContOp(contOp{a: 1}))
	f.Add(uint8(opSetSnapshots), encodeSnapshots(ContainerID{}, []daos.Epoch{3}))
	f.Add(uint8(opBatch), encodeBatch([]batchStep{{u: sampleUpdate()}, {p: &punchOp{cont: ContainerID{1}, epoch: 1, dkeys: []string{"d"}}}}))
	f.Fuzz(func(t *testing.T, typ uint8, payload []byte) {
		switch typ % 4 {
		case 0:
			if op, err := decodeUpdate(payload); err == nil {
				again, err := decodeUpdate(encodeUpdate(op))
				require.NoError(t, err)
				require.Equal(t, plainUpdate(op), plainUpdate(again))
			}
		case 1:
			if op, err := decodePunch(payload); err == nil {
				again, err := decodePunch(encodePunch(op))
				require.NoError(t, err)
				require.Equal(t, op, again)
			}
		case 2:
			_, _ = decodeContOp(payload)
		default:
			_, _, _ = decodeSnapshots(payload)
		}
		// Replaying garbage into a pool reports an error or applies a
		// well-formed record; it never panics.
		p, err := NewPool(Options{SCMBytes: 1 << 20})
		require.NoError(t, err)
		require.NoError(t, p.CreateContainer(ctx, ContainerID{}))
		_ = p.replayOp(typ%12, payload)
	})
}

func TestCheckpointKeepsOpenTransactions(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 1, "d", "a", "base")
	require.NoError(t, p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{sv("a", "tx5")}, [][]byte{[]byte("tx5")}, UpdateOptions{Tx: 5}))
	require.NoError(t, p.PunchDkeys(ctx, cid, oid1, 3, [][]byte{[]byte("e")}, PunchOptions{Tx: 6}))
	ckpt := p.encodeIndex()

	for _, commit := range []bool{true, false} {
		q, err := NewPool(Options{SCMBytes: 64 << 20})
		require.NoError(t, err)
		require.NoError(t, q.loadIndex(ckpt))
		txs, err := q.Transactions(cid)
		require.NoError(t, err)
		require.ElementsMatch(t, []TxID{5, 6}, txs)
		if commit {
			require.NoError(t, q.Commit(ctx, cid, 5))
			require.Equal(t, "tx5", getSV(t, q, 9, "d", "a"))
		} else {
			require.NoError(t, q.Abort(ctx, cid, 5))
			require.Equal(t, "base", getSV(t, q, 9, "d", "a"))
		}
	}
}

func TestCheckpointRejectsDamage(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 1, "d", "a", "v")
	putArr(t, p, 2, "x", 0, "abc")
	ckpt := p.encodeIndex()
	for cut := 0; cut < len(ckpt); cut++ {
		q, err := NewPool(Options{SCMBytes: 1 << 20})
		require.NoError(t, err)
		require.Error(t, q.loadIndex(ckpt[:cut]), "truncated at %d", cut)
	}
	bad := append([]byte(nil), ckpt...)
	bad[0] = 99 // format version
	q, err := NewPool(Options{SCMBytes: 1 << 20})
	require.NoError(t, err)
	require.ErrorIs(t, q.loadIndex(bad), daos.ErrDfIncompt)
}

// TestAppendIndexIntoSizedBuffer: the checkpoint encoded into a buffer
// sized ahead of time (too small, exact, larger) is the same bytes as
// encodeIndex, and the buffer's memory is used when it has the room.
func TestAppendIndexIntoSizedBuffer(t *testing.T) {
	p := newTestPool(t)
	for i := 0; i < 50; i++ {
		putSV(t, p, daos.Epoch(i+1), fmt.Sprint("d", i%7), "a", strings.Repeat("v", i))
	}
	want := p.encodeIndex()
	for _, c := range []int{0, 10, len(want), 2 * len(want)} {
		buf := make([]byte, 0, c)
		got := p.appendIndex(buf)
		require.Equal(t, want, got, "capacity %d", c)
		if c >= len(want) {
			require.Same(t, unsafe.SliceData(buf[:1]), unsafe.SliceData(got), "capacity %d: no new memory", c)
		}
	}
}
