package vos

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

var (
	ctx  = context.Background()
	cid  = ContainerID{1}
	oid1 = daos.ObjectID{Hi: 1, Lo: 1}
	// oidLexical is of type DAOS_OT_DKEY_LEXICAL: dkeys in byte order.
	oidLexical = daos.ObjectID{Hi: otypeDkeyLexical<<56 | 1, Lo: 2}
)

func newTestPool(t *testing.T) *Pool {
	t.Helper()
	p, err := NewPool(Options{SCMBytes: 64 << 20})
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	return p
}

func sv(name string, val string) daos.IOD {
	return daos.IOD{Name: []byte(name), Type: daos.IODSingle, Size: uint64(len(val))}
}

func arr(name string, rsize uint64, recxs ...daos.Recx) daos.IOD {
	return daos.IOD{Name: []byte(name), Type: daos.IODArray, Size: rsize, Recxs: recxs}
}

func putSV(t *testing.T, p *Pool, epoch daos.Epoch, dk, ak, val string) {
	t.Helper()
	require.NoError(t, p.Update(ctx, cid, oid1, epoch, []byte(dk), []daos.IOD{sv(ak, val)}, [][]byte{[]byte(val)}, UpdateOptions{}))
}

func getSV(t *testing.T, p *Pool, epoch daos.Epoch, dk, ak string) string {
	t.Helper()
	res, err := p.Fetch(ctx, cid, oid1, epoch, []byte(dk), []daos.IOD{{Name: []byte(ak), Type: daos.IODSingle, Size: 1 << 20}}, FetchOptions{})
	require.NoError(t, err)
	return string(res[0].Data)
}

func putArr(t *testing.T, p *Pool, epoch daos.Epoch, ak string, idx uint64, data string) {
	t.Helper()
	iod := arr(ak, 1, daos.Recx{Idx: idx, Nr: uint64(len(data))})
	require.NoError(t, p.Update(ctx, cid, oid1, epoch, []byte("d"), []daos.IOD{iod}, [][]byte{[]byte(data)}, UpdateOptions{}))
}

// getArr reads records [0, n) as a string with holes shown as '.'.
func getArr(t *testing.T, p *Pool, epoch daos.Epoch, ak string, n uint64) string {
	t.Helper()
	res, err := p.Fetch(ctx, cid, oid1, epoch, []byte("d"), []daos.IOD{arr(ak, 1, daos.Recx{Idx: 0, Nr: n})}, FetchOptions{})
	require.NoError(t, err)
	return string(bytes.ReplaceAll(res[0].Data, []byte{0}, []byte{'.'}))
}

func TestSingleValueVersions(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 10, "d", "a", "ten")
	putSV(t, p, 20, "d", "a", "twenty")
	putSV(t, p, 15, "d", "a", "fifteen") // out of order
	require.Equal(t, "", getSV(t, p, 9, "d", "a"))
	require.Equal(t, "ten", getSV(t, p, 10, "d", "a"))
	require.Equal(t, "ten", getSV(t, p, 14, "d", "a"))
	require.Equal(t, "fifteen", getSV(t, p, 15, "d", "a"))
	require.Equal(t, "twenty", getSV(t, p, daos.EpochMax, "d", "a"))
	// Same epoch: the later write wins.
	putSV(t, p, 20, "d", "a", "again")
	require.Equal(t, "again", getSV(t, p, 20, "d", "a"))
	// Size 0 removes the value from that epoch on.
	putSV(t, p, 30, "d", "a", "")
	require.Equal(t, "", getSV(t, p, 30, "d", "a"))
	require.Equal(t, "again", getSV(t, p, 29, "d", "a"))
}

func TestSizeQueryAndRec2Big(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 1, "d", "a", "hello")
	res, err := p.Fetch(ctx, cid, oid1, 5, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: daos.RecAny}}, FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, uint64(5), res[0].Size)
	require.Nil(t, res[0].Data)
	_, err = p.Fetch(ctx, cid, oid1, 5, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 3}}, FetchOptions{})
	require.ErrorIs(t, err, daos.ErrRec2big)
}

func TestArrayOverlapsAcrossEpochs(t *testing.T) {
	p := newTestPool(t)
	putArr(t, p, 1, "x", 0, "aaaaaaaaaa")
	putArr(t, p, 3, "x", 2, "bbbb")
	putArr(t, p, 2, "x", 4, "cccc") // older than the b's it overlaps
	putArr(t, p, 4, "x", 12, "dd")  // leaves a hole at 10, 11
	require.Equal(t, "aaaaaaaaaa", getArr(t, p, 1, "x", 10))
	require.Equal(t, "aaaaccccaa..", getArr(t, p, 2, "x", 12))
	require.Equal(t, "aabbbbccaa..dd", getArr(t, p, 4, "x", 14))
	// A partial read inside one extent, and a read of a hole.
	res, err := p.Fetch(ctx, cid, oid1, 4, []byte("d"), []daos.IOD{arr("x", 1, daos.Recx{Idx: 3, Nr: 2}, daos.Recx{Idx: 10, Nr: 2})}, FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, []byte{'b', 'b', 0, 0}, res[0].Data)
	require.Equal(t, []ExtentInfo{{daos.Recx{Idx: 3, Nr: 2}, 3}}, res[0].Extents)
	// Record size query, then a wrong record size.
	res, err = p.Fetch(ctx, cid, oid1, 4, []byte("d"), []daos.IOD{arr("x", daos.RecAny, daos.Recx{Idx: 0, Nr: 4})}, FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, uint64(1), res[0].Size)
	_, err = p.Fetch(ctx, cid, oid1, 4, []byte("d"), []daos.IOD{arr("x", 2, daos.Recx{Idx: 0, Nr: 4})}, FetchOptions{})
	require.ErrorIs(t, err, daos.ErrRecSize)
}

