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

// TestCAPIOnThreeServers builds libdaos and the cmocka test
// src/tests/daos_api_test.c against it, as an application would
// (-ldaos, our headers), and runs it against three servers: forked
// children that each init and write, init/fini counting, pools,
// containers, object I/O, 64 events in flight, handle sharing, and the
// error codes of bad arguments; then daos_share_test, five processes
// sharing pool and container handles and a DFS mount and file as an MPI
// job does; then dfs_api_test, the DFS calls IOR's backend makes and
// their errno values; then dfs_sys_test, DFS by path.
func TestCAPIOnThreeServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	work := t.TempDir()
	libdir := filepath.Join(work, "lib64")
	inc, err := BuildLibdaos(ctx, libdir)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(inc)
	for _, name := range []string{"daos_api_test", "daos_share_test", "dfs_api_test", "dfs_sys_test"} {
		// -ldfs as DFS programs link it (a link to libdaos).
		cc := exec.CommandContext(ctx, "gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I", inc,
			"-o", filepath.Join(work, name), filepath.Join(root, "tests", name+".c"),
			"-L", libdir, "-Wl,-rpath,"+libdir, "-ldfs", "-lduns", "-ldaos", "-lcmocka", "-luuid")
		if out, err := cc.CombinedOutput(); err != nil {
			t.Fatalf("compile %s: %v\n%s", name, err, out)
		}
	}
	testBin := filepath.Join(work, "daos_api_test")

	c := startCluster(ctx, t, 3, 4)
	createPool(ctx, t, c, "-s", "512MiB", "-n", "1GiB", "capi")
	a, err := c.StartAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	env := "DAOS_AGENT_DRPC_DIR=" + filepath.Dir(a.Socket)
	// The forked children open this container: they start before the
	// parent may call DAOS, so the parent cannot make it itself.
	mk := exec.CommandContext(ctx, filepath.Join(c.Bin, "daos"), "container", "create", "capi", "forked")
	mk.Env = append(mk.Environ(), env)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("container create: %v\n%s", err, out)
	}
	run := exec.CommandContext(ctx, testBin)
	run.Env = append(run.Environ(), env, "DAOS_POOL=capi", "DAOS_POOL_TARGETS=12")
	out, err := run.CombinedOutput()
	res := string(out)
	t.Logf("daos_api_test:\n%s", res)
	if err != nil || !strings.Contains(res, "[  PASSED  ] 33 test(s).") {
		t.Fatalf("daos_api_test: %v\n%s", err, c.Logs())
	}

	// The DFS API as IOR's backend uses it (NULL attributes: default
	// object classes). Its pool has rd_fac 0, as those defaults would
	// otherwise be replicated classes, which this build cannot open yet.
	createPool(ctx, t, c, "-s", "512MiB", "-n", "1GiB", "-P", "rd_fac:0", "dfs")

	// Five processes sharing handles as an MPI job does: pool, container
	// and a DFS mount and file (hence the rd_fac 0 pool).
	share := exec.CommandContext(ctx, filepath.Join(work, "daos_share_test"), "5")
	share.Env = append(share.Environ(), env, "DAOS_POOL=dfs")
	out, err = share.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "5 ranks shared pool and container handles") {
		t.Fatalf("daos_share_test: %v\n%s\n%s", err, out, c.Logs())
	}
	t.Logf("%s", out)

	dfsRun := exec.CommandContext(ctx, filepath.Join(work, "dfs_api_test"))
	dfsRun.Env = append(dfsRun.Environ(), env, "DAOS_POOL=dfs")
	out, err = dfsRun.CombinedOutput()
	t.Logf("dfs_api_test:\n%s", out)
	// Two groups: the calls IOR makes, then the rest of the DFS API.
	if err != nil || !strings.Contains(string(out), "[  PASSED  ] 8 test(s).") ||
		!strings.Contains(string(out), "[  PASSED  ] 7 test(s).") {
		t.Fatalf("dfs_api_test: %v\n%s", err, c.Logs())
	}

	// DFS by path (daos_fs_sys.h), with its own container.
	sysRun := exec.CommandContext(ctx, filepath.Join(work, "dfs_sys_test"))
	sysRun.Env = append(sysRun.Environ(), env, "DAOS_POOL=dfs")
	out, err = sysRun.CombinedOutput()
	t.Logf("dfs_sys_test:\n%s", out)
	if err != nil || !strings.Contains(string(out), "[  PASSED  ] 12 test(s).") {
		t.Fatalf("dfs_sys_test: %v\n%s", err, c.Logs())
	}
}
