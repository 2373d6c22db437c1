package tcp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/bufpool"
	"github.com/daos-go/daos/pkg/fabric"
)

func TestCtrlFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	hdr := make([]byte, ctrlHeaderLen)
	putCtrlHeader(hdr, ctrlMessage, 3)
	buf.Write(hdr)
	buf.WriteString("abc")
	putCtrlHeader(hdr, ctrlBye, 0)
	buf.Write(hdr)
	r := bufio.NewReader(&buf)
	typ, msg, err := readCtrlFrame(r, 10)
	require.NoError(t, err)
	require.Equal(t, byte(ctrlMessage), typ)
	require.Equal(t, "abc", string(msg))
	typ, _, err = readCtrlFrame(r, 10)
	require.NoError(t, err)
	require.Equal(t, byte(ctrlBye), typ)
	_, _, err = readCtrlFrame(r, 10)
	require.ErrorIs(t, err, io.EOF)
}

func TestCtrlFrameRejects(t *testing.T) {
	_, _, err := readCtrlFrame(bufio.NewReader(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0x7f, ctrlMessage})), 1024)
	require.ErrorIs(t, err, fabric.ErrTooLarge, "over the limit")
	for name, frame := range map[string][]byte{
		"unknown type":           {0, 0, 0, 0, 9},
		"bye payload":            {1, 0, 0, 0, ctrlBye, 0},
		"bye payload, too large": {1, 0, 0, 0, ctrlByeTooLarge, 0},
	} {
		_, _, err := readCtrlFrame(bufio.NewReader(bytes.NewReader(frame)), 1024)
		require.ErrorIs(t, err, fabric.ErrMalformed, name)
	}
	// A frame cut short is an unexpected EOF, not a clean one.
	_, _, err = readCtrlFrame(bufio.NewReader(bytes.NewReader([]byte{5, 0, 0, 0, ctrlMessage, 'a'})), 1024)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestBulkHeaderRoundTrip(t *testing.T) {
	h := bulkHeader{typ: bulkWriteData, flags: flagLast, chunk: 77, op: 1, key: 2, off: 3, n: 4}
	b := make([]byte, bulkHeaderLen)
	h.put(b)
	got, err := parseBulkHeader(b)
	require.NoError(t, err)
	require.Equal(t, h, got)
	for name, bad := range map[string]bulkHeader{
		"type":        {typ: 99},
		"flags":       {typ: bulkReadReq, flags: 4},
		"req chunk":   {typ: bulkReadReq, chunk: 1},
		"huge chunk":  {typ: bulkReadData, chunk: MaxChunkWire + 1},
		"huge offset": {typ: bulkReadReq, off: 1 << 63},
	} {
		bad.put(b)
		_, err := parseBulkHeader(b)
		require.ErrorIs(t, err, fabric.ErrMalformed, name)
	}
}

func TestHello(t *testing.T) {
	h := hello{kind: kindBulk, session: 42}
	got, v, err := parseHello(h.encode())
	require.NoError(t, err)
	require.Equal(t, h, got)
	require.Equal(t, byte(protoVersion), v)
	_, _, err = parseHello([]byte("GET / HTTP/1.1\r\n"))
	require.ErrorIs(t, err, fabric.ErrMalformed)
	st, err := parseAnswer(encodeAnswer(answerClosing))
	require.NoError(t, err)
	require.Equal(t, byte(answerClosing), st)
	_, err = parseAnswer([]byte("HTTP/1.1"))
	require.ErrorIs(t, err, fabric.ErrMalformed)
}

// A stranger that sends garbage is hung up on; one that breaks the frame
// protocol after a good hello loses its session; the endpoint carries on.
func TestGarbageFromPeers(t *testing.T) {
	got := make(chan []byte, 10)
	ep, err := Driver{HandshakeTimeout: time.Second}.Open(t.Context(), fabric.Config{Provider: "tcp"}, func(_ fabric.Peer, m []byte) { got <- m })
	require.NoError(t, err)
	defer ep.Close()
	addr := ep.URI().Address

	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadFull(c, make([]byte, 1))
	require.Error(t, err, "the endpoint should hang up on garbage")
	c.Close()

	c, err = net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(hello{kind: kindCtrl, session: 7}.encode())
	require.NoError(t, err)
	ans := make([]byte, answerLen)
	_, err = io.ReadFull(c, ans)
	require.NoError(t, err)
	st, err := parseAnswer(ans)
	require.NoError(t, err)
	require.Equal(t, byte(answerOK), st)
	frame := make([]byte, ctrlHeaderLen+2)
	putCtrlHeader(frame, ctrlMessage, 2)
	copy(frame[ctrlHeaderLen:], "hi")
	_, err = c.Write(frame)
	require.NoError(t, err)
	require.Equal(t, "hi", string(<-got))
	// A length beyond the limit ends the session, saying why.
	binary.LittleEndian.PutUint32(frame, 1<<30)
	_, _ = c.Write(frame[:ctrlHeaderLen])
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	bye := make([]byte, ctrlHeaderLen)
	_, err = io.ReadFull(c, bye)
	require.NoError(t, err)
	want := make([]byte, ctrlHeaderLen)
	putCtrlHeader(want, ctrlByeTooLarge, 0)
	require.Equal(t, want, bye)
	_, err = io.ReadFull(c, make([]byte, 1))
	require.Error(t, err)
	require.False(t, errors.Is(err, io.ErrNoProgress))

	// The endpoint still serves well-behaved peers.
	peer, err := ep.Connect(t.Context(), ep.URI())
	require.NoError(t, err)
	require.NoError(t, peer.Send(t.Context(), []byte("ok")))
	require.Equal(t, "ok", string(<-got))
}