func TestArrayMultiByteRecordsAndHolePunch(t *testing.T) {
	p := newTestPool(t)
	iod := arr("w", 4, daos.Recx{Idx: 0, Nr: 2}, daos.Recx{Idx: 5, Nr: 1})
	require.NoError(t, p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{iod}, [][]byte{[]byte("AAAABBBBCCCC")}, UpdateOptions{}))
	res, err := p.Fetch(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{arr("w", 4, daos.Recx{Idx: 0, Nr: 6})}, FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, "AAAABBBB"+string(make([]byte, 12))+"CCCC", string(res[0].Data))
	// Record size 0 punches a range.
	require.NoError(t, p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{arr("w", 0, daos.Recx{Idx: 1, Nr: 5})}, [][]byte{nil}, UpdateOptions{}))
	res, err = p.Fetch(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{arr("w", 4, daos.Recx{Idx: 0, Nr: 6})}, FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, "AAAA"+string(make([]byte, 20)), string(res[0].Data))
}

func TestUpdateValidation(t *testing.T) {
	p := newTestPool(t)
	cases := map[string]struct {
		epoch daos.Epoch
		dkey  string
		iods  []daos.IOD
		data  [][]byte
		want  error
	}{
		"epoch 0":           {0, "d", []daos.IOD{sv("a", "x")}, [][]byte{[]byte("x")}, daos.ErrInval},
		"epoch max":         {daos.EpochMax, "d", []daos.IOD{sv("a", "x")}, [][]byte{[]byte("x")}, daos.ErrInval},
		"empty dkey":        {1, "", []daos.IOD{sv("a", "x")}, [][]byte{[]byte("x")}, daos.ErrInval},
		"no iods":           {1, "d", nil, nil, daos.ErrInval},
		"data count":        {1, "d", []daos.IOD{sv("a", "x")}, nil, daos.ErrIoInval},
		"sv size mismatch":  {1, "d", []daos.IOD{sv("a", "xyz")}, [][]byte{[]byte("x")}, daos.ErrIoInval},
		"array short data":  {1, "d", []daos.IOD{arr("a", 2, daos.Recx{Idx: 0, Nr: 3})}, [][]byte{[]byte("abcd")}, daos.ErrIoInval},
		"array long data":   {1, "d", []daos.IOD{arr("a", 1, daos.Recx{Idx: 0, Nr: 1})}, [][]byte{[]byte("ab")}, daos.ErrIoInval},
		"empty extent":      {1, "d", []daos.IOD{arr("a", 1, daos.Recx{Idx: 0, Nr: 0})}, [][]byte{nil}, daos.ErrInval},
		"overflowing recx":  {1, "d", []daos.IOD{arr("a", 1, daos.Recx{Idx: ^uint64(0), Nr: 2})}, [][]byte{[]byte("ab")}, daos.ErrInval},
		"overflowing bytes": {1, "d", []daos.IOD{arr("a", 1<<62, daos.Recx{Idx: 0, Nr: 8})}, [][]byte{nil}, daos.ErrInval},
		"no type":           {1, "d", []daos.IOD{{Name: []byte("a"), Size: 1}}, [][]byte{[]byte("x")}, daos.ErrInval},
		"duplicate akey":    {1, "d", []daos.IOD{sv("a", "x"), sv("a", "y")}, [][]byte{[]byte("x"), []byte("y")}, daos.ErrInval},
		"sv with extents":   {1, "d", []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: 1}}}}, [][]byte{[]byte("x")}, daos.ErrInval},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := p.Update(ctx, cid, oid1, tc.epoch, []byte(tc.dkey), tc.iods, tc.data, UpdateOptions{})
			require.ErrorIs(t, err, tc.want)
		})
	}
	require.Equal(t, uint64(recordOverheadBytes), p.Space().SCMUsed, "failed updates must change nothing")
	err := p.Update(ctx, ContainerID{9}, oid1, 1, []byte("d"), []daos.IOD{sv("a", "x")}, [][]byte{[]byte("x")}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrNonexist)
}

