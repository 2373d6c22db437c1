package server

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// fakeNode writes a sysfs tree whose NUMA node n has cpulist.
func fakeNode(t *testing.T, n, cpulist string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "devices", "system", "node", "node"+n)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cpulist"), []byte(cpulist+"\n"), 0o644))
	return root
}

func TestNodeCPUs(t *testing.T) {
	cpus, err := nodeCPUs(fakeNode(t, "1", "0-2,5"), 1)
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, 2, 5}, cpus)
	_, err = nodeCPUs(fakeNode(t, "1", "0-2"), 3)
	require.ErrorContains(t, err, "pinned_numa_node 3: no such NUMA node here")
	_, err = nodeCPUs(fakeNode(t, "0", "zz"), 0)
	require.ErrorContains(t, err, "cpulist")
}

// TestStartOn: the child runs on the CPUs asked from its start (its own
// status says so), and the starting thread gets its mask back.
func TestStartOn(t *testing.T) {
	var mine unix.CPUSet
	require.NoError(t, unix.SchedGetaffinity(0, &mine))
	last := -1
	for c := range 1024 {
		if mine.IsSet(c) {
			last = c
		}
	}
	require.GreaterOrEqual(t, last, 0)

	cmd := exec.Command("grep", "Cpus_allowed_list", "/proc/self/status")
	var out strings.Builder
	cmd.Stdout = &out
	require.NoError(t, startOn(cmd, []int{last}))
	require.NoError(t, cmd.Wait())
	require.Equal(t, []string{"Cpus_allowed_list:", strconv.Itoa(last)}, strings.Fields(out.String()))

	var after unix.CPUSet
	require.NoError(t, unix.SchedGetaffinity(0, &after))
	require.Equal(t, mine.Count(), after.Count(), "the mask is restored")
}
