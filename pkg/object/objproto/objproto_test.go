package objproto

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/vos"
)

func roundTrip(t *testing.T, in, out rpc.Message) {
	t.Helper()
	e := rpc.NewEncoder(nil)
	in.EncodeRPC(e)
	d := rpc.NewDecoder(e.Bytes())
	require.NoError(t, out.DecodeRPC(d))
	require.NoError(t, d.Finish())
	assert.Equal(t, in, out)
	// Every strict prefix is refused, never a panic.
	for n := 0; n < len(e.Bytes()); n++ {
		d := rpc.NewDecoder(e.Bytes()[:n])
		err := out.DecodeRPC(d)
		if err == nil {
			err = d.Finish()
		}
		require.Error(t, err, "prefix of %d bytes of %d accepted", n, len(e.Bytes()))
	}
}

var hdr = Header{Pool: UUID{1}, Cont: UUID{2}, ContHandle: UUID{3}, MapVersion: 7, Target: 3,
	OID: daos.ObjectID{Hi: 1 << 56, Lo: 42}, Epoch: 99, HLC: 1234, Flags: daos.CondDkeyInsert}

func TestRoundTrips(t *testing.T) {
	iods := []daos.IOD{
		{Name: []byte("a"), Type: daos.IODSingle, Size: 5},
		{Name: []byte("arr"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: 3}, {Idx: 10, Nr: 2}}, Flags: daos.CondAkeyInsert},
	}
	roundTrip(t, &UpdateReq{Header: hdr, Dkey: []byte("d"), IODs: iods, Data: rpc.Bulk{Len: 10, Inline: []byte("helloabcde")}}, &UpdateReq{})
	summed := hdr
	summed.Csum = csum.Spec{Type: csum.CRC32, ChunkBytes: 4096, ServerVerify: true}
	roundTrip(t, &UpdateReq{Header: summed, Dkey: []byte("d"), IODs: iods, Data: rpc.Bulk{Len: 10, Inline: []byte("helloabcde")},
		Csums: [][]byte{[]byte("sum1"), []byte("sum2sum3")}}, &UpdateReq{})
	roundTrip(t, &FetchResp{Sizes: []uint64{5, 1}, Inline: []byte("x"), MapVersion: 2, HLC: 3, Csums: [][]byte{{1, 2}, nil}}, &FetchResp{})
	roundTrip(t, &UpdateResp{Epoch: 5, MapVersion: 2, HLC: 9}, &UpdateResp{})
	roundTrip(t, &FetchReq{Header: hdr, Dkey: []byte("d"), IODs: iods, Data: rpc.Bulk{Len: 10}, SizeOnly: true}, &FetchReq{})
	roundTrip(t, &FetchResp{Sizes: []uint64{5, 1}, Inline: []byte("x"), MapVersion: 2, HLC: 3}, &FetchResp{})
	roundTrip(t, &PunchReq{Header: hdr, Kind: PunchAkeys, Dkey: []byte("d"), Keys: [][]byte{[]byte("a"), []byte("b")}}, &PunchReq{})
	roundTrip(t, &EnumReq{Header: hdr, Kind: EnumRecxs, Dkey: []byte("d"), Akey: []byte("a"), Anchor: []byte{1, 2}, Max: 100}, &EnumReq{})
	roundTrip(t, &EnumResp{Keys: [][]byte{[]byte("k1")}, OIDs: []daos.ObjectID{{Hi: 1, Lo: 2}},
		Extents: []Extent{{Recx: daos.Recx{Idx: 1, Nr: 2}, Epoch: 3}}, RecordSize: 8, Anchor: []byte("z"), EOF: true, MapVersion: 4}, &EnumResp{})
	roundTrip(t, &QueryKeyReq{Header: hdr, Query: daos.GetMax | daos.GetDkey, Dkey: []byte("d"), Akey: []byte("a")}, &QueryKeyReq{})
	roundTrip(t, &QueryKeyResp{Dkey: []byte("d"), Akey: []byte("a"), Recx: daos.Recx{Idx: 4, Nr: 1}, MapVersion: 1}, &QueryKeyResp{})
	roundTrip(t, &BatchReq{Header: hdr, Steps: []BatchStep{
		{Kind: vos.BatchUpdate, Flags: daos.CondDkeyInsert, Dkey: []byte("new"), IODs: iods[:1], Data: []byte("entry"), Csums: [][]byte{[]byte("sum")}},
		{Kind: vos.BatchPunchDkey, Flags: daos.CondPunch, Dkey: []byte("old"), IODs: []daos.IOD{}},
		{Kind: vos.BatchPunchAkeys, Dkey: []byte("x"), IODs: []daos.IOD{}, Akeys: [][]byte{[]byte("a")}},
	}}, &BatchReq{})
	roundTrip(t, &CollReq{Header: hdr, Kind: CollQueryKey, Targets: []uint32{0, 3, 200}, Query: daos.GetMax | daos.GetDkey | daos.GetRecx,
		Akey: []byte("a")}, &CollReq{})
	roundTrip(t, &CollResp{Results: []CollResult{
		{Query: QueryKeyResp{Dkey: []byte("d"), Akey: []byte("a"), Recx: daos.Recx{Idx: 4, Nr: 1}, MapVersion: 1, MaxEpoch: 77}},
		{Status: daos.ErrNonexist, Text: "nothing here"},
	}, HLC: 5}, &CollResp{})
}

