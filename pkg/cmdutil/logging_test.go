package cmdutil

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseLogMask(t *testing.T) {
	for mask, want := range map[string]slog.Level{
		"": slog.LevelInfo, "info": slog.LevelInfo, "DEBUG": slog.LevelDebug, "trace": LevelTrace,
		"NOTICE": LevelNotice, "ERROR": slog.LevelError, "DISABLED": LevelOff,
	} {
		require.Equal(t, want, ParseLogMask(mask), mask)
	}
}

func TestOpenLogLevels(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg      LogConfig
		wantDbg  bool
		wantInfo bool
	}{
		"default info":           {cfg: LogConfig{Level: slog.LevelInfo}, wantInfo: true},
		"error mask":             {cfg: LogConfig{Level: slog.LevelError}},
		"debug overrides error":  {cfg: LogConfig{Level: slog.LevelError, Debug: true}, wantDbg: true, wantInfo: true},
		"debug keeps trace":      {cfg: LogConfig{Level: LevelTrace, Debug: true}, wantDbg: true, wantInfo: true},
		"disabled without debug": {cfg: LogConfig{Level: LevelOff}},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.cfg.Stderr = &buf
			log, closeLog, err := OpenLog(tc.cfg)
			require.NoError(t, err)
			defer closeLog()
			log.Debug("dbg-line")
			log.Info("info-line")
			require.Equal(t, tc.wantDbg, strings.Contains(buf.String(), "dbg-line"), buf.String())
			require.Equal(t, tc.wantInfo, strings.Contains(buf.String(), "info-line"), buf.String())
		})
	}
}

func TestOpenLogJSONPerLine(t *testing.T) {
	var buf bytes.Buffer
	log, closeLog, err := OpenLog(LogConfig{Level: LevelTrace, JSON: true, Stderr: &buf})
	require.NoError(t, err)
	defer closeLog()
	log.Log(t.Context(), LevelTrace, "one", "k", 1)
	log.Log(t.Context(), LevelNotice, "two")
	log.With("host", "h1").Warn("three")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 3)
	var levels []string
	for _, l := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
		levels = append(levels, rec["level"].(string))
	}
	require.Equal(t, []string{"TRACE", "NOTICE", "WARN"}, levels)
}

func TestOpenLogFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tool.log")
	require.NoError(t, os.WriteFile(path, []byte("earlier\n"), 0o644))
	var stderr bytes.Buffer
	log, closeLog, err := OpenLog(LogConfig{File: path, Stderr: &stderr})
	require.NoError(t, err)
	log.Info("to-file")
	closeLog()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(data), "earlier\n"), "the file is appended to")
	require.Contains(t, string(data), "to-file")
	require.Empty(t, stderr.String())

	_, _, err = OpenLog(LogConfig{File: filepath.Join(path, "not-a-dir", "x.log")})
	require.ErrorContains(t, err, "open log file")
}

type fakeSyslog struct {
	lines  []string
	closed bool
}

func (f *fakeSyslog) add(p, m string) error { f.lines = append(f.lines, p+" "+m); return nil }
func (f *fakeSyslog) Debug(m string) error  { return f.add("debug", m) }
func (f *fakeSyslog) Info(m string) error   { return f.add("info", m) }
func (f *fakeSyslog) Notice(m string) error { return f.add("notice", m) }
func (f *fakeSyslog) Warning(m string) error {
	return f.add("warning", m)
}
func (f *fakeSyslog) Err(m string) error { return f.add("err", m) }
func (f *fakeSyslog) Close() error       { f.closed = true; return nil }

func TestOpenLogSyslogTee(t *testing.T) {
	fake := &fakeSyslog{}
	var buf bytes.Buffer
	var tag string
	log, closeLog, err := OpenLog(LogConfig{Level: slog.LevelInfo, JSON: true, Stderr: &buf, Syslog: true, Tag: "daos_server",
		DialSyslog: func(t string) (SyslogWriter, error) { tag = t; return fake, nil }})
	require.NoError(t, err)
	log.Debug("hidden")
	log.Info("started", "rank", 1)
	log.With("engine", 0).Log(t.Context(), LevelNotice, "note")
	log.Error("failed")
	closeLog()
	require.Equal(t, "daos_server", tag)
	require.Equal(t, []string{
		"info level=INFO msg=started rank=1",
		"notice level=NOTICE msg=note engine=0",
		"err level=ERROR msg=failed",
	}, fake.lines)
	require.True(t, fake.closed)
	require.Equal(t, 3, strings.Count(buf.String(), "\n"), "the main log still gets every record")
}

func TestOpenLogSyslogUnavailable(t *testing.T) {
	var buf bytes.Buffer
	log, closeLog, err := OpenLog(LogConfig{Stderr: &buf, Syslog: true,
		DialSyslog: func(string) (SyslogWriter, error) { return nil, errors.New("dial unixgram /dev/log: no such file") }})
	require.NoError(t, err, "no syslog daemon is a warning, not a failure")
	defer closeLog()
	log.Info("still-logging")
	require.Contains(t, buf.String(), "syslog is not reachable")
	require.Contains(t, buf.String(), "/dev/log")
	require.Contains(t, buf.String(), "still-logging")
}
