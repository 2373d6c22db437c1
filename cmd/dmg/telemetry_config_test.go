package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// promFile is the part of prometheus.yml the test reads back.
type promFile struct {
	Global struct {
		ScrapeInterval string `yaml:"scrape_interval"`
	} `yaml:"global"`
	ScrapeConfigs []struct {
		JobName        string `yaml:"job_name"`
		ScrapeInterval string `yaml:"scrape_interval"`
		StaticConfigs  []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

func readProm(t *testing.T, path string) promFile {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var p promFile
	require.NoError(t, yaml.Unmarshal(data, &p), string(data))
	return p
}

func TestTelemetryConfig(t *testing.T) {
	dir := t.TempDir()
	ctl := filepath.Join(dir, "daos_control.yml")
	require.NoError(t, os.WriteFile(ctl, []byte("port: 10001\nhostlist: ['node[1-2]', 'node2:10002', 'login']\n"), 0o600))
	inst := filepath.Join(dir, "prom")
	require.NoError(t, os.Mkdir(inst, 0o755))
	t.Setenv("PATH", dir) // no prometheus to find

	out, rc := run(t, "-o", ctl, "telemetry", "config", "-i", inst)
	require.Equal(t, 0, rc, out)
	path := filepath.Join(inst, "prometheus.yml")
	require.Contains(t, out, "Wrote Prometheus config "+path)
	require.Contains(t, out, "dmg does not install it")
	p := readProm(t, path)
	require.Equal(t, "15s", p.Global.ScrapeInterval)
	require.Len(t, p.ScrapeConfigs, 1)
	job := p.ScrapeConfigs[0]
	require.Equal(t, "daos", job.JobName)
	require.Equal(t, "5s", job.ScrapeInterval)
	require.Len(t, job.StaticConfigs, 1)
	// Control ports are dropped; node2 is listed once.
	require.ElementsMatch(t, []string{"login:9191", "node1:9191", "node2:9191"}, job.StaticConfigs[0].Targets)

	// An existing file keeps its other jobs and settings; the daos job
	// is replaced, here with the hosts given by -l.
	require.NoError(t, os.WriteFile(path, []byte(`global:
  scrape_interval: 30s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['mon:9100']
  - job_name: daos
    static_configs:
      - targets: ['old:9191']
`), 0o644))
	out, rc = run(t, "-o", ctl, "-l", "srv[1-3]", "telemetry", "config", "--install-dir", inst, "-s", "Prometheus", "-j")
	require.Equal(t, 0, rc, out)
	var env struct {
		Response telemConfigResult `json:"response"`
		Status   int               `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.True(t, env.Response.Replaced)
	require.Equal(t, path, env.Response.ConfigPath)
	require.Empty(t, env.Response.PrometheusBinary)
	p = readProm(t, path)
	require.Equal(t, "30s", p.Global.ScrapeInterval)
	require.Len(t, p.ScrapeConfigs, 2)
	require.Equal(t, "node", p.ScrapeConfigs[0].JobName)
	require.Equal(t, "daos", p.ScrapeConfigs[1].JobName)
	require.Equal(t, []string{"srv1:9191", "srv2:9191", "srv3:9191"}, p.ScrapeConfigs[1].StaticConfigs[0].Targets)

	// A file that does not parse is not overwritten.
	require.NoError(t, os.WriteFile(path, []byte("scrape_configs: [\n"), 0o644))
	out, rc = run(t, "-o", ctl, "telemetry", "config", "-i", inst)
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, "does not parse")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "scrape_configs: [\n", string(data))
}

func TestTelemetryConfigErrors(t *testing.T) {
	dir := t.TempDir()
	out, rc := run(t, "-l", "node1", "telemetry", "config")
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, `"install-dir" not set`)

	out, rc = run(t, "-l", "node1", "telemetry", "config", "-i", dir, "-s", "grafana")
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, `unsupported telemetry system "grafana"`)
	require.NoFileExists(t, filepath.Join(dir, "prometheus.yml"))

	out, rc = run(t, "-l", "node1", "telemetry", "config", "-i", filepath.Join(dir, "missing"))
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, "install directory")

	out, rc = run(t, "-l", "node1", "-j", "telemetry", "config", "-s", "x")
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, `"status": -1025`)
}
