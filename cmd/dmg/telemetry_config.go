package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
)

// Prometheus settings DAOS writes: one job, "daos", scraping every server
// every 5 s, under a 15 s global interval.
const (
	promConfigName     = "prometheus.yml"
	promJobName        = "daos"
	promScrapeInterval = "5s"
	promGlobalInterval = "15s"
)

// telemConfigResult is the JSON response of `telemetry config`.
type telemConfigResult struct {
	System     string   `json:"system"`
	ConfigPath string   `json:"config_path"`
	JobName    string   `json:"job_name"`
	Targets    []string `json:"targets"`
	// Replaced says an existing file was rewritten (its daos job
	// replaced, everything else kept).
	Replaced bool `json:"replaced"`
	// PrometheusBinary is where prometheus was found on PATH, or "".
	PrometheusBinary string `json:"prometheus_binary"`
}

func telemetryConfigCommand(g *globals) *cobra.Command {
	var (
		installDir string
		system     string
		insecure   bool
	)
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Write a Prometheus config that scrapes every server's telemetry",
		Long: `Config writes <install-dir>/prometheus.yml with a scrape job "daos" whose
targets are the hosts of daos_control.yml's hostlist (or -l/--host-list)
on the engine telemetry port 9191. The port in a hostlist entry is the
control port, and telemetry_port is a server-side setting dmg cannot see,
so 9191 (DAOS's default) is used for every host, as DAOS does; edit the
file for servers that set another telemetry_port.

DAOS downloads Prometheus when it is missing; dmg does not (it needs no
internet access): install Prometheus yourself and start it with
--config.file pointing at the written file. An existing prometheus.yml is
updated: its "daos" job is replaced and everything else is kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !strings.EqualFold(system, "prometheus") {
				return fmt.Errorf("telemetry config: unsupported telemetry system %q (only prometheus is supported)", system)
			}
			if err := checkInstallDir(installDir); err != nil {
				return err
			}
			g.insecure = g.insecure || insecure
			cfg, err := g.config()
			if err != nil {
				return err
			}
			targets, err := telemetryTargets(cfg.HostList, config.DefaultTelemetryPort)
			if err != nil {
				return err
			}
			res, err := writePrometheusConfig(filepath.Join(installDir, promConfigName), targets)
			if err != nil {
				return err
			}
			if bin, err := exec.LookPath("prometheus"); err == nil {
				res.PrometheusBinary = bin
			}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(res, func(w io.Writer) error { return printTelemConfig(w, res) })
		},
	}
	f := cmd.Flags()
	f.StringVarP(&installDir, "install-dir", "i", "", "directory to write prometheus.yml into (must exist and be writable)")
	f.StringVarP(&system, "system", "s", "prometheus", "telemetry system to configure (only prometheus)")
	// -i is --install-dir here, as in DAOS; this local --insecure (no
	// short form) shadows the global one whose -i it would clash with.
	f.BoolVar(&insecure, "insecure", false, "call without TLS (unused: this command calls no server)")
	_ = f.MarkHidden("insecure")
	_ = cmd.MarkFlagRequired("install-dir")
	return cmd
}

func checkInstallDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("telemetry config: install directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("telemetry config: install directory %s is not a directory", dir)
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return fmt.Errorf("telemetry config: install directory %s is not writable: %w", dir, err)
	}
	return nil
}

// telemetryTargets turns control addresses (host:port) into telemetry
// endpoints on port, one per host.
func telemetryTargets(hosts []string, port int) ([]string, error) {
	if len(hosts) == 0 {
		return nil, errors.New("telemetry config: no hosts: set hostlist in daos_control.yml or give -l/--host-list")
	}
	seen := map[string]bool{}
	var out []string
	for _, h := range hosts {
		name, _, err := net.SplitHostPort(h)
		if err != nil {
			name = h // written without a port
		}
		t := net.JoinHostPort(name, strconv.Itoa(port))
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// writePrometheusConfig writes the daos job to path. An existing file is
// kept apart from its daos job, like DAOS, which rewrites only the scrape
// configs; one that does not parse is refused rather than lost.
func writePrometheusConfig(path string, targets []string) (*telemConfigResult, error) {
	res := &telemConfigResult{System: "prometheus", ConfigPath: path, JobName: promJobName, Targets: targets}
	doc := map[string]any{}
	old, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := yaml.Unmarshal(old, &doc); err != nil {
			return nil, fmt.Errorf("telemetry config: existing %s does not parse (%v); move it away and run again", path, err)
		}
		if doc == nil {
			doc = map[string]any{}
		}
		res.Replaced = true
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("telemetry config: %w", err)
	}
	if _, ok := doc["global"]; !ok {
		doc["global"] = map[string]any{"scrape_interval": promGlobalInterval}
	}
	jobs := []any{}
	if prev, ok := doc["scrape_configs"].([]any); ok {
		for _, j := range prev {
			if m, ok := j.(map[string]any); ok && m["job_name"] == promJobName {
				continue
			}
			jobs = append(jobs, j)
		}
	}
	jobs = append(jobs, map[string]any{
		"job_name":        promJobName,
		"scrape_interval": promScrapeInterval,
		"static_configs":  []any{map[string]any{"targets": targets}},
	})
	doc["scrape_configs"] = jobs
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2) // as Prometheus's own examples are written
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("telemetry config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("telemetry config: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("telemetry config: write %s: %w", path, err)
	}
	return res, nil
}

func printTelemConfig(w io.Writer, r *telemConfigResult) error {
	verb := "Wrote"
	if r.Replaced {
		verb = "Updated existing"
	}
	fmt.Fprintf(w, "%s Prometheus config %s: job %q scrapes %d servers: %s\n",
		verb, r.ConfigPath, r.JobName, len(r.Targets), strings.Join(r.Targets, ", "))
	if r.Replaced {
		fmt.Fprintf(w, "Its %q job was replaced; its other settings were kept.\n", r.JobName)
	}
	if r.PrometheusBinary != "" {
		fmt.Fprintf(w, "Prometheus is at %s; start it with --config.file=%s\n", r.PrometheusBinary, r.ConfigPath)
	} else {
		fmt.Fprintf(w, "Prometheus was not found on PATH and dmg does not install it: install it "+
			"(https://prometheus.io/download/) and start it with --config.file=%s\n", r.ConfigPath)
	}
	_, err := fmt.Fprintln(w, "Targets use telemetry port 9191; edit the file for servers with another telemetry_port.")
	return err
}
