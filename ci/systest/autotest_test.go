//go:build systest

package systest

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPoolAutotest runs `daos pool autotest` against a pool on three
// servers: connect, container, layouts, small and large object I/O,
// verification and cleanup, all through daos_agent.
func TestPoolAutotest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startCluster(ctx, t, 3, 1)
	createPool(ctx, t, c, "-s", "256MiB", "-n", "1GiB", "--nsvc", "3", "tank")
	a, err := c.StartAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	cmd := exec.CommandContext(ctx, filepath.Join(c.Bin, "daos"), "pool", "autotest", "-S", "tank")
	cmd.Env = append(cmd.Environ(), "DAOS_AGENT_DRPC_DIR="+filepath.Dir(a.Socket))
	b, err := cmd.CombinedOutput()
	res := string(b)
	if err != nil || !strings.Contains(res, "All steps passed.") {
		t.Fatalf("autotest: %v\n%s\n%s", err, res, c.Logs())
	}
	for _, want := range []string{"Connecting to pool", "Doing 10K small writes", "Verifying data", "Disconnecting from pool"} {
		if !strings.Contains(res, want) {
			t.Errorf("autotest output lacks %q:\n%s", want, res)
		}
	}
	t.Logf("autotest:\n%s", res)

	// daos_perf in a container of its own: 4 KiB single values and 1 MiB
	// array records written, read back and checked.
	for _, args := range [][]string{
		{"-P", "tank", "-d", "64", "-r", "4", "-s", "4K", "-R", "U;p V;p"},
		{"-P", "tank", "-d", "16", "-r", "1", "-s", "1M", "-A", "-R", "U;p V;p"},
	} {
		cmd := exec.CommandContext(ctx, filepath.Join(c.Bin, "daos_perf"), args...)
		cmd.Env = append(cmd.Environ(), "DAOS_AGENT_DRPC_DIR="+filepath.Dir(a.Socket))
		b, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(b), "update") || !strings.Contains(string(b), "verify") {
			t.Fatalf("daos_perf %v: %v\n%s\n%s", args, err, b, c.Logs())
		}
		t.Logf("daos_perf %v:\n%s", args, b)
	}
	// It left nothing behind: no container, no handle.
	if out, err := c.Dmg(ctx, "pool", "destroy", "tank"); err != nil {
		t.Fatalf("pool destroy after autotest: %v\n%s", err, out)
	}
}