func TestUpdateIsAtomicAcrossAkeys(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 1, "d", "b", "exists")
	// The second akey's condition fails: the first must not be applied.
	err := p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{sv("a", "new"), sv("b", "new")}, [][]byte{[]byte("new"), []byte("new")},
		UpdateOptions{Flags: daos.CondPerAkey})
	require.NoError(t, err, "per-akey flags are all zero: no condition")
	iods := []daos.IOD{sv("c", "new"), sv("b", "new")}
	iods[1].Flags = daos.CondAkeyInsert
	err = p.Update(ctx, cid, oid1, 3, []byte("d"), iods, [][]byte{[]byte("new"), []byte("new")}, UpdateOptions{Flags: daos.CondPerAkey})
	require.ErrorIs(t, err, daos.ErrExist)
	require.Equal(t, "", getSV(t, p, 3, "d", "c"))
}

func TestConditionalOps(t *testing.T) {
	p := newTestPool(t)
	up := func(epoch daos.Epoch, flags daos.CondFlags, dk, ak string) error {
		return p.Update(ctx, cid, oid1, epoch, []byte(dk), []daos.IOD{sv(ak, "v")}, [][]byte{[]byte("v")}, UpdateOptions{Flags: flags})
	}
	require.ErrorIs(t, up(1, daos.CondDkeyUpdate, "d", "a"), daos.ErrNonexist)
	require.NoError(t, up(1, daos.CondDkeyInsert, "d", "a"))
	require.ErrorIs(t, up(2, daos.CondDkeyInsert, "d", "b"), daos.ErrExist)
	require.NoError(t, up(2, daos.CondDkeyUpdate, "d", "b"))
	require.ErrorIs(t, up(3, daos.CondAkeyInsert, "d", "a"), daos.ErrExist)
	require.ErrorIs(t, up(3, daos.CondAkeyUpdate, "d", "zz"), daos.ErrNonexist)
	require.NoError(t, up(3, daos.CondAkeyUpdate, "d", "a"))
	// Conditions are judged as of the update's epoch.
	require.NoError(t, up(0+1, daos.CondAkeyInsert, "e", "a"))
	require.ErrorIs(t, up(5, daos.CondAkeyInsert, "e", "a"), daos.ErrExist)

	fetch := func(flags daos.CondFlags, dk, ak string) error {
		_, err := p.Fetch(ctx, cid, oid1, 10, []byte(dk), []daos.IOD{{Name: []byte(ak), Type: daos.IODSingle, Size: 8}}, FetchOptions{Flags: flags})
		return err
	}
	require.NoError(t, fetch(0, "nope", "a"))
	require.ErrorIs(t, fetch(daos.CondDkeyFetch, "nope", "a"), daos.ErrNonexist)
	require.ErrorIs(t, fetch(daos.CondAkeyFetch, "d", "nope"), daos.ErrNonexist)
	require.NoError(t, fetch(daos.CondDkeyFetch|daos.CondAkeyFetch, "d", "a"))

	punch := func(dk, ak string) error {
		return p.PunchAkeys(ctx, cid, oid1, 20, []byte(dk), [][]byte{[]byte(ak)}, PunchOptions{Flags: daos.CondPunch})
	}
	require.ErrorIs(t, punch("d", "nope"), daos.ErrNonexist)
	require.NoError(t, punch("d", "a"))
	require.ErrorIs(t, punch("d", "a"), daos.ErrNonexist, "already punched as of epoch 20")
	require.ErrorIs(t, p.PunchDkeys(ctx, cid, oid1, 20, [][]byte{[]byte("nope")}, PunchOptions{Flags: daos.CondPunch}), daos.ErrNonexist)
	require.ErrorIs(t, p.PunchObject(ctx, cid, daos.ObjectID{Lo: 99}, 20, PunchOptions{Flags: daos.CondPunch}), daos.ErrNonexist)
}

func TestPunchLevelsAndRewrite(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 1, "d1", "a", "one")
	putSV(t, p, 1, "d2", "a", "two")
	putArr(t, p, 1, "x", 0, "xxxx")

	require.NoError(t, p.PunchAkeys(ctx, cid, oid1, 5, []byte("d1"), [][]byte{[]byte("a")}, PunchOptions{}))
	require.Equal(t, "one", getSV(t, p, 4, "d1", "a"))
	require.Equal(t, "", getSV(t, p, 5, "d1", "a"))
	putSV(t, p, 6, "d1", "a", "back")
	require.Equal(t, "back", getSV(t, p, 6, "d1", "a"))
	// A late write below the punch stays hidden.
	putSV(t, p, 3, "d1", "a", "late")
	require.Equal(t, "", getSV(t, p, 5, "d1", "a"))
	require.Equal(t, "late", getSV(t, p, 3, "d1", "a"))

	require.NoError(t, p.PunchDkeys(ctx, cid, oid1, 7, [][]byte{[]byte("d2")}, PunchOptions{}))
	require.Equal(t, "", getSV(t, p, 7, "d2", "a"))
	require.Equal(t, "two", getSV(t, p, 6, "d2", "a"))

	require.NoError(t, p.PunchObject(ctx, cid, oid1, 8, PunchOptions{}))
	require.Equal(t, "", getSV(t, p, 8, "d1", "a"))
	require.Equal(t, "....", getArr(t, p, 8, "x", 4))
	require.Equal(t, "xxxx", getArr(t, p, 7, "x", 4))
	objs, err := p.ListObjects(cid, 8, &Anchor{}, 10, ReadOptions{})
	require.NoError(t, err)
	require.Empty(t, objs)
	objs, err = p.ListObjects(cid, 7, &Anchor{}, 10, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, []daos.ObjectID{oid1}, objs)
}

