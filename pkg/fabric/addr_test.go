package fabric

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseProvider(t *testing.T) {
	for in, want := range map[string]struct {
		p         Provider
		libfabric string
		ipBased   bool
	}{
		"tcp":               {Provider{Core: "tcp"}, "", true},
		"ofi+tcp":           {Provider{OFI: true, Core: "tcp"}, "tcp", true},
		"ofi+tcp;ofi_rxm":   {Provider{OFI: true, Core: "tcp", Utility: "ofi_rxm"}, "tcp;ofi_rxm", true},
		"ofi+verbs;ofi_rxm": {Provider{OFI: true, Core: "verbs", Utility: "ofi_rxm"}, "verbs;ofi_rxm", true},
		"ofi+shm":           {Provider{OFI: true, Core: "shm"}, "shm", false},
		"ofi+cxi":           {Provider{OFI: true, Core: "cxi"}, "cxi", false},
	} {
		p, err := ParseProvider(in)
		require.NoError(t, err, in)
		require.Equal(t, want.p, p, in)
		require.Equal(t, in, p.String())
		require.Equal(t, want.libfabric, p.Libfabric(), in)
		require.Equal(t, want.ipBased, p.IPBased(), in)
	}
	for _, bad := range []string{"", "ucx+dc_x", "ofi+", "ofi+;ofi_rxm", "ofi+tcp;", "ofi+TCP", "ofi+tcp;ofi rxm",
		"tcp;ofi_rxm", "ofi+tcp;ofi_rxm;x", strings.Repeat("a", 100)} {
		_, err := ParseProvider(bad)
		require.Error(t, err, "%q", bad)
	}
}

func TestParseURI(t *testing.T) {
	for _, s := range []string{
		"tcp://127.0.0.1:31416",
		"ofi+tcp;ofi_rxm://10.0.0.1:20000",
		"ofi+verbs;ofi_rxm://[fe80::1]:31416",
		"ofi+shm://4242:0",
	} {
		u, err := ParseURI(s)
		require.NoError(t, err, s)
		require.Equal(t, s, u.String())
		back, err := ParseURI(u.String())
		require.NoError(t, err)
		require.Equal(t, u, back)
	}
	u, err := ParseURI("tcp://127.0.0.2:9")
	require.NoError(t, err)
	ap, err := u.AddrPort()
	require.NoError(t, err)
	require.Equal(t, "127.0.0.2:9", ap.String())

	for _, bad := range []string{
		"", "tcp", "tcp://", "127.0.0.1:1", "tcp://127.0.0.1", "tcp://127.0.0.1:0", "tcp://host:1",
		"tcp://127.0.0.1:99999", "bogus://127.0.0.1:1", "ofi+shm://a b", "ofi+shm://\x00",
		"tcp://" + strings.Repeat("1", 300),
	} {
		_, err := ParseURI(bad)
		require.Error(t, err, "%q", bad)
	}
	require.True(t, URI{}.IsZero())
	require.Equal(t, "", URI{}.String())
}

func TestListenAddr(t *testing.T) {
	ap, err := Config{}.ListenAddr()
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:0", ap.String())
	ap, err = Config{Interface: "127.0.0.3", Port: 4000}.ListenAddr()
	require.NoError(t, err)
	require.Equal(t, "127.0.0.3:4000", ap.String())
	ap, err = Config{Interface: "lo"}.ListenAddr()
	require.NoError(t, err)
	require.True(t, ap.Addr().IsLoopback(), ap.String())
	_, err = Config{Interface: "no-such-if0"}.ListenAddr()
	require.ErrorContains(t, err, "no-such-if0")
	_, err = Config{Port: 70000}.ListenAddr()
	require.Error(t, err)
	require.Equal(t, DefaultMaxMessageSize, Config{}.MessageLimit())
	require.Equal(t, 100, Config{MaxMessageSize: 100}.MessageLimit())
}
