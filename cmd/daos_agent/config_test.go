package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/agent"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
)

func TestLogConfig(t *testing.T) {
	cfg := &config.Agent{ControlLogMask: "ERROR", LogFile: "/tmp/agent.log"}
	got := logConfig(cfg, &flags{debug: true, jsonLog: true}, nil)
	require.Equal(t, cmdutil.LogConfig{Level: slog.LevelError, Debug: true, JSON: true, File: "/tmp/agent.log"}, got)
}

func TestStartJSONLoggingAndProxy(t *testing.T) {
	log := runAgent(t, "", "-J", "--allow-proxy")
	lines := strings.Split(strings.TrimSpace(log), "\n")
	require.NotEmpty(t, lines)
	for _, l := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
	}
	require.Contains(t, log, `"msg":"daos_agent started"`)
	require.Contains(t, log, `"allow_proxy":true`)
}

// runAgent starts daos_agent with the config doc, waits for its socket,
// stops it and returns what it logged.
func runAgent(t *testing.T, doc string, args ...string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "agentcfg") // short: socket paths are limited
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "daos_agent.yml")
	runDir := filepath.Join(dir, "run")
	require.NoError(t, os.WriteFile(cfgPath, []byte("access_points: ['127.0.0.1:1']\n"+doc), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newRoot()
	root.SetContext(ctx)
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cmdutil.Execute(root, append([]string{"-o", cfgPath, "-i", "-s", runDir}, args...), &out, &errOut)
	}()
	sock := filepath.Join(runDir, agent.SocketName)
	require.Eventually(t, func() bool { _, err := os.Stat(sock); return err == nil }, 5*time.Second, 10*time.Millisecond)
	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, errOut.String())
	case <-time.After(20 * time.Second):
		t.Fatal("daos_agent did not stop")
	}
	return errOut.String()
}

func TestStartNotices(t *testing.T) {
	log := runAgent(t, `control_log_mask: NOTICE
disable_auto_evict: true
telemetry_port: 9192
telemetry_enabled: true
`)
	require.Contains(t, log, "take effect once pools exist")
	require.Contains(t, log, "no metrics endpoint is served")
	require.Contains(t, log, "level=NOTICE")
	require.NotContains(t, log, "daos_agent started", "INFO is below control_log_mask NOTICE")

	log = runAgent(t, "control_log_mask: ERROR\ndisable_auto_evict: true\n")
	require.Empty(t, log, "nothing at ERROR")

	log = runAgent(t, "control_log_mask: ERROR\n", "-d")
	require.Contains(t, log, "daos_agent started", "-d lowers the mask")
}

func TestStartHelpDescribesKeys(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, cmdutil.Execute(newRoot(), []string{"start", "--help"}, &out, &errOut))
	for _, k := range []string{"control_log_mask", "client_user_map", "cache_expiration", "exclude_fabric_ifaces",
		"include_fabric_ifaces", "disable_auto_evict", "enable_evict_on_start", "telemetry_port", "telemetry_disabled_procs",
		agent.MaxCredentialCache.String()} {
		require.Contains(t, out.String(), k)
	}
}