func TestEnumerationPagesAndAnchors(t *testing.T) {
	p := newTestPool(t)
	var want []string
	for i := 0; i < 25; i++ {
		dk := string(rune('a'+i%26)) + string(rune('0'+i/10))
		want = append(want, dk)
		putSV(t, p, daos.Epoch(i+1), dk, "k", "v")
		require.NoError(t, p.Update(ctx, cid, oidLexical, daos.Epoch(i+1), []byte(dk), []daos.IOD{sv("k", "v")}, [][]byte{[]byte("v")}, UpdateOptions{}))
	}
	listAll := func(oid daos.ObjectID) []string {
		var got []string
		anchor := &Anchor{}
		for pages := 0; !anchor.EOF; pages++ {
			require.Less(t, pages, 20)
			keys, err := p.ListDkeys(cid, oid, daos.EpochMax, anchor, 4, ReadOptions{})
			require.NoError(t, err)
			require.LessOrEqual(t, len(keys), 4)
			for _, k := range keys {
				got = append(got, string(k))
			}
		}
		return got
	}
	// The default object type keeps dkeys in hash order: every key once,
	// in no order the caller can rely on. Lexical objects list them sorted.
	require.ElementsMatch(t, want, listAll(oid1))
	got := listAll(oidLexical)
	require.ElementsMatch(t, want, got)
	require.IsIncreasing(t, got)
	// As of epoch 10, only the first ten dkeys exist.
	keys, err := p.ListDkeys(cid, oid1, 10, &Anchor{}, 100, ReadOptions{})
	require.NoError(t, err)
	require.Len(t, keys, 10)

	_, err = p.ListDkeys(cid, oid1, 10, &Anchor{}, 0, ReadOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
	_, err = p.ListObjects(cid, 10, &Anchor{Key: []byte("short")}, 1, ReadOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
}

func TestListAkeysAndRecx(t *testing.T) {
	p := newTestPool(t)
	putArr(t, p, 1, "x", 0, "aaaa")
	putArr(t, p, 2, "x", 2, "bb")
	putArr(t, p, 3, "x", 10, "c")
	putSV(t, p, 1, "d", "s", "v")
	akeys, err := p.ListAkeys(cid, oid1, 5, []byte("d"), &Anchor{}, 10, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("s"), []byte("x")}, akeys)

	anchor := &Anchor{}
	exts, rsize, err := p.ListRecx(cid, oid1, 5, []byte("d"), []byte("x"), anchor, 2, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, uint64(1), rsize)
	require.Equal(t, []ExtentInfo{{daos.Recx{Idx: 0, Nr: 2}, 1}, {daos.Recx{Idx: 2, Nr: 2}, 2}}, exts)
	require.False(t, anchor.EOF)
	exts, _, err = p.ListRecx(cid, oid1, 5, []byte("d"), []byte("x"), anchor, 2, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, []ExtentInfo{{daos.Recx{Idx: 10, Nr: 1}, 3}}, exts)
	require.True(t, anchor.EOF)
}

// TestIntegerDkeys: objects with integer dkeys (arrays among them) order
// them as numbers, which is what the array size query depends on, and
// take 8-byte dkeys only.
func TestIntegerDkeys(t *testing.T) {
	p := newTestPool(t)
	oid := daos.ObjectID{Hi: otypeArray<<56 | 1, Lo: 9}
	ikey := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	for i, v := range []uint64{300, 2, 1 << 40, 256, 17} {
		require.NoError(t, p.Update(ctx, cid, oid, daos.Epoch(i+1), ikey(v), []daos.IOD{sv("k", "v")}, [][]byte{[]byte("v")}, UpdateOptions{}))
	}
	keys, err := p.ListDkeys(cid, oid, daos.EpochMax, &Anchor{}, 100, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, [][]byte{ikey(2), ikey(17), ikey(256), ikey(300), ikey(1 << 40)}, keys)
	q, err := p.QueryKey(cid, oid, daos.EpochMax, daos.GetMax|daos.GetDkey, nil, nil, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, ikey(1<<40), q.Dkey)
	q, err = p.QueryKey(cid, oid, daos.EpochMax, daos.GetMin|daos.GetDkey, nil, nil, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, ikey(2), q.Dkey)

	err = p.Update(ctx, cid, oid, 10, []byte("short"), []daos.IOD{sv("k", "v")}, [][]byte{[]byte("v")}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
	_, err = p.Fetch(ctx, cid, oid, 10, []byte("short"), []daos.IOD{sv("k", "")}, FetchOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
	require.ErrorIs(t, p.PunchDkeys(ctx, cid, oid, 10, [][]byte{[]byte("short")}, PunchOptions{}), daos.ErrInval)
}

func TestQueryKey(t *testing.T) {
	p := newTestPool(t)
	putArr(t, p, 1, "x", 100, "aa")
	putArr(t, p, 2, "x", 5, "b")
	putSV(t, p, 1, "m", "k", "v")
	putSV(t, p, 3, "z", "k", "v")
	q, err := p.QueryKey(cid, oid1, 10, daos.GetMax|daos.GetDkey, nil, nil, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, "z", string(q.Dkey))
	q, err = p.QueryKey(cid, oid1, 2, daos.GetMax|daos.GetDkey, nil, nil, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, "m", string(q.Dkey))
	q, err = p.QueryKey(cid, oid1, 10, daos.GetMin|daos.GetDkey|daos.GetAkey, nil, nil, ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, "d", string(q.Dkey))
	require.Equal(t, "x", string(q.Akey))
	q, err = p.QueryKey(cid, oid1, 10, daos.GetMax|daos.GetRecx, []byte("d"), []byte("x"), ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, daos.Recx{Idx: 100, Nr: 2}, q.Recx)
	q, err = p.QueryKey(cid, oid1, 10, daos.GetMin|daos.GetRecx, []byte("d"), []byte("x"), ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, daos.Recx{Idx: 5, Nr: 1}, q.Recx)
	_, err = p.QueryKey(cid, oid1, 10, daos.GetMax|daos.GetMin|daos.GetDkey, nil, nil, ReadOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
	_, err = p.QueryKey(cid, daos.ObjectID{Lo: 42}, 10, daos.GetMax|daos.GetDkey, nil, nil, ReadOptions{})
	require.ErrorIs(t, err, daos.ErrNonexist)
}

// With GetDkey and GetRecx of a given akey, the dkey found is the extreme
// one holding an extent of it: greater dkeys with only other akeys or
// with the extents punched are passed over.
func TestQueryKeyDkeyWithExtent(t *testing.T) {
	p := newTestPool(t)
	put := func(epoch daos.Epoch, dk string, iod daos.IOD, data string) {
		require.NoError(t, p.Update(ctx, cid, oid1, epoch, []byte(dk), []daos.IOD{iod}, [][]byte{[]byte(data)}, UpdateOptions{}))
	}
	put(1, "b", arr("x", 1, daos.Recx{Idx: 7, Nr: 3}), "abc")
	put(1, "c", sv("meta", "m"), "m")
	put(1, "d", arr("x", 1, daos.Recx{Idx: 0, Nr: 2}), "zz")
	require.NoError(t, p.PunchAkeys(ctx, cid, oid1, 2, []byte("d"), [][]byte{[]byte("x")}, PunchOptions{}))
	q, err := p.QueryKey(cid, oid1, 10, daos.GetMax|daos.GetDkey|daos.GetRecx, nil, []byte("x"), ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, "b", string(q.Dkey))
	require.Equal(t, daos.Recx{Idx: 7, Nr: 3}, q.Recx)
	// Before the punch, d still had its extent.
	q, err = p.QueryKey(cid, oid1, 1, daos.GetMax|daos.GetDkey|daos.GetRecx, nil, []byte("x"), ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, "d", string(q.Dkey))
	// Nothing holds akey y.
	_, err = p.QueryKey(cid, oid1, 10, daos.GetMax|daos.GetDkey|daos.GetRecx, nil, []byte("y"), ReadOptions{})
	require.ErrorIs(t, err, daos.ErrNonexist)
}

func TestTransactions(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 1, "d", "a", "committed")
	require.NoError(t, p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{sv("a", "tx1")}, [][]byte{[]byte("tx1")}, UpdateOptions{Tx: 7}))
	require.NoError(t, p.PunchDkeys(ctx, cid, oid1, 3, [][]byte{[]byte("e")}, PunchOptions{Tx: 8}))
	require.Equal(t, "committed", getSV(t, p, 5, "d", "a"), "others do not see tx 7")
	res, err := p.Fetch(ctx, cid, oid1, 5, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 16}}, FetchOptions{Tx: 7})
	require.NoError(t, err)
	require.Equal(t, "tx1", string(res[0].Data), "tx 7 sees its own write")
	txs, err := p.Transactions(cid)
	require.NoError(t, err)
	require.ElementsMatch(t, []TxID{7, 8}, txs)

	require.NoError(t, p.Commit(ctx, cid, 7))
	require.Equal(t, "tx1", getSV(t, p, 5, "d", "a"))
	require.ErrorIs(t, p.Commit(ctx, cid, 7), daos.ErrNonexist)

	used := p.Space().SCMUsed
	require.NoError(t, p.Update(ctx, cid, oid1, 4, []byte("d"), []daos.IOD{sv("a", "doomed")}, [][]byte{[]byte("doomed")}, UpdateOptions{Tx: 9}))
	require.NoError(t, p.Abort(ctx, cid, 9))
	require.Equal(t, "tx1", getSV(t, p, 5, "d", "a"))
	res, err = p.Fetch(ctx, cid, oid1, 5, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 16}}, FetchOptions{Tx: 9})
	require.NoError(t, err)
	require.Equal(t, "tx1", string(res[0].Data), "an aborted transaction leaves no trace")
	require.Equal(t, used, p.Space().SCMUsed)
	require.ErrorIs(t, p.Abort(ctx, cid, 9), daos.ErrNonexist)
}

