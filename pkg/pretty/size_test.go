package pretty

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBytes(t *testing.T) {
	for n, want := range map[uint64]string{
		0:             "0 B",
		1023:          "1023 B",
		1024:          "1 KiB",
		1536:          "1.5 KiB",
		16 << 10:      "16 KiB",
		1<<20 + 1<<10: "1.0 MiB", // rounds, but shows that it is not exactly 1 MiB
		64 << 30:      "64 GiB",
		^uint64(0):    "16.0 EiB",
	} {
		require.Equal(t, want, Bytes(n), "%d", n)
	}
}

func TestUsage(t *testing.T) {
	require.Equal(t, "none", Usage(0, 0))
	require.Equal(t, "8 KiB used of 32 KiB (25%)", Usage(8<<10, 32<<10))
}