func TestCollectiveRejects(t *testing.T) {
	decode := func(m rpc.Message, b []byte) error {
		d := rpc.NewDecoder(b)
		err := m.DecodeRPC(d)
		if err == nil {
			err = d.Finish()
		}
		return err
	}
	enc := func(m rpc.Message) []byte {
		e := rpc.NewEncoder(nil)
		m.EncodeRPC(e)
		return e.Bytes()
	}
	hdrLen := 16*3 + 4 + 4 + 16 + 8 + 8 + 8 + 1 + 4 + 1
	// A kind of 0, then of 3.
	for _, k := range []byte{0, 3} {
		b := enc(&CollReq{Header: hdr, Kind: CollPunch, Targets: []uint32{1}})
		b[hdrLen] = k
		assert.ErrorIs(t, decode(&CollReq{}, b), daos.ErrProto, "kind %d", k)
	}
	// More targets than allowed.
	many := make([]uint32, MaxCollTargets+1)
	assert.ErrorIs(t, decode(&CollReq{}, enc(&CollReq{Header: hdr, Kind: CollPunch, Targets: many})), daos.ErrProto)
	// A reply with more results than allowed.
	assert.ErrorIs(t, decode(&CollResp{}, enc(&CollResp{Results: make([]CollResult, MaxCollTargets+1)})), daos.ErrProto)
	// An error text longer than the limit is cut, not refused.
	long := &CollResp{Results: []CollResult{{Status: daos.ErrIo, Text: string(make([]byte, 5000))}}}
	var got CollResp
	require.NoError(t, decode(&got, enc(long)))
	assert.Len(t, got.Results[0].Text, maxCollText)
}

