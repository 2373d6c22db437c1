package rpc

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// allFields exercises every codec method.
type allFields struct {
	U8   uint8
	U16  uint16
	U32  uint32
	U64  uint64
	UV   uint64
	V    int64
	B    bool
	Data []byte
	S    string
	List []uint32
	Bulk Bulk
}

const (
	maxTestBytes = 1 << 12
	maxTestList  = 64
)

func (m *allFields) EncodeRPC(e *Encoder) {
	e.PutUint8(m.U8)
	e.PutUint16(m.U16)
	e.PutUint32(m.U32)
	e.PutUint64(m.U64)
	e.PutUvarint(m.UV)
	e.PutVarint(m.V)
	e.PutBool(m.B)
	e.PutBytes(m.Data)
	e.PutString(m.S)
	e.PutUvarint(uint64(len(m.List)))
	for _, x := range m.List {
		e.PutUint32(x)
	}
	e.PutBulk(m.Bulk)
}

func (m *allFields) DecodeRPC(d *Decoder) error {
	m.U8, m.U16, m.U32, m.U64 = d.Uint8(), d.Uint16(), d.Uint32(), d.Uint64()
	m.UV, m.V, m.B = d.Uvarint(), d.Varint(), d.Bool()
	m.Data = d.Bytes(maxTestBytes)
	m.S = d.String(maxTestBytes)
	if n := d.Count(maxTestList, 4); n > 0 {
		m.List = make([]uint32, n)
		for i := range m.List {
			m.List[i] = d.Uint32()
		}
	}
	m.Bulk = d.Bulk(maxTestBytes)
	return d.Err()
}

func encode(m Message) []byte {
	e := NewEncoder(nil)
	m.EncodeRPC(e)
	return e.Bytes()
}

func decode(b []byte, m Message) error {
	d := NewDecoder(b)
	if err := m.DecodeRPC(d); err != nil {
		return err
	}
	return d.Finish()
}

func TestCodecRoundTrip(t *testing.T) {
	h := fabric.BulkHandle{Segments: []fabric.RemoteSegment{{Addr: 1 << 40, Key: 7, Len: 8192}, {Key: 9, Len: 1}}, Access: fabric.AccessRemoteRead}
	for name, m := range map[string]*allFields{
		"zero": {},
		"full": {U8: 1, U16: 0xbeef, U32: 1 << 31, U64: 1<<64 - 1, UV: 300, V: -5, B: true, Data: []byte("data"),
			S: "héllo", List: []uint32{1, 2, 3}, Bulk: Bulk{Len: 8193, Handle: h}},
		"inline":        {Bulk: Bulk{Len: 3, Inline: []byte("abc")}},
		"empty inline":  {Bulk: Bulk{Len: 0, Inline: []byte{}}},
		"inline wanted": {Bulk: Bulk{Len: 4000}},
	} {
		var got allFields
		require.NoError(t, decode(encode(m), &got), name)
		require.Equal(t, m, &got, name)
	}
}

func TestCodecRejects(t *testing.T) {
	good := encode(&allFields{Data: []byte("x"), List: []uint32{1}})
	// Every strict prefix is truncated.
	for i := 0; i < len(good); i++ {
		var m allFields
		err := decode(good[:i], &m)
		require.Error(t, err, "prefix of %d bytes", i)
		require.True(t, errors.Is(err, daos.ErrProto), "%v", err)
		var de *DecodeError
		require.ErrorAs(t, err, &de)
	}
	// Trailing bytes are refused.
	require.ErrorIs(t, decode(append(bytes.Clone(good), 0), &allFields{}), daos.ErrProto)

	fields := func(f func(e *Encoder)) []byte {
		e := NewEncoder(nil)
		e.PutRaw(make([]byte, 1+2+4+8)) // fixed-width fields
		e.PutUvarint(0)
		e.PutVarint(0)
		f(e)
		return e.Bytes()
	}
	for name, b := range map[string][]byte{
		"bool 2":        fields(func(e *Encoder) { e.PutUint8(2) }),
		"bytes too big": fields(func(e *Encoder) { e.PutBool(false); e.PutUvarint(maxTestBytes + 1) }),
		"bytes beyond":  fields(func(e *Encoder) { e.PutBool(false); e.PutUvarint(100); e.PutRaw([]byte("short")) }),
		"huge count": fields(func(e *Encoder) {
			e.PutBool(false)
			e.PutBytes(nil)
			e.PutString("")
			e.PutUvarint(1 << 60)
		}),
		"count beyond data": fields(func(e *Encoder) {
			e.PutBool(false)
			e.PutBytes(nil)
			e.PutString("")
			e.PutUvarint(10)
			e.PutUint32(1)
		}),
		"bad varint": fields(func(e *Encoder) {
			e.PutBool(false)
			e.PutRaw(bytes.Repeat([]byte{0xff}, 11))
		}),
	} {
		require.ErrorIs(t, decode(b, &allFields{}), daos.ErrProto, name)
	}
}

