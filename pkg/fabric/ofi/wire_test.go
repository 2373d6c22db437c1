package ofi

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
)

func TestHeaderRoundTrip(t *testing.T) {
	b := make([]byte, hdrLen)
	want := header{typ: typMsg, flags: flagFromAcceptor, session: 0x1122334455667788, seq: 42}
	want.put(b)
	got, err := parseHeader(b)
	require.NoError(t, err)
	require.Equal(t, want, got)

	for name, mutate := range map[string]func([]byte) []byte{
		"short":   func(b []byte) []byte { return b[:hdrLen-1] },
		"version": func(b []byte) []byte { b[2] = 9; return b },
		"type":    func(b []byte) []byte { b[0] = 0; return b },
		"flags":   func(b []byte) []byte { b[1] = 0x80; return b },
	} {
		c := append([]byte(nil), b...)
		_, err := parseHeader(mutate(c))
		require.ErrorIs(t, err, fabric.ErrMalformed, name)
	}
}

func TestSockaddr(t *testing.T) {
	for _, s := range []string{"127.0.0.1:31416", "[::1]:20000"} {
		ap := netip.MustParseAddrPort(s)
		got, err := sockaddrToAddrPort(addrPortToSockaddr(ap))
		require.NoError(t, err)
		require.Equal(t, ap, got)
	}
	_, err := sockaddrToAddrPort([]byte{1, 2})
	require.Error(t, err)
}

func TestURI(t *testing.T) {
	p, err := fabric.ParseProvider("ofi+tcp;ofi_rxm")
	require.NoError(t, err)
	u, err := uriFor(p, addrPortToSockaddr(netip.MustParseAddrPort("127.0.0.1:5000")))
	require.NoError(t, err)
	require.Equal(t, "ofi+tcp;ofi_rxm://127.0.0.1:5000", u.String())
	name, err := nameFor(u)
	require.NoError(t, err)
	require.Len(t, name, 16)

	shm, err := fabric.ParseProvider("ofi+shm")
	require.NoError(t, err)
	u, err = uriFor(shm, []byte("fi_shm://1:0\x00"))
	require.NoError(t, err)
	name, err = nameFor(u)
	require.NoError(t, err)
	require.Equal(t, []byte("fi_shm://1:0\x00"), name)
}