// FuzzCtrlFrame feeds arbitrary bytes to the control frame parser that
// sessions use: it must never panic nor allocate beyond the limit.
func FuzzCtrlFrame(f *testing.F) {
	f.Add([]byte{3, 0, 0, 0, ctrlMessage, 'a', 'b', 'c'})
	f.Add([]byte{0, 0, 0, 0, ctrlBye})
	f.Add([]byte{0, 0, 0, 0, ctrlByeTooLarge})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, ctrlMessage})
	f.Add(append([]byte{ctrlEagerLen, 0, 0, 0, ctrlEager}, make([]byte, ctrlEagerLen)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 16
		fr := newFrameReader(bufio.NewReader(bytes.NewReader(data)), limit, nil)
		for i := 0; i < 100; i++ {
			typ, msg, err := fr.next()
			if err != nil {
				return
			}
			bye := typ == ctrlBye || typ == ctrlByeTooLarge
			if len(msg) > limit || (typ != ctrlMessage && !(bye && len(msg) == 0) && (typ != ctrlEager || len(msg) != ctrlEagerLen)) {
				t.Fatalf("accepted type %d with %d bytes", typ, len(msg))
			}
		}
	})
}

// FuzzBulkHeader checks that every header the parser accepts is within the
// protocol's bounds and survives a round trip.
func FuzzBulkHeader(f *testing.F) {
	b := make([]byte, bulkHeaderLen)
	(&bulkHeader{typ: bulkReadData, flags: flagLast, chunk: 10, op: 1}).put(b)
	f.Add(b)
	e := make([]byte, bulkHeaderLen)
	(&bulkHeader{typ: bulkEagerData, chunk: 10, op: 1, off: 4, n: 14}).put(e)
	f.Add(e)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < bulkHeaderLen {
			return
		}
		h, err := parseBulkHeader(data[:bulkHeaderLen])
		if err != nil {
			return
		}
		if h.chunk > MaxChunkWire || h.off > 1<<62 || h.n > 1<<62 {
			t.Fatalf("accepted out-of-range header %+v", h)
		}
		if h.typ == bulkEagerData && (h.chunk == 0 || h.chunk > MaxEagerChunkWire || h.n > MaxEagerWire || h.off+uint64(h.chunk) > h.n) {
			t.Fatalf("accepted out-of-range eager header %+v", h)
		}
		again := make([]byte, bulkHeaderLen)
		h.put(again)
		h2, err := parseBulkHeader(again)
		if err != nil || h2 != h {
			t.Fatalf("round trip of %+v gave %+v, %v", h, h2, err)
		}
	})
}

// stutterReader hands out one byte per read, failing every other read
// with errStutter, as a read deadline interrupts a waiting caller.
type stutterReader struct {
	data []byte
	fail bool
}

var errStutter = errors.New("interrupted")

func (r *stutterReader) Read(p []byte) (int, error) {
	r.fail = !r.fail
	if r.fail {
		return 0, errStutter
	}
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	return 1, nil
}

func TestFrameReaderResumesAfterErrors(t *testing.T) {
	var stream []byte
	for _, m := range []string{"hello", "", "world!"} {
		hdr := make([]byte, ctrlHeaderLen)
		putCtrlHeader(hdr, ctrlMessage, len(m))
		stream = append(append(stream, hdr...), m...)
	}
	bye := make([]byte, ctrlHeaderLen)
	putCtrlHeader(bye, ctrlBye, 0)
	stream = append(stream, bye...)
	f := newFrameReader(bufio.NewReaderSize(&stutterReader{data: stream}, 16), 64, &bufpool.Pool{})
	var got []string
	interrupted := 0
	for {
		typ, msg, err := f.next()
		if errors.Is(err, errStutter) {
			interrupted++
			continue
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		if typ == ctrlBye {
			break
		}
		got = append(got, string(msg))
	}
	if want := []string{"hello", "", "world!"}; !slices.Equal(got, want) {
		t.Fatalf("frames %q, want %q", got, want)
	}
	if interrupted == 0 {
		t.Fatal("the reader was never interrupted")
	}
	_, _, err := f.next()
	for errors.Is(err, errStutter) {
		_, _, err = f.next()
	}
	if !errors.Is(err, io.EOF) {
		t.Fatalf("after the last frame: %v, want EOF", err)
	}
}