func TestSnapshotsAggregateAndDiscard(t *testing.T) {
	p := newTestPool(t)
	for e := daos.Epoch(1); e <= 10; e++ {
		putSV(t, p, e, "d", "a", string(rune('0'+e%10)))
		putArr(t, p, e, "x", e-1, string(rune('a'+e-1)))
		putArr(t, p, e, "y", 0, string(rune('A'+e-1))+string(rune('A'+e-1))) // each shadows the previous
	}
	require.NoError(t, p.SetSnapshots(ctx, cid, []daos.Epoch{3, 6}))
	before := map[daos.Epoch][3]string{}
	for _, e := range []daos.Epoch{3, 6, 9, 10} {
		before[e] = [3]string{getSV(t, p, e, "d", "a"), getArr(t, p, e, "x", 10), getArr(t, p, e, "y", 2)}
	}
	used := p.Space().SCMUsed
	st, err := p.Aggregate(ctx, cid, 10)
	require.NoError(t, err)
	// SV keeps 3, 6, 9 (and 10 is above); y keeps 3, 6, 9; x keeps all.
	require.Equal(t, uint64(6+6), st.VersionsRemoved)
	require.Less(t, p.Space().SCMUsed, used)
	for e, want := range before {
		got := [3]string{getSV(t, p, e, "d", "a"), getArr(t, p, e, "x", 10), getArr(t, p, e, "y", 2)}
		require.Equal(t, want, got, "view at epoch %d changed", e)
	}

	// Below the boundary, a discard must start just after a snapshot: the
	// version at 8 that a read would fall back to is gone.
	require.ErrorIs(t, p.Discard(ctx, cid, 9, 10), daos.ErrInval)
	require.NoError(t, p.Discard(ctx, cid, 7, 10)) // rollback to snapshot 6
	require.Equal(t, "6", getSV(t, p, daos.EpochMax, "d", "a"))
	require.Equal(t, "abcdef....", getArr(t, p, daos.EpochMax, "x", 10))
	require.Equal(t, "FF", getArr(t, p, daos.EpochMax, "y", 2))
	require.ErrorIs(t, p.Discard(ctx, cid, 5, 4), daos.ErrInval)
}