func TestRejects(t *testing.T) {
	bad := func(m, out rpc.Message, mutate func([]byte) []byte) {
		t.Helper()
		e := rpc.NewEncoder(nil)
		m.EncodeRPC(e)
		b := mutate(append([]byte(nil), e.Bytes()...))
		d := rpc.NewDecoder(b)
		err := out.DecodeRPC(d)
		if err == nil {
			err = d.Finish()
		}
		assert.ErrorIs(t, err, daos.ErrProto)
	}
	hdrLen := 16*3 + 4 + 4 + 16 + 8 + 8 + 8 + 1 + 4 + 1
	// A checksum type of 99; a type with a chunk size of 0.
	bad(&PunchReq{Header: hdr, Kind: PunchObject}, &PunchReq{}, func(b []byte) []byte { b[hdrLen-6] = 99; return b })
	bad(&PunchReq{Header: hdr, Kind: PunchObject}, &PunchReq{}, func(b []byte) []byte { b[hdrLen-6] = 2; return b })
	// Checksum lists not one per IOD.
	bad(&UpdateReq{Header: hdr, Dkey: []byte("d"), IODs: []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}, Data: rpc.Bulk{Len: 1, Inline: []byte("x")},
		Csums: [][]byte{{1}, {2}}}, &UpdateReq{}, func(b []byte) []byte { return b })
	bad(&FetchResp{Sizes: []uint64{1}, Csums: [][]byte{{1}, {2}}}, &FetchResp{}, func(b []byte) []byte { return b })
	// An IOD type byte of 9.
	bad(&UpdateReq{Header: hdr, Dkey: []byte("d"), IODs: []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}, Data: rpc.Bulk{Len: 1, Inline: []byte("x")}},
		&UpdateReq{}, func(b []byte) []byte { b[hdrLen+2+1+2] = 9; return b })
	// A punch kind of 0 and an enumeration kind of 9.
	bad(&PunchReq{Header: hdr, Kind: PunchObject}, &PunchReq{}, func(b []byte) []byte { b[hdrLen] = 0; return b })
	bad(&EnumReq{Header: hdr, Kind: EnumDkeys}, &EnumReq{}, func(b []byte) []byte { b[hdrLen] = 9; return b })
	// A huge IOD count.
	bad(&FetchReq{Header: hdr, Dkey: []byte("d")}, &FetchReq{}, func(b []byte) []byte {
		return append(b[:hdrLen+2], 0xff, 0xff, 0xff, 0xff, 0x0f)
	})
	// A batch step of kind 0.
	bad(&BatchReq{Header: hdr, Steps: []BatchStep{{Kind: vos.BatchPunchDkey, Dkey: []byte("d")}}}, &BatchReq{},
		func(b []byte) []byte { b[hdrLen+1] = 0; return b })
	// Trailing garbage.
	bad(&UpdateResp{}, &UpdateResp{}, func(b []byte) []byte { return append(b, 1) })
}

func FuzzDecode(f *testing.F) {
	e := rpc.NewEncoder(nil)
	(&UpdateReq{Header: hdr, Dkey: []byte("d"), IODs: []daos.IOD{{Name: []byte("a"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 1, Nr: 1}}}}}).EncodeRPC(e)
	f.Add(uint8(0), e.Bytes())
	f.Add(uint8(3), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		msgs := []rpc.Message{&UpdateReq{}, &UpdateResp{}, &FetchReq{}, &FetchResp{}, &PunchReq{}, &EnumReq{}, &EnumResp{}, &QueryKeyReq{}, &QueryKeyResp{}, &BatchReq{}, &CollReq{}, &CollResp{}}
		m := msgs[int(which)%len(msgs)]
		// Whatever the bytes, decoding ends in a message or an error.
		if err := m.DecodeRPC(rpc.NewDecoder(b)); err != nil && !errors.Is(err, daos.ErrProto) {
			t.Fatalf("decode error without DER_PROTO: %v", err)
		}
	})
}

// TestFetchRespDeliver: with Deliver set, the inline data goes to it
// during the decode and nothing of the message stays in the reply, which
// then says it copies; Deliver's error fails the decode.
func TestFetchRespDeliver(t *testing.T) {
	e := rpc.NewEncoder(nil)
	(&FetchResp{Sizes: []uint64{4}, Inline: []byte("data"), MapVersion: 7, HLC: 9}).EncodeRPC(e)
	msg := e.Bytes()

	var got []byte
	m := &FetchResp{Deliver: func(b []byte) error { got = append([]byte(nil), b...); return nil }}
	require.NoError(t, m.DecodeRPC(rpc.NewDecoder(msg)))
	require.Equal(t, "data", string(got))
	require.Nil(t, m.Inline)
	require.Equal(t, []uint64{4}, m.Sizes)
	require.Equal(t, uint32(7), m.MapVersion)
	require.True(t, m.CopiesRPC())
	require.False(t, (&FetchResp{}).CopiesRPC(), "without Deliver, Inline aliases the message")

	bad := &FetchResp{Deliver: func([]byte) error { return daos.ErrProto }}
	require.ErrorIs(t, bad.DecodeRPC(rpc.NewDecoder(msg)), daos.ErrProto)
}
