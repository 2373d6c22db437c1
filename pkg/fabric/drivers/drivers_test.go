package drivers

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric/tcp"
)

func TestClientPollsForRepliesUnlessTheEnvironmentSays(t *testing.T) {
	for _, v := range []string{"", "-"} {
		if v == "-" {
			unsetenv(t, tcp.ReplySpinEnv)
		} else {
			t.Setenv(tcp.ReplySpinEnv, v) // empty counts as unset, as for the driver
		}
		d, ok := Client()[0].(tcp.Driver)
		require.True(t, ok)
		require.Equal(t, tcp.ClientReplySpin, d.ReplySpin)
	}
	t.Setenv(tcp.ReplySpinEnv, "0")
	d, ok := Client()[0].(tcp.Driver)
	require.True(t, ok)
	require.Zero(t, d.ReplySpin, "a set variable is left to the driver")
	require.Equal(t, len(Default()), len(Client()))
}

// unsetenv removes key for the test, restoring it afterwards.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	old, had := os.LookupEnv(key)
	require.NoError(t, os.Unsetenv(key))
	t.Cleanup(func() {
		if had {
			os.Setenv(key, old)
		}
	})
}