func TestAggregatePunchedRangesKeepHiding(t *testing.T) {
	p := newTestPool(t)
	putArr(t, p, 1, "x", 0, "aaaa")
	require.NoError(t, p.SetSnapshots(ctx, cid, []daos.Epoch{1}))
	require.NoError(t, p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{arr("x", 0, daos.Recx{Idx: 1, Nr: 2})}, [][]byte{nil}, UpdateOptions{}))
	_, err := p.Aggregate(ctx, cid, 5)
	require.NoError(t, err)
	require.Equal(t, "aaaa", getArr(t, p, 1, "x", 4))
	require.Equal(t, "a..a", getArr(t, p, 4, "x", 4))
}

func TestSpaceLimitIsNoSpaceAndChangesNothing(t *testing.T) {
	p, err := NewPool(Options{SCMBytes: 1024})
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	big := string(make([]byte, 2000))
	err = p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", big)}, [][]byte{[]byte(big)}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrNospace)
	require.Equal(t, uint64(recordOverheadBytes), p.Space().SCMUsed)
	putSV(t, p, 1, "d", "a", "small")
	require.NoError(t, p.DestroyContainer(ctx, cid))
	require.Zero(t, p.Space().SCMUsed)
	require.ErrorIs(t, p.DestroyContainer(ctx, cid), daos.ErrNonexist)
	_, err = NewPool(Options{})
	require.ErrorIs(t, err, daos.ErrInval)
}

func TestChecksumsStoredAndVerified(t *testing.T) {
	p := newTestPool(t)
	sum := func(b []byte) []byte { return []byte{byte(len(b)), b[0]} }
	verify := func(data, csum []byte) bool { return bytes.Equal(sum(data), csum) }
	err := p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("a", "hello")}, [][]byte{[]byte("hello")},
		UpdateOptions{Csums: [][][]byte{{sum([]byte("hello"))}}, Verify: verify})
	require.NoError(t, err)
	res, err := p.Fetch(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 5}}, FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, [][]byte{sum([]byte("hello"))}, res[0].Csums)
	err = p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{sv("a", "world")}, [][]byte{[]byte("world")},
		UpdateOptions{Csums: [][][]byte{{sum([]byte("WORLD"))}}, Verify: verify})
	require.ErrorIs(t, err, daos.ErrCsum)
	require.Equal(t, "hello", getSV(t, p, 5, "d", "a"))
}

func TestContainerLifecycle(t *testing.T) {
	p := newTestPool(t)
	require.ErrorIs(t, p.CreateContainer(ctx, cid), daos.ErrExist)
	require.NoError(t, p.CreateContainer(ctx, ContainerID{2}))
	require.ElementsMatch(t, []ContainerID{cid, {2}}, p.Containers())
	_, err := p.Fetch(ctx, ContainerID{3}, oid1, 1, []byte("d"), []daos.IOD{sv("a", "")}, FetchOptions{})
	require.ErrorIs(t, err, daos.ErrNonexist)
}

