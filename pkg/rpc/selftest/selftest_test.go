package selftest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/drivers"
	"github.com/daos-go/daos/pkg/fabric/fabrictest"
	"github.com/daos-go/daos/pkg/rpc"
)

func TestParseSizes(t *testing.T) {
	got, err := ParseSizes("0, 64,4k,1M,2g")
	require.NoError(t, err)
	require.Equal(t, []int64{0, 64, 4096, 1 << 20, 2 << 30}, got)
	_, err = ParseSizes("1x")
	require.Error(t, err)
	require.Equal(t, "64 B", FormatSize(64))
	require.Equal(t, "4 KiB", FormatSize(4096))
	require.Equal(t, "64 MiB", FormatSize(64<<20))
}

// A small plan runs end to end against an in-process echo service and the
// raw baseline, and reports every test and the headline ratios, on every
// provider built in that works on loopback.
func TestExecuteSmallPlan(t *testing.T) {
	have := fabric.Available(drivers.Default())
	for _, prov := range []string{"tcp", "ofi+tcp;ofi_rxm"} {
		t.Run(prov, func(t *testing.T) {
			if !slices.Contains(have, prov) {
				t.Skipf("%s is not built in or offered here (have %v)", prov, have)
			}
			testExecuteSmallPlan(t, prov)
		})
	}
}

func testExecuteSmallPlan(t *testing.T, prov string) {
	fabrictest.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg := rpc.NewRegistry()
	require.NoError(t, Register(reg))
	srv, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: prov}, Registry: reg})
	require.NoError(t, err)
	defer srv.Close()
	raw, err := ServeRaw("127.0.0.1:0")
	require.NoError(t, err)
	defer raw.Close()
	cl, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: prov}})
	require.NoError(t, err)
	defer cl.Close()

	rep, err := Execute(ctx, cl, srv.URI(), Plan{
		MessageSizes: []int64{0, 64, 5000}, BulkSizes: []int64{100, 1 << 20}, InFlight: []int{1, 16},
		Reps: 20, BulkBytes: 4 << 20, Rounds: 2, RawAddr: raw.Addr(), Push: true,
	})
	require.NoError(t, err)
	// 3 sizes x (raw + 2 inflight), no raw ping of 0 bytes, then
	// 2 sizes x (raw + raw through 16 buffers + 2 dirs x 2 inflight)
	require.Len(t, rep.Results, 3*3-1+2*6)
	for _, r := range rep.Results {
		require.Positive(t, r.Calls, r.Test)
		require.LessOrEqual(t, r.MinUS, r.P50US)
		require.LessOrEqual(t, r.P50US, r.P99US)
	}
	var names []string
	for _, r := range rep.Ratios {
		names = append(names, r.Metric)
		require.Positive(t, r.Value, r.Metric)
	}
	infix := ""
	if prov != "tcp" {
		infix = "_ofi"
	}
	var want []string
	for _, m := range []string{"rpc_rtt_p99%s_vs_tcp", "bulk_bw_16%s_vs_tcp_16buf", "bulk_bw_16%s_vs_tcp", "rpc_rtt%s_vs_tcp", "bulk_bw%s_vs_tcp"} {
		want = append(want, fmt.Sprintf(m, infix))
	}
	require.Equal(t, want, names)
	var out bytes.Buffer
	require.NoError(t, rep.WriteTable(&out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.True(t, strings.HasPrefix(lines[len(lines)-1], "ratio "+want[4]+" "), lines[len(lines)-1])
	require.True(t, strings.HasPrefix(lines[len(lines)-2], "ratio "+want[3]+" "))
}

// TestLimits: a server with limits refuses transfers over its bound by
// name, runs concurrent ones within its in-flight budget, and keeps no
// more idle buffers than it may.
func TestLimits(t *testing.T) {
	fabrictest.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg := rpc.NewRegistry()
	_, err := RegisterLimited(rpc.NewRegistry(), Limits{MaxBulk: 2 << 20, InFlightBytes: 1 << 20})
	require.Error(t, err, "a budget below one transfer")
	_, err = RegisterLimited(rpc.NewRegistry(), Limits{MaxBulk: MaxBulk + 1})
	require.Error(t, err)
	release, err := RegisterLimited(reg, Limits{MaxBulk: 1 << 20, InFlightBytes: 2 << 20, PooledBytes: 1 << 20})
	require.NoError(t, err)
	defer release()
	srv, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp"}, Registry: reg})
	require.NoError(t, err)
	defer srv.Close()
	cl, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp"}})
	require.NoError(t, err)
	defer cl.Close()

	_, err = Bulk(ctx, cl, srv.URI(), rpc.ToServer, 1<<20+1, 1, 1)
	require.ErrorContains(t, err, "at most 1048576")
	for _, dir := range []rpc.BulkDir{rpc.ToServer, rpc.FromServer} {
		r, err := Bulk(ctx, cl, srv.URI(), dir, 1<<20, 2, 32)
		require.NoError(t, err)
		require.Equal(t, 32, r.Calls)
	}
	// More in flight than the budget holds: refused, not queued.
	_, err = Bulk(ctx, cl, srv.URI(), rpc.ToServer, 1<<20, 8, 64)
	require.ErrorIs(t, err, daos.ErrBusy)
	b := &byteBudget{limit: 10}
	require.NoError(t, b.acquire(6))
	require.ErrorIs(t, b.acquire(6), daos.ErrBusy, "no waiting for room")
	b.release(6)
	require.NoError(t, b.acquire(6))
}
