package main

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/telemetry"
)

type oneEngine struct{}

func (oneEngine) Instances() []server.InstanceInfo {
	return []server.InstanceInfo{{Index: 0, State: server.StateReady, Restarts: 2, LastExit: "signal: killed", LastExitCode: -1}}
}

// endpoint serves a real daos_server registry; it returns host and port.
func endpoint(t *testing.T) (string, string) {
	t.Helper()
	reg := telemetry.NewRegistry()
	require.NoError(t, reg.WatchEngines(oneEngine{}))
	ts := httptest.NewServer(telemetry.Handler(reg.Gatherer(), nil))
	t.Cleanup(ts.Close)
	u, err := url.Parse(ts.URL)
	require.NoError(t, err)
	return u.Hostname(), u.Port()
}

func TestTelemetryMetricsList(t *testing.T) {
	host, port := endpoint(t)
	out, rc := run(t, "telemetry", "metrics", "list", "-l", host, "-p", port)
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "Metric Name")
	require.Regexp(t, `daos_server_engine_restarts_total\s+counter\s+Automatic restarts`, out)
	require.Contains(t, out, "go_goroutines")

	out, rc = run(t, "telemetry", "metrics", "list", "-l", host, "-p", port, "-j")
	require.Equal(t, 0, rc, out)
	var env struct {
		Response metricSets `json:"response"`
		Status   int        `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	found := false
	for _, s := range env.Response.MetricSets {
		if s.Name == "daos_server_engine_state" {
			found = true
			require.Equal(t, "gauge", s.Type)
			require.Empty(t, s.Metrics)
		}
	}
	require.True(t, found, out)
}

// DAOS's long spelling of the host, --host, works too; given twice with
// different hosts it is an error.
func TestTelemetryMetricsHostFlag(t *testing.T) {
	host, port := endpoint(t)
	out, rc := run(t, "telemetry", "metrics", "list", "--host", host, "-p", port)
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "go_goroutines")
	out, rc = run(t, "telemetry", "metrics", "list", "-l", "node9", "--host", host, "-p", port)
	require.NotEqual(t, 0, rc, out)
	require.Contains(t, out, "host given twice")
	out, rc = run(t, "telemetry", "metrics", "list", "-p", port)
	require.NotEqual(t, 0, rc, out)
	require.Contains(t, out, "give the host with -l/--host")
}

func TestTelemetryMetricsQuery(t *testing.T) {
	host, port := endpoint(t)
	// A port with the host is the control port (-l host:10001): the
	// telemetry port is -p's.
	out, rc := run(t, "telemetry", "metrics", "query", "-l", host+":10001", "-p", port,
		"-m", "daos_server_engine_restarts_total,daos_server_engine_last_exit_code")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `daos_server_engine_restarts_total\s+counter\s+\(engine=0\)\s+2`, out)
	require.Regexp(t, `daos_server_engine_last_exit_code\s+gauge\s+\(engine=0\)\s+-1`, out)
	require.NotContains(t, out, "go_goroutines")

	out, rc = run(t, "telemetry", "metrics", "query", "-l", host, "-p", port, "-j", "-m", "daos_server_engine_state")
	require.Equal(t, 0, rc, out)
	var env struct {
		Response metricSets `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Len(t, env.Response.MetricSets, 1)
	ready := 0.0
	for _, m := range env.Response.MetricSets[0].Metrics {
		if m.Labels["state"] == "Ready" {
			ready = m.Value
		}
	}
	require.Equal(t, 1.0, ready)

	out, rc = run(t, "telemetry", "metrics", "query", "-l", host, "-p", port, "-m", "nope")
	require.NotEqual(t, 0, rc)
	require.Contains(t, out, "no such metrics: nope")
}

func TestTelemetryMetricsErrors(t *testing.T) {
	out, rc := run(t, "telemetry", "metrics", "list")
	require.NotEqual(t, 0, rc)
	require.Contains(t, out, "-l/--host")
	out, rc = run(t, "telemetry", "metrics", "list", "-l", "localhost", "-p", "0")
	require.NotEqual(t, 0, rc)
	require.Contains(t, out, "port 0")
	out, rc = run(t, "telemetry", "metrics", "list", "-l", "127.0.0.1", "-p", "1")
	require.NotEqual(t, 0, rc)
	require.True(t, strings.Contains(out, "connection refused") || strings.Contains(out, "127.0.0.1:1"), out)
}
