//go:build systest

package systest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestPoolCreateLeaderLost kills the management service leader's server
// while a pool create it runs is under way, then restarts it. dmg, which
// sends the same create again while the refusals are passing ones, must
// end with the pool Ready (recorded from what the lost leader made, or
// made anew once its remains could be removed), and no pool may be left
// Creating.
func TestPoolCreateLeaderLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startCluster(ctx, t, 3, 1)
	leader, _, err := c.Leader(ctx)
	if err != nil {
		t.Fatalf("leader query: %v", err)
	}
	li := -1
	for i, s := range c.Servers {
		if s.Addr == leader {
			li = i
		}
	}
	if li < 0 {
		t.Fatalf("leader %q is not one of the servers", leader)
	}

	dctx, dcancel := context.WithTimeout(ctx, 3*time.Minute)
	defer dcancel()
	create := c.ClientCommand(dctx, "dmg", "-i", "-l", c.HostList(), "-j", "pool", "create",
		"-s", "256MiB", "-n", "1GiB", "--nsvc", "3", "lost")
	var out, stderr Buffer
	create.Stdout, create.Stderr = &out, &stderr
	if err := create.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- create.Wait() }()

	// Kill the leader once the directory lists the pool (Creating, if
	// the engines are still at it).
	seen := ""
	for deadline := time.Now().Add(30 * time.Second); seen == "" && time.Now().Before(deadline); {
		if pools, err := c.PoolStates(ctx); err == nil {
			seen = pools["lost"]
		}
		select {
		case err := <-done:
			t.Fatalf("dmg pool create ended before the leader was lost (%v):\n%s\n%s\n%s", err, out.String(), stderr.String(), c.Logs())
		default:
		}
	}
	switch seen {
	case "":
		t.Fatalf("the pool never showed in the directory\n%s", c.Logs())
	case "Creating":
	default:
		t.Skipf("the pool was %s before the leader could be lost mid-create", seen)
	}
	c.Kill(li)
	t.Logf("killed the leader %s with the pool %s", leader, seen)

	// The lost rank is noticed, then its server comes back.
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = c.WaitMembers(sctx, func(ms []Member) bool {
		m := ByAddr(ms, leader)
		return m != nil && m.State != "joined"
	})
	scancel()
	if err != nil {
		t.Fatalf("the lost leader's rank was not reported: %v\n%s", err, c.Logs())
	}
	if err := c.Start(li, false); err != nil {
		t.Fatal(err)
	}
	waitJoined(ctx, t, c, 3)

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("dmg pool create: %v\n%s\n%s\n%s", err, out.String(), stderr.String(), c.Logs())
		}
	case <-dctx.Done():
		t.Fatalf("dmg pool create did not end\n%s\n%s", stderr.String(), c.Logs())
	}
	var created struct {
		Response struct {
			UUID string `json:"uuid"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(out.String()), &created); err != nil || created.Response.UUID == "" {
		t.Fatalf("pool create reply: %v\n%s", err, out.String())
	}
	pools, err := c.PoolStates(ctx)
	if err != nil || pools["lost"] != "Ready" || len(pools) != 1 {
		t.Fatalf("pools after the create: %v, %v", pools, err)
	}
	switch logs := c.Logs(); {
	case strings.Contains(logs, "had finished; pool recorded"):
		t.Log("the new leader recorded the pool the lost one had made")
	case strings.Contains(logs, "to create the pool anew"):
		t.Log("the new leader removed what the lost one left and made the pool anew")
	default:
		t.Log("the pool was made without the new leader finding it Creating")
	}
	q, err := c.Dmg(ctx, "pool", "query", "lost")
	if err != nil || !strings.Contains(q, created.Response.UUID) || !strings.Contains(q, "ntarget=3") {
		t.Fatalf("pool query: %v\n%s", err, q)
	}
}
