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
func TestMultiHostCluster(t *testing.T) { eachBuild(t, testMultiHost) }

// eachBuild runs fn on pure-Go binaries (tags "") and on binaries built
// with libfabric (tags "ofi") where its development files are installed.
func eachBuild(t *testing.T, fn func(t *testing.T, tags string)) {
	t.Run("pure-Go", func(t *testing.T) { fn(t, "") })
	t.Run("libfabric", func(t *testing.T) {
		if err := exec.Command("pkg-config", "--exists", "libfabric").Run(); err != nil {
			t.Skipf("skipped: libfabric's development files are not installed (pkg-config: %v)", err)
		}
		fn(t, "ofi")
	})
}

// startLab brings up servers on three lab hosts, each with engines
// engines of targets targets, built with tags, as an admin does: the
// servers start on unformatted storage, dmg formats it across the hosts,
// and the ranks join. The lab and cluster go when the test ends.
func startLab(ctx context.Context, t *testing.T, tags string, engines, targets int) (*NetLab, *Cluster) {
	t.Helper()
	return startLabOf(ctx, t, tags, engines, targets, 0)
}

// startLabOf is startLab with the last routed lab hosts (the client's
// when 1) behind a router.
func startLabOf(ctx context.Context, t *testing.T, tags string, engines, targets, routed int) (*NetLab, *Cluster) {
	t.Helper()
	lab, err := NewRoutedNetLab(4, routed)
	if errors.Is(err, ErrNoNetLab) {
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lab.Close)
	bin := t.TempDir()
	if err := BuildTags(ctx, bin, tags); err != nil {
		t.Fatal(err)
	}
	c, err := NewMultiHost(bin, lab, 3, engines, targets)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for i := range c.Servers {
		if err := c.Start(i, false); err != nil {
			t.Fatal(err)
		}
	}
	// Once every server answers (their control listeners take a moment
	// to come up), one format: a retried format would find the engines
	// of the hosts the first one reached running.
	for try := 0; ; try++ {
		out, err := c.Dmg(ctx, "storage", "scan")
		if err == nil {
			break
		}
		if try == 40 {
			t.Fatalf("dmg storage scan: %v\n%s\n%s", err, out, c.Logs())
		}
		time.Sleep(250 * time.Millisecond)
	}
	out, err := c.Dmg(ctx, "storage", "format")
	if err != nil {
		t.Fatalf("dmg storage format: %v\n%s\n%s", err, out, c.Logs())
	}
	t.Logf("dmg storage format:\n%s", out)
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	_, err = c.WaitMembers(wctx, AllIn(3*engines, "joined"))
	wcancel()
	if err != nil {
		t.Fatalf("ranks did not join after the format: %v\n%s", err, c.Logs())
	}
	return lab, c
}

func testMultiHost(t *testing.T, tags string) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	lab, c := startLab(ctx, t, tags, 1, 2)
	var err error

	members, out := labMembers(ctx, t, c)
	if len(members) != 3 {
		t.Fatalf("members: %s", out)
	}
	seen := map[string]bool{}
	for _, m := range members {
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
	daos := labClient(ctx, t, c)
	daos.run("container", "create", "lab", "fs", "--type", "POSIX")

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
	daos.run("filesystem", "copy", "--src", src, "--dst", "daos://lab/fs")
	back := filepath.Join(t.TempDir(), "back")
	daos.run("filesystem", "copy", "--src", "daos://lab/fs/tree", "--dst", back)
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(back, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s after the round trip: %d bytes (want %d), %v", name, len(got), len(b), err)
		}
	}

	// Host 2 drops off the network (its link goes down: no resets, only
	// silence). The others report its rank lost; once the link is back,
	// its engine, removed from the group, restarts and joins again.
	lost, ok := rankAt(members, c.Servers[2].Addr, fmt.Sprintf("%s:%d", lab.Names[2], LabPort))
	if !ok {
		t.Fatalf("no member on host 2:\n%s", out)
	}
	if out, err := exec.Command("ip", "-n", lab.Hosts[2], "link", "set", LabIface, "down").CombinedOutput(); err != nil {
		t.Fatalf("link down: %v: %s", err, out)
	}
	start := time.Now()
	wctx, wcancel := context.WithTimeout(ctx, 90*time.Second)
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
		out, err := daos.try("filesystem", "copy", "--src", "daos://lab/fs/tree", "--dst", again)
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

