package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
)

// logFlags are daos_server's global logging and dialing flags.
type logFlags struct {
	debug      bool // -b: DEBUG even when control_log_mask is higher
	json       bool // -J: as control_log_json: true
	syslog     bool // also to the local syslog
	allowProxy bool // honour the environment's proxy for server-to-server gRPC
}

func addLogFlags(root *cobra.Command, lf *logFlags) {
	pf := root.PersistentFlags()
	pf.BoolVarP(&lf.debug, "debug", "b", false, "log at DEBUG level (overrides a higher control_log_mask)")
	pf.BoolVarP(&lf.json, "json-logging", "J", false, "write log lines as JSON objects (as control_log_json: true)")
	pf.BoolVar(&lf.syslog, "syslog", false, "also send the control-plane log to the local syslog")
	pf.BoolVar(&lf.allowProxy, "allow-proxy", false, "honour https_proxy/HTTPS_PROXY/NO_PROXY for gRPC to other servers (ignored by default)")
}

// dialSyslog connects to syslog; nil is the local daemon. Tests replace it.
var dialSyslog func(tag string) (cmdutil.SyslogWriter, error)

// controlLogger makes daos_server's logger as the config and flags ask:
// control_log_mask (-b lowers it to DEBUG), control_log_file (appended
// to; stderr when unset), control_log_json or -J, and --syslog. The
// returned closer closes the file and the syslog connection.
func controlLogger(cfg *config.Server, lf logFlags, stderr io.Writer) (*slog.Logger, func(), error) {
	log, closer, err := cmdutil.OpenLog(cmdutil.LogConfig{
		Level: cmdutil.ParseLogMask(cfg.ControlLogMask), Debug: lf.debug, JSON: cfg.ControlLogJSON || lf.json,
		File: cfg.ControlLogFile, Stderr: stderr, Syslog: lf.syslog, Tag: "daos_server", DialSyslog: dialSyslog,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("control_log_file: %w", err)
	}
	return log, closer, nil
}

// faultDomain is this host's fault domain: fault_path, or what the
// fault_cb script prints, or /<hostname>.
func faultDomain(ctx context.Context, cfg *config.Server) (string, error) {
	switch {
	case cfg.FaultPath != "":
		return cfg.FaultPath, nil
	case cfg.FaultCb != "":
		return runFaultCb(ctx, cfg.FaultCb)
	}
	return "/" + hostname(), nil
}

// runFaultCb runs the fault_cb script and checks its answer, a fault path
// like /rack1/node2 on the first line of its output.
func runFaultCb(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("fault_cb %s: %v: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	line, _, _ := strings.Cut(strings.TrimSpace(stdout.String()), "\n")
	fd := strings.TrimSpace(line)
	if !strings.HasPrefix(fd, "/") || (fd != "/" && (strings.HasSuffix(fd, "/") || strings.Contains(fd, "//"))) {
		return "", fmt.Errorf("fault_cb %s printed %q, not a fault path like /rack1/node2", path, fd)
	}
	return fd, nil
}

// engineOutput is where the output of engines without a log_file goes:
// control_log_file (appended to, beside the server's own lines), or
// stderr when that is unset. The engine process writes to the file
// itself; the returned closer closes the server's copy.
func engineOutput(cfg *config.Server, stderr io.Writer) (io.Writer, func(), error) {
	if cfg.ControlLogFile == "" {
		return stderr, func() {}, nil
	}
	f, err := os.OpenFile(cfg.ControlLogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("control_log_file for the engines' output: %w", err)
	}
	return f, func() { f.Close() }, nil
}
