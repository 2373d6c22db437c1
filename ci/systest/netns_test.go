//go:build systest

package systest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMultiHostCluster runs three servers and a client on hosts of their
// own (network namespaces joined by a bridge), each with the same
// daos_server.yml naming interface eth1, no address of its own and the
// replicas by host name, as on a real cluster (dmg and the agent name the
// servers so too): the ranks join at their hosts' addresses, the engines
// serve on eth1's, and data written from the client host through the
// agent and read back crosses the hosts' links.
//
// It runs twice: with the pure-Go binaries, and built with libfabric (the
// engines and clients then speak ofi+tcp;ofi_rxm) where it is installed.
func TestMultiHostCluster(t *testing.T) {
	t.Run("pure-Go", func(t *testing.T) { testMultiHost(t, "") })
	t.Run("libfabric", func(t *testing.T) {
		if err := exec.Command("pkg-config", "--exists", "libfabric").Run(); err != nil {
			t.Skipf("skipped: libfabric's development files are not installed (pkg-config: %v)", err)
		}
		testMultiHost(t, "ofi")
	})
}

func testMultiHost(t *testing.T, tags string) {
	lab, err := NewNetLab(4)
	if errors.Is(err, ErrNoNetLab) {
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lab.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin := t.TempDir()
	if err := BuildTags(ctx, bin, tags); err != nil {
		t.Fatal(err)
	}
	c, err := NewMultiHost(bin, lab, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	// As an admin brings a system up: the servers start on unformatted
	// storage, dmg formats it across the hosts, and the ranks join.
	for i := range c.Servers {
		if err := c.Start(i, false); err != nil {
			t.Fatal(err)
		}
	}
	for try := 0; ; try++ {
		out, err := c.Dmg(ctx, "storage", "format")
		if err == nil {
			t.Logf("dmg storage format:\n%s", out)
			break
		}
		if try == 40 {
			t.Fatalf("dmg storage format: %v\n%s\n%s", err, out, c.Logs())
		}
		time.Sleep(250 * time.Millisecond) // the servers' control listeners come up
	}
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	_, err = c.WaitMembers(wctx, AllIn(3, "joined"))
	wcancel()
	if err != nil {
		t.Fatalf("ranks did not join after the format: %v\n%s", err, c.Logs())
	}

	out, err := c.Dmg(ctx, "-j", "system", "query", "-v")
	if err != nil {
		t.Fatalf("%v\n%s", err, c.Logs())
	}
	var q struct {
		Response struct {
			Members []struct {
				Rank      uint32 `json:"rank"`
				Addr      string `json:"addr"`
				FabricURI string `json:"fabric_uri"`
			} `json:"members"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(out), &q); err != nil {
		t.Fatalf("system query: %v\n%s", err, out)
	}
	if len(q.Response.Members) != 3 {
		t.Fatalf("members: %s", out)
	}
	seen := map[string]bool{}
	for _, m := range q.Response.Members {
		// A replica joins as its mgmt_svc_replicas entry names it.
		host := -1
		for i, s := range c.Servers {
			if m.Addr == s.Addr || m.Addr == fmt.Sprintf("%s:%d", lab.Names[i], LabPort) {
				host = i
			}
		}
		if host < 0 || seen[m.Addr] {
			t.Fatalf("rank %d at %q, not one host each of %s:\n%s", m.Rank, m.Addr, c.HostList(), out)
		}
		seen[m.Addr] = true
		if !strings.Contains(m.FabricURI, "://"+lab.IPs[host]+":") {
			t.Fatalf("rank %d on %s serves at %q, not on its %s (%s)", m.Rank, m.Addr, m.FabricURI, LabIface, lab.IPs[host])
		}
		t.Logf("rank %d: control %s, fabric %s", m.Rank, m.Addr, m.FabricURI)
	}

	// Every server finds the lab's interface for the provider it serves.
	if out, err := c.Dmg(ctx, "network", "scan"); err != nil || !strings.Contains(out, LabIface) {
		t.Fatalf("network scan: %v\n%s", err, out)
	}

	createPool(ctx, t, c, "-s", "256MiB", "-n", "1GiB", "lab")
	actx, acancel := context.WithTimeout(ctx, 20*time.Second)
	defer acancel()
	a, err := c.StartAgent(actx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	daos := func(args ...string) string {
		t.Helper()
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		defer ccancel()
		cmd := c.ClientCommand(cctx, "daos", args...)
		cmd.Env = append(os.Environ(), "DAOS_AGENT_DRPC_DIR="+filepath.Dir(a.Socket))
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Run(); err != nil {
			t.Fatalf("daos %s: %v\n%s%s\nagent:\n%s\n%s", strings.Join(args, " "), err, o.String(), e.String(), a.Log, c.Logs())
		}
		return o.String()
	}
	daos("container", "create", "lab", "fs", "--type", "POSIX")

	// A tree of a large file (chunks on every host's targets) and small
	// ones, copied in from the client host and back out.
	src := filepath.Join(t.TempDir(), "tree")
	want := map[string][]byte{"big": make([]byte, 5<<20+123), "sub/small": []byte("small file"), "sub/empty": nil}
	for i := range want["big"] {
		want["big"][i] = byte(rand.IntN(256))
	}
	for name, b := range want {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	daos("filesystem", "copy", "--src", src, "--dst", "daos://lab/fs")
	back := filepath.Join(t.TempDir(), "back")
	daos("filesystem", "copy", "--src", "daos://lab/fs/tree", "--dst", back)
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(back, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s after the round trip: %d bytes (want %d), %v", name, len(got), len(b), err)
		}
	}

	// Host 2 drops off the network (its link goes down: no resets, only
	// silence). The others report its rank lost; once the link is back,
	// its engine, removed from the group, restarts and joins again.
	lost, ok := rankAt(q.Response.Members, c.Servers[2].Addr, fmt.Sprintf("%s:%d", lab.Names[2], LabPort))
	if !ok {
		t.Fatalf("no member on host 2:\n%s", out)
	}
	if out, err := exec.Command("ip", "-n", lab.Hosts[2], "link", "set", LabIface, "down").CombinedOutput(); err != nil {
		t.Fatalf("link down: %v: %s", err, out)
	}
	start := time.Now()
	wctx, wcancel = context.WithTimeout(ctx, 90*time.Second)
	_, err = c.WaitMembers(wctx, func(ms []Member) bool {
		m := rankOfMember(ms, lost)
		return m != nil && (m.State == "unresponsive" || m.State == "excluded")
	})
	wcancel()
	if err != nil {
		t.Fatalf("rank %d on the cut-off host was not reported lost: %v\n%s", lost, err, c.Logs())
	}
	t.Logf("rank %d reported lost %v after its host's link went down", lost, time.Since(start).Round(time.Millisecond))
	if out, err := exec.Command("ip", "-n", lab.Hosts[2], "link", "set", LabIface, "up").CombinedOutput(); err != nil {
		t.Fatalf("link up: %v: %s", err, out)
	}
	start = time.Now()
	wctx, wcancel = context.WithTimeout(ctx, 90*time.Second)
	_, err = c.WaitMembers(wctx, AllIn(3, "joined"))
	wcancel()
	if err != nil {
		t.Fatalf("rank %d did not join again after its link came back: %v\n%s", lost, err, c.Logs())
	}
	t.Logf("rank %d joined again %v after its link came back", lost, time.Since(start).Round(time.Millisecond))
	// And the data is whole: read back once more, retrying while the
	// pool learns of the rank's return.
	again := filepath.Join(t.TempDir(), "again")
	for try := 0; ; try++ {
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		cmd := c.ClientCommand(cctx, "daos", "filesystem", "copy", "--src", "daos://lab/fs/tree", "--dst", again)
		cmd.Env = append(os.Environ(), "DAOS_AGENT_DRPC_DIR="+filepath.Dir(a.Socket))
		out, err := cmd.CombinedOutput()
		ccancel()
		if err == nil {
			break
		}
		if try == 30 {
			t.Fatalf("read back after the partition healed: %v\n%s\n%s", err, out, c.Logs())
		}
		os.RemoveAll(again)
		time.Sleep(time.Second)
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(again, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s after the partition: %d bytes (want %d), %v", name, len(got), len(b), err)
		}
	}
}

// rankAt is the rank of the member at one of the control addresses addrs.
func rankAt(ms []struct {
	Rank      uint32 `json:"rank"`
	Addr      string `json:"addr"`
	FabricURI string `json:"fabric_uri"`
}, addrs ...string) (uint32, bool) {
	for _, m := range ms {
		if slices.Contains(addrs, m.Addr) {
			return m.Rank, true
		}
	}
	return 0, false
}
