// Command controlbench measures the control plane on this machine: how
// long three daos_server processes (one engine each, all management
// service replicas, on 127.0.0.2-4) take from `daos_server start
// --auto-format` on fresh storage until every rank has joined, and how
// long `dmg system query` takes as an administrator runs it (a new dmg
// process each time, over loopback). Run by `ci/bench.sh control`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/ci/systest"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
)

func main() {
	rounds := flag.Int("rounds", 3, "bring-ups to time (a fresh system each)")
	queries := flag.Int("queries", 30, "dmg system query runs to time per round")
	flag.Parse()
	if err := run(*rounds, *queries); err != nil {
		fmt.Fprintln(os.Stderr, "controlbench:", err)
		os.Exit(1)
	}
}

func run(rounds, queries int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	bin, err := os.MkdirTemp("", "ctlbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	if err := systest.Build(ctx, bin); err != nil {
		return err
	}
	var ups, qs []time.Duration
	fmt.Printf("%-6s %-22s %-26s %-26s\n", "round", "3 servers up (s)", "dmg system query p50 (ms)", "dmg system query p90 (ms)")
	for r := 0; r < rounds; r++ {
		up, q, err := round(ctx, bin, queries)
		if err != nil {
			return fmt.Errorf("round %d: %w", r, err)
		}
		ups = append(ups, up)
		qs = append(qs, q...)
		slices.Sort(q)
		fmt.Printf("%-6d %-22.3f %-26.1f %-26.1f\n", r, up.Seconds(), ms(pct(q, 50)), ms(pct(q, 90)))
	}
	slices.Sort(ups)
	slices.Sort(qs)
	fmt.Printf("\nbring-up: median %.3f s, min %.3f s, max %.3f s over %d rounds (goal: under 5 s)\n",
		pct(ups, 50).Seconds(), ups[0].Seconds(), ups[len(ups)-1].Seconds(), len(ups))
	fmt.Printf("dmg system query: median %.1f ms, p90 %.1f ms, max %.1f ms over %d runs (goal: under 50 ms)\n",
		ms(pct(qs, 50)), ms(pct(qs, 90)), ms(qs[len(qs)-1]), len(qs))
	fmt.Printf("time system_up_3servers_s %.3f\n", pct(ups, 50).Seconds())
	fmt.Printf("time dmg_system_query_ms %.1f\n", ms(pct(qs, 50)))
	return nil
}

// round brings up a fresh three-server system and times it, then times
// dmg system query against it.
func round(ctx context.Context, bin string, queries int) (time.Duration, []time.Duration, error) {
	c, err := systest.New(bin, 3)
	if err != nil {
		return 0, nil, err
	}
	defer c.Close()
	// Poll in-process, so the polling costs little CPU on a small machine
	// and does not slow what it measures.
	client := ctlclient.NewWith(hostSlice(c), insecure.NewCredentials())
	start := time.Now()
	for i := range c.Servers {
		if err := c.Start(i, true); err != nil {
			return 0, nil, err
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		resp, err := ctlclient.MgmtCall(qctx, client, 2*time.Second, func(ctx context.Context, m mgmtpb.MgmtSvcClient) (*mgmtpb.SystemQueryResp, error) {
			return m.SystemQuery(ctx, &mgmtpb.SystemQueryReq{})
		})
		cancel()
		if err == nil && allJoined(resp, 3) {
			break
		}
		if time.Now().After(deadline) {
			return 0, nil, fmt.Errorf("ranks not all joined after 60 s (last error %v)\n%s", err, c.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	up := time.Since(start)

	dmg := filepath.Join(bin, "dmg")
	var q []time.Duration
	for i := 0; i < queries; i++ {
		t0 := time.Now()
		out, err := exec.CommandContext(ctx, dmg, "-i", "-l", c.HostList(), "system", "query").CombinedOutput()
		d := time.Since(t0)
		if err != nil {
			return 0, nil, fmt.Errorf("dmg system query: %v\n%s", err, out)
		}
		q = append(q, d)
	}
	return up, q, nil
}

func hostSlice(c *systest.Cluster) []string {
	var h []string
	for _, s := range c.Servers {
		h = append(h, s.Addr)
	}
	return h
}

func allJoined(resp *mgmtpb.SystemQueryResp, n int) bool {
	if len(resp.Members) != n {
		return false
	}
	for _, m := range resp.Members {
		if m.State != "joined" {
			return false
		}
	}
	return true
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := (len(d) - 1) * p / 100
	return d[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