// labMember is a rank as `dmg system query -j -v` reports it, with its
// fabric URI.
type labMember struct {
	Rank      uint32 `json:"rank"`
	Addr      string `json:"addr"`
	FabricURI string `json:"fabric_uri"`
}

// labMembers runs `dmg -j system query -v` and returns its members and
// output.
func labMembers(ctx context.Context, t *testing.T, c *Cluster) ([]labMember, string) {
	t.Helper()
	out, err := c.Dmg(ctx, "-j", "system", "query", "-v")
	if err != nil {
		t.Fatalf("%v\n%s", err, c.Logs())
	}
	var q struct {
		Response struct {
			Members []labMember `json:"members"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(out), &q); err != nil {
		t.Fatalf("system query: %v\n%s", err, out)
	}
	return q.Response.Members, out
}

// rankAt is the rank of the member at one of the control addresses addrs.
func rankAt(ms []labMember, addrs ...string) (uint32, bool) {
	for _, m := range ms {
		if slices.Contains(addrs, m.Addr) {
			return m.Rank, true
		}
	}
	return 0, false
}

// labDaos runs the daos tool on a lab cluster's client host, through an
// agent there.
type labDaos struct {
	t     *testing.T
	ctx   context.Context
	c     *Cluster
	agent *Agent
}

// labClient starts the agent on the client host (stopped when the test
// ends).
func labClient(ctx context.Context, t *testing.T, c *Cluster) *labDaos {
	t.Helper()
	a := startAgent(ctx, t, c)
	t.Cleanup(a.Stop)
	return &labDaos{t: t, ctx: ctx, c: c, agent: a}
}

// try runs daos with args and returns its output (both streams).
func (d *labDaos) try(args ...string) (string, error) {
	cctx, cancel := context.WithTimeout(d.ctx, time.Minute)
	defer cancel()
	cmd := d.c.ClientCommand(cctx, "daos", args...)
	cmd.Env = append(os.Environ(), "DAOS_AGENT_DRPC_DIR="+filepath.Dir(d.agent.Socket))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// run is try that fails the test, with the logs, on an error.
func (d *labDaos) run(args ...string) string {
	d.t.Helper()
	out, err := d.try(args...)
	if err != nil {
		d.t.Fatalf("daos %s: %v\n%s\nagent:\n%s\n%s", strings.Join(args, " "), err, out, d.agent.Log, d.c.Logs())
	}
	return out
}

// TestTwoEnginesPerHost runs three lab hosts with two engines each on one
// interface (ports 31416 and 32416), as DAOS nodes usually run one engine
// per socket: six ranks join, two per host; a pool spans them and data
// crosses them; a server stopped and started again brings both its ranks
// back under their old numbers.
func TestTwoEnginesPerHost(t *testing.T) { eachBuild(t, testTwoEngines) }

func testTwoEngines(t *testing.T, tags string) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	lab, c := startLab(ctx, t, tags, 2, 1)
	scheme := "tcp"
	if tags != "" {
		scheme = "ofi+tcp"
	}

	members, err := c.Query(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lms, out := labMembers(ctx, t, c)
	uris := map[string]bool{}
	ranksOf := map[string][]uint32{}
	for _, m := range lms {
		uris[m.FabricURI] = true
		ranksOf[m.Addr] = append(ranksOf[m.Addr], m.Rank)
	}
	for i := range c.Servers {
		for e := 0; e < 2; e++ {
			want := fmt.Sprintf("%s://%s:%d", scheme, lab.IPs[i], LabFabricPort+1000*e)
			if !uris[want] {
				t.Fatalf("no engine serves at %s:\n%s", want, out)
			}
		}
		if addr := fmt.Sprintf("%s:%d", lab.Names[i], LabPort); len(ranksOf[addr]) != 2 {
			t.Fatalf("host %s has ranks %v, want two:\n%s", addr, ranksOf[addr], out)
		}
	}
	t.Logf("ranks by host: %v", ranksOf)

	createPool(ctx, t, c, "-s", "256MiB", "-n", "1GiB", "lab")
	daos := labClient(ctx, t, c)
	daos.run("container", "create", "lab", "fs", "--type", "POSIX")
	src := filepath.Join(t.TempDir(), "big")
	data := make([]byte, 9<<20+7)
	for i := range data {
		data[i] = byte(rand.IntN(256))
	}
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	daos.run("filesystem", "copy", "--src", src, "--dst", "daos://lab/fs")
	back := filepath.Join(t.TempDir(), "big")
	daos.run("filesystem", "copy", "--src", "daos://lab/fs/big", "--dst", back)
	if got, err := os.ReadFile(back); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the round trip: %d bytes (want %d), %v", len(got), len(data), err)
	}

	// Server 1 stops (both engines with it) and starts again.
	host1 := fmt.Sprintf("%s:%d", lab.Names[1], LabPort)
	c.Stop(1)
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	_, err = c.WaitMembers(wctx, func(ms []Member) bool {
		down := 0
		for _, m := range ms {
			if m.Addr == host1 && m.State != "joined" {
				down++
			}
		}
		return down == 2
	})
	wcancel()
	if err != nil {
		t.Fatalf("host1's two ranks were not reported down: %v\n%s", err, c.Logs())
	}
	if err := c.Start(1, false); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel = context.WithTimeout(ctx, time.Minute)
	after, err := c.WaitMembers(wctx, AllIn(6, "joined"))
	wcancel()
	if err != nil {
		t.Fatalf("host1's ranks did not join again: %v\n%s", err, c.Logs())
	}
	for _, m := range members {
		if a := rankOfMember(after, m.Rank); a == nil || a.Addr != m.Addr {
			t.Fatalf("rank %d was on %s, is now %+v", m.Rank, m.Addr, a)
		}
	}
	back2 := filepath.Join(t.TempDir(), "big")
	daos.run("filesystem", "copy", "--src", "daos://lab/fs/big", "--dst", back2)
	if got, err := os.ReadFile(back2); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the restart: %d bytes (want %d), %v", len(got), len(data), err)
	}
}

// TestRoutedClient puts the client host on a subnet of its own, reaching
// the three servers' subnet only through a router, as a site's compute
// nodes may reach its storage nodes: dmg formats and queries the servers
// across it, the agent hands the client the one interface it has (not on
// the engines' network), and data written and read back through the
// agent crosses the router both ways.
func TestRoutedClient(t *testing.T) { eachBuild(t, testRoutedClient) }

func testRoutedClient(t *testing.T, tags string) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	lab, c := startLabOf(ctx, t, tags, 1, 2, 1)
	client := lab.IPs[len(lab.IPs)-1]
	if !strings.HasPrefix(client, "10.234.") {
		t.Fatalf("the client host is at %s, not behind the router", client)
	}
	members, out := labMembers(ctx, t, c)
	if len(members) != 3 {
		t.Fatalf("members: %s", out)
	}
	for _, m := range members {
		if !strings.Contains(m.FabricURI, "://10.233.0.") {
			t.Fatalf("rank %d serves at %q, not on the servers' subnet", m.Rank, m.FabricURI)
		}
	}

	createPool(ctx, t, c, "-s", "256MiB", "-n", "1GiB", "routed")
	daos := labClient(ctx, t, c)
	daos.run("container", "create", "routed", "fs", "--type", "POSIX")
	tx0, rx0, err := lab.RoutedBytes()
	if err != nil {
		t.Fatal(err)
	}
	fwd0, err := lab.Forwarded()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "tree")
	data := make([]byte, 3<<20+17)
	for i := range data {
		data[i] = byte(rand.IntN(256))
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "data"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	daos.run("filesystem", "copy", "--src", src, "--dst", "daos://routed/fs")
	back := filepath.Join(t.TempDir(), "back")
	daos.run("filesystem", "copy", "--src", "daos://routed/fs/tree", "--dst", back)
	got, err := os.ReadFile(filepath.Join(back, "data"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the round trip: %d bytes (want %d), %v", len(got), len(data), err)
	}
	tx1, rx1, err := lab.RoutedBytes()
	if err != nil {
		t.Fatal(err)
	}
	fwd1, err := lab.Forwarded()
	if err != nil {
		t.Fatal(err)
	}
	// The write went out of the client's segment (the router received
	// it there), the read came into it (the router sent it there), and
	// the router forwarded it (its own traffic would not count).
	if rx1-rx0 < uint64(len(data)) || tx1-tx0 < uint64(len(data)) || fwd1 == fwd0 {
		t.Fatalf("the router received %d bytes from the client's segment and sent %d to it, forwarding %d datagrams, for %d written and read back",
			rx1-rx0, tx1-tx0, fwd1-fwd0, len(data))
	}
	t.Logf("the router received %d bytes from the client's segment and sent %d to it, forwarding %d datagrams", rx1-rx0, tx1-tx0, fwd1-fwd0)
}