func TestWritesBelowAggregationBoundaryRestart(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 10, "d", "a", "v")
	_, err := p.Aggregate(ctx, cid, 20)
	require.NoError(t, err)
	err = p.Update(ctx, cid, oid1, 19, []byte("d"), []daos.IOD{sv("a", "late")}, [][]byte{[]byte("late")}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrTxRestart)
	require.ErrorIs(t, p.PunchObject(ctx, cid, oid1, 5, PunchOptions{}), daos.ErrTxRestart)
	putSV(t, p, 20, "d", "a", "ok")
	require.Equal(t, "ok", getSV(t, p, 20, "d", "a"))
	// A lower bound later does not move the boundary back.
	_, err = p.Aggregate(ctx, cid, 5)
	require.NoError(t, err)
	require.ErrorIs(t, p.PunchObject(ctx, cid, oid1, 19, PunchOptions{}), daos.ErrTxRestart)
}

func TestSameEpochWritesOfDifferentTransactions(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 5, "d", "a", "plain")
	require.NoError(t, p.Update(ctx, cid, oid1, 5, []byte("d"), []daos.IOD{sv("a", "tx")}, [][]byte{[]byte("tx")}, UpdateOptions{Tx: 3}))
	require.Equal(t, "plain", getSV(t, p, 5, "d", "a"), "an uncommitted write does not replace a committed one")
	require.NoError(t, p.Commit(ctx, cid, 3))
	require.Equal(t, "tx", getSV(t, p, 5, "d", "a"), "once committed, the later write of the epoch wins")
}

func TestJournalFailureChangesNothing(t *testing.T) {
	p := newTestPool(t)
	j := &memJournal{}
	p.journal = j
	putSV(t, p, 1, "d", "a", "kept")
	used := p.Space().SCMUsed
	j.failAt = len(j.records) + 1
	err := p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{sv("a", "lost")}, [][]byte{[]byte("lost")}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrIo)
	require.ErrorIs(t, p.PunchObject(ctx, cid, oid1, 3, PunchOptions{}), daos.ErrIo)
	require.ErrorIs(t, p.CreateContainer(ctx, ContainerID{5}), daos.ErrIo)
	j.failAt = 0 // the journal works again, but the pool stays stopped
	require.ErrorIs(t, p.PunchObject(ctx, cid, oid1, 4, PunchOptions{}), daos.ErrIo)
	require.Equal(t, "kept", getSV(t, p, 9, "d", "a"), "reads go on after a journal failure")
	require.Equal(t, used, p.Space().SCMUsed)
	require.Len(t, p.Containers(), 1)
}

// TestAkeyKindsDoNotMix: an akey holding single values refuses extents and
// the other way round, and the refused update changes nothing.
func TestAkeyKindsDoNotMix(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 1, "d", "s", "value")
	putArr(t, p, 1, "x", 0, "abc")
	err := p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{arr("s", 1, daos.Recx{Idx: 0, Nr: 2})}, [][]byte{[]byte("zz")}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
	err = p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{sv("x", "v")}, [][]byte{[]byte("v")}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
	require.Equal(t, "value", getSV(t, p, 5, "d", "s"))
	require.Equal(t, "abc", getArr(t, p, 5, "x", 3))
}

// TestFetchInto: values land in the caller's buffers when they fit, array
// holes are zeroed over whatever the buffer held, and short buffers are
// replaced rather than overrun.
func TestFetchInto(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 1, "d", "s", "hello")
	putArr(t, p, 1, "x", 2, "ab")
	iods := []daos.IOD{{Name: []byte("s"), Type: daos.IODSingle, Size: 64}, arr("x", 1, daos.Recx{Idx: 0, Nr: 5})}
	bufs := [][]byte{make([]byte, 64), bytes.Repeat([]byte{'#'}, 8)}
	res := make([]FetchResult, 2)
	require.NoError(t, p.FetchInto(ctx, cid, oid1, 5, []byte("d"), iods, bufs, res, FetchOptions{}))
	require.Equal(t, "hello", string(res[0].Data))
	require.Same(t, &bufs[0][0], &res[0].Data[0], "the value is read into the caller's buffer")
	require.Equal(t, "\x00\x00ab\x00", string(res[1].Data))
	require.Same(t, &bufs[1][0], &res[1].Data[0])

	short := [][]byte{make([]byte, 2)}
	res = res[:1]
	require.NoError(t, p.FetchInto(ctx, cid, oid1, 5, []byte("d"), iods[:1], short, res, FetchOptions{}))
	require.Equal(t, "hello", string(res[0].Data))
	require.Equal(t, []byte{0, 0}, short[0], "a short buffer is left alone")

	err := p.FetchInto(ctx, cid, oid1, 5, []byte("d"), iods, nil, res, FetchOptions{})
	require.ErrorIs(t, err, daos.ErrInval)
}

