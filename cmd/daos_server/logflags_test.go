package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
)

type fakeSyslog struct{ lines []string }

func (f *fakeSyslog) Debug(m string) error   { f.lines = append(f.lines, m); return nil }
func (f *fakeSyslog) Info(m string) error    { f.lines = append(f.lines, m); return nil }
func (f *fakeSyslog) Notice(m string) error  { f.lines = append(f.lines, m); return nil }
func (f *fakeSyslog) Warning(m string) error { f.lines = append(f.lines, m); return nil }
func (f *fakeSyslog) Err(m string) error     { f.lines = append(f.lines, m); return nil }
func (f *fakeSyslog) Close() error           { return nil }

// startUntilTLS runs `daos_server <flags> start` with a config whose
// control_log_mask is ERROR and whose TLS certificates are missing, so
// start opens the control log, writes its DEBUG config record and then
// fails. It returns the control log file's text.
func startUntilTLS(t *testing.T, flags ...string) string {
	t.Helper()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "control.log")
	cfg := "name: daos_server\nport: 10001\nprovider: ofi+tcp\ncontrol_log_mask: ERROR\ncontrol_log_file: " + logPath +
		"\ntransport_config:\n  allow_insecure: false\n  ca_cert: " + dir + "/no/ca.crt\n  cert: " + dir + "/no/server.crt\n  key: " + dir + "/no/server.key\n" +
		"engines:\n- targets: 1\n  fabric_iface: lo\n  fabric_iface_port: 31416\n  storage:\n  - class: ram\n    scm_mount: " + dir + "/scm\n"
	cfgPath := filepath.Join(dir, "daos_server.yml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o644))
	var out, errOut bytes.Buffer
	rc := cmdutil.Execute(newRoot(), append(flags, "start", "-o", cfgPath), &out, &errOut)
	require.Equal(t, 1, rc)
	require.Contains(t, errOut.String(), "gRPC transport", "start stops at TLS, after the log is open")
	data, err := os.ReadFile(logPath)
	require.NoError(t, err)
	return string(data)
}

func TestStartLogFlags(t *testing.T) {
	require.NotContains(t, startUntilTLS(t), "daos_server config", "control_log_mask ERROR hides DEBUG")

	text := startUntilTLS(t, "-b", "--allow-proxy")
	require.Contains(t, text, `level=DEBUG msg="daos_server config"`, "-b overrides control_log_mask")
	require.Contains(t, text, "allow_proxy=true")

	text = startUntilTLS(t, "-b", "-J")
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), "-J: %s", l)
	}
	require.Contains(t, text, `"msg":"daos_server config"`)
}

func TestStartSyslog(t *testing.T) {
	fake := &fakeSyslog{}
	dialSyslog = func(tag string) (cmdutil.SyslogWriter, error) {
		require.Equal(t, "daos_server", tag)
		return fake, nil
	}
	t.Cleanup(func() { dialSyslog = nil })
	startUntilTLS(t, "-b", "--syslog")
	require.NotEmpty(t, fake.lines)
	require.Contains(t, fake.lines[0], `msg="daos_server config"`)

	// No syslog daemon: a warning in the control log, and start goes on.
	dialSyslog = func(string) (cmdutil.SyslogWriter, error) {
		return nil, errors.New("Unix syslog delivery error")
	}
	text := startUntilTLS(t, "-b", "--syslog")
	require.Contains(t, text, "syslog is not reachable")
	require.Contains(t, text, "daos_server config")
}

// TestNoFlagClashes: a subcommand flag whose shorthand is taken by a
// global flag (-b, -J) makes cobra panic when the command runs.
func TestNoFlagClashes(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		require.NotPanics(t, func() { c.InheritedFlags() }, c.CommandPath())
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot())
}

// Engines without a log_file write to control_log_file when it is set
// (after what is there), else to the server's stderr.
func TestEngineOutput(t *testing.T) {
	var stderr bytes.Buffer
	w, closeOut, err := engineOutput(&config.Server{}, &stderr)
	require.NoError(t, err)
	_, _ = io.WriteString(w, "engine line\n")
	closeOut()
	require.Equal(t, "engine line\n", stderr.String())

	path := filepath.Join(t.TempDir(), "control.log")
	require.NoError(t, os.WriteFile(path, []byte("server line\n"), 0o644))
	w, closeOut, err = engineOutput(&config.Server{ControlLogFile: path}, &stderr)
	require.NoError(t, err)
	_, _ = io.WriteString(w, "engine line\n")
	closeOut()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "server line\nengine line\n", string(data))

	_, _, err = engineOutput(&config.Server{ControlLogFile: filepath.Join(path, "x")}, &stderr)
	require.ErrorContains(t, err, "control_log_file for the engines' output")
}
