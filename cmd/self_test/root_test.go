package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/cmdutil"
)

func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cmdutil.Execute(newRoot(), args, &out, &errOut)
	return out.String() + errOut.String(), code
}

func TestInProcessTable(t *testing.T) {
	out, code := run(t, "--in-process", "--compare-tcp", "-m", "0,64", "-b", "8k,1m", "-r", "20",
		"--bulk-mib", "4", "--rounds", "1", "--push")
	require.Equal(t, 0, code, out)
	for _, want := range []string{"rpc ping", "raw tcp ping", "bulk pull", "bulk push", "raw tcp stream", "p99 us"} {
		require.Contains(t, out, want)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.True(t, strings.HasPrefix(lines[len(lines)-2], "ratio rpc_rtt_vs_tcp "), out)
	require.True(t, strings.HasPrefix(lines[len(lines)-1], "ratio bulk_bw_vs_tcp "), out)
}

func TestJSON(t *testing.T) {
	out, code := run(t, "--json", "--in-process", "-m", "64", "-b", "4k", "-r", "5", "--rounds", "1", "--max-inflight-rpcs", "2")
	require.Equal(t, 0, code, out)
	var env struct {
		Response struct {
			Results []struct {
				Test     string `json:"test"`
				InFlight int    `json:"inflight"`
			} `json:"results"`
		} `json:"response"`
		Status int `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Equal(t, 0, env.Status)
	require.Len(t, env.Response.Results, 2)
	require.Equal(t, 2, env.Response.Results[0].InFlight)
}

func TestBadFlags(t *testing.T) {
	_, code := run(t, "--in-process", "-m", "12q")
	require.NotEqual(t, 0, code)
	_, code = run(t, "--in-process", "--max-inflight-rpcs", "0")
	require.NotEqual(t, 0, code)
	out, code := run(t, "--in-process", "--provider", "ofi+verbs;ofi_rxm")
	require.NotEqual(t, 0, code)
	require.Regexp(t, `available: (.*, )?tcp\b`, out)
	_, code = run(t, "--uri", "tcp://127.0.0.1:1", "--compare-tcp")
	require.NotEqual(t, 0, code)
}
