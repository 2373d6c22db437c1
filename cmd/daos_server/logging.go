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

	"github.com/daos-go/daos/pkg/control/config"
)

// levelTrace and levelNotice place DAOS's TRACE and NOTICE among slog's
// levels.
const (
	levelTrace  = slog.LevelDebug - 4
	levelNotice = slog.LevelInfo + 2
	levelOff    = slog.LevelError + 100
)

// controlLevel maps control_log_mask to a slog level.
func controlLevel(mask string) slog.Level {
	switch strings.ToUpper(mask) {
	case "DISABLED":
		return levelOff
	case "TRACE":
		return levelTrace
	case "DEBUG":
		return slog.LevelDebug
	case "NOTICE":
		return levelNotice
	case "ERROR":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// controlLogger makes daos_server's logger as the config asks:
// control_log_mask, control_log_file (appended to; stderr when unset) and
// control_log_json. The returned closer closes the file.
func controlLogger(cfg *config.Server, stderr io.Writer) (*slog.Logger, func(), error) {
	out, closer := stderr, func() {}
	if cfg.ControlLogFile != "" {
		f, err := os.OpenFile(cfg.ControlLogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("control_log_file: %w", err)
		}
		out, closer = f, func() { f.Close() }
	}
	opts := &slog.HandlerOptions{Level: controlLevel(cfg.ControlLogMask)}
	var h slog.Handler = slog.NewTextHandler(out, opts)
	if cfg.ControlLogJSON {
		h = slog.NewJSONHandler(out, opts)
	}
	return slog.New(h), closer, nil
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
