package ofi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckAddr(t *testing.T) {
	in4 := append([]byte{afInet, 0}, make([]byte, 14)...)
	in6 := append([]byte{afInet6, 0}, make([]byte, 26)...)
	for _, tc := range []struct {
		name   string
		format uint32
		len    int
		addr   []byte
		ok     bool
	}{
		{"ipv4", addrSockaddrIn, 16, in4, true},
		{"ipv4 short", addrSockaddrIn, 16, in4[:15], false},
		{"ipv4 as ipv6", addrSockaddrIn, 16, in6, false},
		{"ipv6", addrSockaddrIn6, 28, in6, true},
		{"ipv6 family", addrSockaddrIn6, 28, append([]byte{afInet, 0}, make([]byte, 26)...), false},
		{"any, ipv4", addrSockaddr, 28, in4, true},
		{"any, ipv6", addrSockaddr, 28, in6, true},
		{"any, family 1", addrSockaddr, 28, append([]byte{1, 0}, make([]byte, 14)...), false},
		{"string", addrStr, 13, []byte("fi_shm://1:0\x00"), true},
		{"string unterminated", addrStr, 13, []byte("fi_shm://1:0"), false},
		{"string, inner NUL", addrStr, 13, []byte("fi\x00shm\x00"), false},
		{"string, empty", addrStr, 13, []byte{0}, false},
		{"opaque", 15, 8, make([]byte, 8), true},
		{"opaque, wrong length", 15, 8, make([]byte, 9), false},
		{"empty", 15, 0, nil, false},
		{"over the limit", 15, 0, make([]byte, maxAddrLen+1), false},
	} {
		err := checkAddr(tc.format, tc.len, tc.addr)
		if tc.ok {
			require.NoError(t, err, tc.name)
		} else {
			require.Error(t, err, tc.name)
		}
	}
}
