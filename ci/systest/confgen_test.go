//go:build systest

package systest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/daos-go/daos/pkg/control/config"
)

// checkConfigGenerate runs `dmg config generate` against the running
// servers. They share this host, so their hardware is alike and one
// config is proposed for all three; it must load and validate as
// daos_server loads it. A host with no up Ethernet interface (only lo,
// class loopback) can have no config, and must say so.
func checkConfigGenerate(ctx context.Context, t *testing.T, c *Cluster) {
	t.Helper()
	out, err := c.Dmg(ctx, "config", "generate", "-c", "ethernet", "-r", c.Servers[0].Addr)
	if err != nil {
		if strings.Contains(err.Error(), "no up ethernet interface found") {
			t.Logf("config generate: this host has no up Ethernet interface: %v", err)
			return
		}
		t.Fatalf("config generate: %v\n%s\n%s", err, out, c.Logs())
	}
	cfg, err := config.LoadServer(config.Source{Name: "generated", Data: []byte(out)})
	if err != nil {
		t.Fatalf("generated config does not load: %v\n%s", err, out)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("generated config does not validate: %v\n%s", err, out)
	}
	if len(cfg.Engines) == 0 || len(cfg.MgmtSvcReplicas) != 1 || cfg.MgmtSvcReplicas[0] != c.Servers[0].Addr {
		t.Fatalf("generated config: %d engines, replicas %v\n%s", len(cfg.Engines), cfg.MgmtSvcReplicas, out)
	}
	t.Logf("dmg config generate:\n%s", out)

	// One server, as JSON: the same keys in dmg's envelope.
	out, err = c.Dmg(ctx, "-j", "config", "generate", "-l", c.Servers[1].Addr, "-c", "ethernet", "-s")
	if err != nil {
		t.Fatalf("config generate -j: %v\n%s", err, out)
	}
	var env struct {
		Response struct {
			Provider string `json:"provider"`
			Engines  []struct {
				Storage []struct {
					Class string `json:"class"`
				} `json:"storage"`
			} `json:"engines"`
		} `json:"response"`
		Status int `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil || env.Status != 0 || env.Response.Provider == "" ||
		len(env.Response.Engines) == 0 || len(env.Response.Engines[0].Storage) != 1 {
		t.Fatalf("config generate -j: %v\n%s", err, out)
	}
}
