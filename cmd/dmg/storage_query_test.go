package main

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/ctlsvc"
	"github.com/daos-go/daos/pkg/control/server"
)

const testGiB = uint64(1) << 30

// usageEngines is a server with one formatted engine (8 GiB SCM, 2 GiB
// used; 16 GiB NVMe, no pools) and one unformatted engine.
type usageEngines struct{ *engines }

func (usageEngines) StorageUsage(context.Context) []server.EngineUsage {
	return []server.EngineUsage{
		{Index: 0, Formatted: true, UUID: "u0", Rank: 3, HasRank: true, PoolsKnown: true, Note: "no pools, so all NVMe space is free",
			SCM: &server.TierUsage{Tier: 0, Class: "ram", Devices: []string{"/mnt/daos0"}, Total: 8 * testGiB, Free: 6 * testGiB, FreeKnown: true,
				Note: "class ram used as a plain directory (no tmpfs mounted): capacity is the configured scm_size"},
			NVMe: []server.TierUsage{{Tier: 1, Class: "file", Devices: []string{"/tmp/b0", "/tmp/b1"}, Total: 16 * testGiB, Free: 16 * testGiB, FreeKnown: true}}},
		{Index: 1, Note: "not formatted (dmg storage format prepares it)"},
	}
}

func serveUsage(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	svc := &ctlsvc.Service{System: "daos_server", Engines: usageEngines{&engines{}}, Storage: scans{}, Network: scans{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ctlsvc.Serve(ctx, ctlsvc.NewGRPCServer(svc, insecure.NewCredentials()), lis, time.Second)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

func TestStorageQueryUsage(t *testing.T) {
	addr := serveUsage(t)

	out, rc := run(t, "-l", addr, "-i", "storage", "query", "usage")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `Hosts\s+SCM-Total\s+SCM-Free\s+SCM-Used\s+NVMe-Total\s+NVMe-Free\s+NVMe-Used`, out)
	require.Regexp(t, `127\.0\.0\.1:\d+\s+8 GiB\s+6 GiB\s+25 %\s+16 GiB\s+16 GiB\s+0 %`, out)
	require.Contains(t, out, "engine 1: not formatted")
	require.Contains(t, out, "scm_size")
	require.NotContains(t, out, "usable space")

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "usage", "-j")
	require.Equal(t, 0, rc, out)
	var env struct {
		Response struct {
			HostErrors     map[string]hostError  `json:"host_errors"`
			HostStorageMap map[string]usageGroup `json:"host_storage_map"`
		} `json:"response"`
		Error  *string `json:"error"`
		Status int     `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Nil(t, env.Error)
	require.Empty(t, env.Response.HostErrors)
	require.Len(t, env.Response.HostStorageMap, 1)
	for hosts, g := range env.Response.HostStorageMap {
		require.Equal(t, addr, hosts)
		s := g.Storage
		require.Equal(t, 8*testGiB, s.ScmTotal)
		require.Equal(t, 6*testGiB, s.ScmFree)
		require.Equal(t, 16*testGiB, s.NvmeFree)
		require.True(t, s.NvmeKnown)
		require.Len(t, s.Engines, 2)
		require.Equal(t, uint32(3), *s.Engines[0].Rank)
		require.Equal(t, uint32(0), *s.Engines[0].Pools)
		require.False(t, s.Engines[1].Formatted)
	}

	// -u and --mem-ratio are accepted, and say why usable space is not
	// shown.
	out, rc = run(t, "-l", addr, "-i", "storage", "query", "usage", "-u", "--mem-ratio", "50%")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "usable space cannot be computed yet")
	require.Contains(t, out, "--mem-ratio applies to MD-on-SSD")
	out, rc = run(t, "-l", addr, "-i", "storage", "query", "usage", "--mem-ratio", "25")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "only changes usable space")
}

func TestStorageQueryUsageBadMemRatio(t *testing.T) {
	for _, r := range []string{"0", "-5", "101", "abc", "0%"} {
		out, rc := run(t, "-l", "127.0.0.1:1", "-i", "storage", "query", "usage", "-u", "--mem-ratio", r)
		require.Equal(t, 1, rc, r)
		require.Contains(t, out, "--mem-ratio", r)
	}
}

func TestStorageQueryUsageDownHost(t *testing.T) {
	addr := serveUsage(t)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.Addr().String()
	dead.Close()

	out, rc := run(t, "-l", addr+","+deadAddr, "-i", "storage", "query", "usage")
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, "SCM-Total")
	require.Contains(t, out, "Errors:")
	require.Contains(t, out, deadAddr)

	out, rc = run(t, "-l", addr+","+deadAddr, "-i", "-j", "storage", "query", "usage")
	require.Equal(t, 1, rc, out)
	var env struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	// stderr's "dmg: ..." line follows the envelope.
	require.NoError(t, json.NewDecoder(strings.NewReader(out)).Decode(&env), out)
	require.Contains(t, env.Error, deadAddr)
	require.Equal(t, -1025, env.Status)
}