// TestFetchIntoDirtyHoles: only an array's holes are cleared in the
// caller's buffer (the pieces overwrite the rest), so a buffer full of
// garbage reads exactly as new memory does, with overlapping writes,
// several extents per IOD and holes at both ends and between them.
func TestFetchIntoDirtyHoles(t *testing.T) {
	p := newTestPool(t)
	putArr(t, p, 1, "x", 3, "aaaaaa")
	putArr(t, p, 2, "x", 5, "bb")
	putArr(t, p, 3, "x", 14, "cc")
	putArr(t, p, 4, "x", 20, "dddd")
	iods := []daos.IOD{arr("x", 1, daos.Recx{Idx: 0, Nr: 12}, daos.Recx{Idx: 13, Nr: 4}, daos.Recx{Idx: 19, Nr: 9})}
	want := make([]FetchResult, 1)
	require.NoError(t, p.FetchInto(ctx, cid, oid1, 10, []byte("d"), iods, nil, want, FetchOptions{}))
	require.Equal(t, "\x00\x00\x00aabbaa\x00\x00\x00"+"\x00cc\x00"+"\x00dddd\x00\x00\x00\x00", string(want[0].Data))
	for _, epoch := range []daos.Epoch{1, 2, 3, 10} {
		clean := make([]FetchResult, 1)
		require.NoError(t, p.FetchInto(ctx, cid, oid1, epoch, []byte("d"), iods, nil, clean, FetchOptions{}))
		dirty := [][]byte{bytes.Repeat([]byte{'#'}, 25)}
		got := make([]FetchResult, 1)
		require.NoError(t, p.FetchInto(ctx, cid, oid1, epoch, []byte("d"), iods, dirty, got, FetchOptions{}))
		require.Same(t, &dirty[0][0], &got[0].Data[0])
		require.Equal(t, clean[0].Data, got[0].Data, "epoch %d", epoch)
	}
}

func TestClearHoles(t *testing.T) {
	b := bytes.Repeat([]byte{'#'}, 12)
	clearHoles(b, []span{{8, 2}, {2, 3}, {3, 1}})
	require.Equal(t, "\x00\x00###\x00\x00\x00##\x00\x00", string(b))
	b = bytes.Repeat([]byte{'#'}, 4)
	clearHoles(b, nil)
	require.Equal(t, make([]byte, 4), b)
	b = bytes.Repeat([]byte{'#'}, 4)
	clearHoles(b, []span{{0, 4}})
	require.Equal(t, "####", string(b))
}

// An aggregation that left nothing at or above its boundary, nor
// uncommitted, settles the container: the next ones skip it until
// something changes that could give them work.
func TestAggregateSettles(t *testing.T) {
	p := newTestPool(t)
	agg := func(upTo daos.Epoch) AggregateStats {
		t.Helper()
		st, err := p.Aggregate(ctx, cid, upTo)
		require.NoError(t, err)
		return st
	}
	putSV(t, p, 10, "d", "a", "v10")
	putSV(t, p, 20, "d", "a", "v20")
	st := agg(30)
	require.Equal(t, uint64(1), st.VersionsRemoved)
	require.False(t, st.Skipped)
	require.True(t, agg(40).Skipped, "nothing changed and nothing was left above 30")

	// A write above the boundary: the next aggregation visits again, and
	// while something stays at or above its boundary it does not settle.
	putSV(t, p, 35, "d", "a", "v35")
	putSV(t, p, 50, "d", "a", "v50")
	st = agg(45)
	require.False(t, st.Skipped)
	require.Equal(t, uint64(1), st.VersionsRemoved, "v20 goes, v35 is the view below 45")
	st = agg(46)
	require.False(t, st.Skipped, "v50 was above the last boundary")
	require.Zero(t, st.VersionsRemoved)
	require.Equal(t, uint64(1), agg(60).VersionsRemoved)
	require.True(t, agg(70).Skipped)
	require.Equal(t, "v50", getSV(t, p, daos.EpochMax, "d", "a"))

	// A new snapshot list unsettles it (an unchanged one does not).
	require.NoError(t, p.SetSnapshots(ctx, cid, nil))
	require.True(t, agg(71).Skipped)
	require.NoError(t, p.SetSnapshots(ctx, cid, []daos.Epoch{75}))
	require.False(t, agg(72).Skipped)

	// An uncommitted write keeps it unsettled; its commit counts as a change.
	require.NoError(t, p.Update(ctx, cid, oid1, 80, []byte("d"), []daos.IOD{sv("a", "tx")}, [][]byte{[]byte("tx")}, UpdateOptions{Tx: 9}))
	putSV(t, p, 81, "d", "b", "b81")
	require.False(t, agg(90).Skipped)
	require.False(t, agg(91).Skipped, "transaction 9 is open")
	require.NoError(t, p.Commit(ctx, cid, 9))
	require.False(t, agg(92).Skipped)
	require.True(t, agg(93).Skipped)
	require.Equal(t, "tx", getSV(t, p, daos.EpochMax, "d", "a"))
	require.Equal(t, "v50", getSV(t, p, 75, "d", "a"), "snapshot 75 keeps its view")

	// A punch is a change too.
	require.NoError(t, p.PunchDkeys(ctx, cid, oid1, 95, [][]byte{[]byte("d")}, PunchOptions{}))
	require.False(t, agg(100).Skipped)
	require.True(t, agg(101).Skipped)
}
