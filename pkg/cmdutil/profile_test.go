package cmdutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProfilesOffWithoutTheirVariable(t *testing.T) {
	t.Setenv("DAOS_GO_TEST_PROFILE_DIR", "")
	for name, start := range map[string]func(env, name string) (func(), error){"cpu": CPUProfile, "trace": ExecTrace} {
		stop, err := start("DAOS_GO_TEST_PROFILE_DIR", "x")
		require.NoError(t, err, name)
		stop()
	}
}

func TestProfilesWrittenToTheirDirectory(t *testing.T) {
	for name, c := range map[string]struct {
		start func(env, name string) (func(), error)
		ext   string
	}{"cpu": {CPUProfile, "prof"}, "trace": {ExecTrace, "trace"}} {
		dir := t.TempDir()
		t.Setenv("DAOS_GO_TEST_PROFILE_DIR", dir)
		stop, err := c.start("DAOS_GO_TEST_PROFILE_DIR", "engine")
		if err != nil && strings.Contains(err.Error(), "already") {
			t.Skipf("%s: go test is profiling this process itself: %v", name, err)
		}
		require.NoError(t, err, name)
		stop()
		st, err := os.Stat(filepath.Join(dir, fmt.Sprintf("engine-%d.%s", os.Getpid(), c.ext)))
		require.NoError(t, err, name)
		require.NotZero(t, st.Size(), name)
	}
}

func TestProfileDirectoryMissing(t *testing.T) {
	t.Setenv("DAOS_GO_TEST_PROFILE_DIR", filepath.Join(t.TempDir(), "absent"))
	for name, start := range map[string]func(env, name string) (func(), error){"cpu": CPUProfile, "trace": ExecTrace} {
		_, err := start("DAOS_GO_TEST_PROFILE_DIR", "engine")
		require.ErrorContains(t, err, "DAOS_GO_TEST_PROFILE_DIR", name)
	}
}