func TestBulkDescriptorRejects(t *testing.T) {
	bulk := func(f func(e *Encoder)) error {
		e := NewEncoder(nil)
		f(e)
		d := NewDecoder(e.Bytes())
		d.Bulk(100)
		return d.Finish()
	}
	for name, f := range map[string]func(e *Encoder){
		"unknown form":      func(e *Encoder) { e.PutUint8(9) },
		"inline too large":  func(e *Encoder) { e.PutUint8(bulkInlineData); e.PutBytes(make([]byte, 101)) },
		"wanted too large":  func(e *Encoder) { e.PutUint8(bulkInlineWanted); e.PutUvarint(101) },
		"handle no segs":    func(e *Encoder) { e.PutUint8(bulkHandle); e.PutUint8(1); e.PutUvarint(0) },
		"handle bad access": func(e *Encoder) { e.PutUint8(bulkHandle); e.PutUint8(0x80); e.PutUvarint(0) },
		"handle too many": func(e *Encoder) {
			e.PutUint8(bulkHandle)
			e.PutUint8(1)
			e.PutUvarint(fabric.MaxHandleSegments + 1)
			e.PutRaw(make([]byte, 3*(fabric.MaxHandleSegments+1)))
		},
		"handle overflow": func(e *Encoder) {
			e.PutUint8(bulkHandle)
			e.PutHandle(fabric.BulkHandle{Segments: []fabric.RemoteSegment{{Len: 1 << 62}, {Len: 1 << 62}}, Access: 1})
		},
	} {
		require.ErrorIs(t, bulk(f), daos.ErrProto, name)
	}
}

func TestHeader(t *testing.T) {
	for _, h := range []header{
		{kind: kindRequest, id: 1, op: 0xffffffff, timeoutUS: 5_000_000},
		{kind: kindReply, id: 1 << 60},
		{kind: kindReply, id: 2, status: daos.ErrNonexist, text: "no such thing"},
		{kind: kindCancel, id: 3},
	} {
		e := NewEncoder(nil)
		h.encode(e)
		if h.status == 0 {
			e.PutRaw([]byte("body"))
		}
		got, body, err := parseHeader(e.Bytes())
		require.NoError(t, err)
		require.Equal(t, h, got)
		if h.status == 0 {
			require.Equal(t, "body", string(body))
		}
	}
	for name, b := range map[string][]byte{
		"empty":        nil,
		"version":      {9, kindRequest, 1, 1, 0},
		"kind":         {wireVersion, 9, 1},
		"truncated":    {wireVersion, kindRequest, 1},
		"error + body": append([]byte{wireVersion, kindReply, 1, 5, 1, 'x'}, 'y'),
	} {
		_, _, err := parseHeader(b)
		require.ErrorIs(t, err, daos.ErrProto, name)
	}
	// Long error texts are cut to the limit.
	e := NewEncoder(nil)
	(&header{kind: kindReply, id: 1, status: daos.ErrInval, text: string(make([]byte, 5000))}).encode(e)
	got, _, err := parseHeader(e.Bytes())
	require.NoError(t, err)
	require.Len(t, got.text, maxErrorText)
}

// FuzzDecode feeds arbitrary bytes to the header parser and to a message
// with every kind of field: no panic, no result beyond the limits.
func FuzzDecode(f *testing.F) {
	f.Add(encode(&allFields{Data: []byte("abc"), List: []uint32{1, 2}, Bulk: Bulk{Len: 2, Inline: []byte("hi")}}))
	f.Add(encode(&allFields{Bulk: Bulk{Len: 5, Handle: fabric.BulkHandle{Segments: []fabric.RemoteSegment{{Key: 1, Len: 5}}, Access: 1}}}))
	e := NewEncoder(nil)
	(&header{kind: kindRequest, id: 5, op: 7, timeoutUS: 9}).encode(e)
	f.Add(e.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		if h, body, err := parseHeader(data); err == nil {
			if len(h.text) > maxErrorText || len(body) > len(data) {
				t.Fatalf("header %+v beyond limits", h)
			}
		}
		var m allFields
		if err := decode(data, &m); err != nil {
			if !errors.Is(err, daos.ErrProto) {
				t.Fatalf("decode error without DER_PROTO: %v", err)
			}
			return
		}
		if len(m.Data) > maxTestBytes || len(m.List) > maxTestList || len(m.Bulk.Inline) > maxTestBytes ||
			len(m.Bulk.Handle.Segments) > fabric.MaxHandleSegments {
			t.Fatalf("decoded beyond limits: %d %d %d", len(m.Data), len(m.List), len(m.Bulk.Inline))
		}
		// What decodes re-encodes to the same bytes.
		if again := encode(&m); !bytes.Equal(again, data) {
			var m2 allFields
			if err := decode(again, &m2); err != nil {
				t.Fatalf("re-encoding of a decoded message does not decode: %v", err)
			}
		}
	})
}

// TestCountLimits: a count over the limit, one whose elements cannot fit
// in the bytes left, and a negative limit (a caller's mistake that would
// otherwise lift it) all fail the decoder.
func TestCountLimits(t *testing.T) {
	enc := func(n uint64, pad int) []byte {
		e := NewEncoder(nil)
		e.PutUvarint(n)
		return append(e.Bytes(), make([]byte, pad)...)
	}
	d := getDecoder(enc(3, 12))
	require.Equal(t, 3, d.Count(10, 4))
	require.NoError(t, d.Err())
	putDecoder(d)
	for name, c := range map[string]struct {
		msg          []byte
		max, minSize int
	}{
		"over the limit":   {enc(11, 100), 10, 1},
		"cannot fit":       {enc(4, 12), 10, 4},
		"negative limit":   {enc(1, 8), -1, 1},
		"huge with no pad": {enc(1<<62, 0), 1 << 30, 0},
	} {
		d := getDecoder(c.msg)
		n := d.Count(c.max, c.minSize)
		require.Zero(t, n, name)
		require.ErrorIs(t, d.Err(), daos.ErrProto, name)
		putDecoder(d)
	}
}
