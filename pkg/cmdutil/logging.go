package cmdutil

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"strings"
	"sync"
)

// LevelTrace, LevelNotice and LevelOff place control_log_mask's TRACE,
// NOTICE and DISABLED among slog's levels.
const (
	LevelTrace  = slog.LevelDebug - 4
	LevelNotice = slog.LevelInfo + 2
	LevelOff    = slog.LevelError + 100
)

// ParseLogMask maps a control_log_mask value (DISABLED, TRACE, DEBUG, INFO,
// NOTICE, ERROR; any case) to a level. Unknown or empty values are INFO,
// the DAOS default; the config loaders reject bad values before this.
func ParseLogMask(mask string) slog.Level {
	switch strings.ToUpper(mask) {
	case "DISABLED":
		return LevelOff
	case "TRACE":
		return LevelTrace
	case "DEBUG":
		return slog.LevelDebug
	case "NOTICE":
		return LevelNotice
	case "ERROR":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// SyslogWriter is the part of *syslog.Writer the syslog tee uses; tests
// give a fake.
type SyslogWriter interface {
	Debug(msg string) error
	Info(msg string) error
	Notice(msg string) error
	Warning(msg string) error
	Err(msg string) error
	Close() error
}

// LogConfig says where a tool's log goes and how it looks.
type LogConfig struct {
	Level  slog.Level
	Debug  bool      // lowers Level to DEBUG (a TRACE level stays)
	JSON   bool      // one JSON object per line instead of key=value text
	File   string    // appended to; "" means Stderr
	Stderr io.Writer // where the log goes without File
	Syslog bool      // also send every record to the local syslog
	Tag    string    // the syslog tag, normally the tool's name
	// DialSyslog connects to syslog; nil means log/syslog's local daemon.
	DialSyslog func(tag string) (SyslogWriter, error)
}

// OpenLog makes the logger c describes. Log lines never go to stdout, so
// a tool's -j/--json reply stays parseable with -J. The returned closer
// closes the file and the syslog connection. A syslog that cannot be
// reached is a warning in the log, not an error: the log still works.
func OpenLog(c LogConfig) (*slog.Logger, func(), error) {
	level := c.Level
	if c.Debug && level > slog.LevelDebug {
		level = slog.LevelDebug
	}
	out, closers := c.Stderr, []func(){}
	if out == nil {
		out = os.Stderr
	}
	if c.File != "" {
		f, err := os.OpenFile(c.File, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("open log file: %w", err)
		}
		out = f
		closers = append(closers, func() { f.Close() })
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: levelNames}
	var h slog.Handler = slog.NewTextHandler(out, opts)
	if c.JSON {
		h = slog.NewJSONHandler(out, opts)
	}
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if !c.Syslog {
		return slog.New(h), closeAll, nil
	}
	dial := c.DialSyslog
	if dial == nil {
		dial = dialLocalSyslog
	}
	w, err := dial(c.Tag)
	if err != nil {
		log := slog.New(h)
		log.Warn("syslog is not reachable, logging without it (is a syslog daemon running?)", "error", err)
		return log, closeAll, nil
	}
	closers = append(closers, func() { w.Close() })
	return slog.New(slog.NewMultiHandler(h, newSyslogHandler(w, level))), closeAll, nil
}

func dialLocalSyslog(tag string) (SyslogWriter, error) {
	return syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, tag)
}

// levelNames spells the TRACE and NOTICE levels by name, not as DEBUG-4
// and INFO+2.
func levelNames(_ []string, a slog.Attr) slog.Attr {
	if a.Key != slog.LevelKey {
		return a
	}
	switch a.Value.Any() {
	case LevelTrace:
		a.Value = slog.StringValue("TRACE")
	case LevelNotice:
		a.Value = slog.StringValue("NOTICE")
	}
	return a
}

// syslogHandler formats a record as key=value text and sends it at the
// syslog priority of its level. Syslog stamps its own time, so the
// record's time is left out.
type syslogHandler struct {
	w     SyslogWriter
	inner slog.Handler
	mu    *sync.Mutex   // guards buf, shared with handlers made by With*
	buf   *bytes.Buffer // the text of the record being sent
}

func newSyslogHandler(w SyslogWriter, level slog.Level) *syslogHandler {
	buf := &bytes.Buffer{}
	inner := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: level, ReplaceAttr: func(g []string, a slog.Attr) slog.Attr {
		if len(g) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return levelNames(g, a)
	}})
	return &syslogHandler{w: w, inner: inner, mu: &sync.Mutex{}, buf: buf}
}

func (h *syslogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *syslogHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.Reset()
	if err := h.inner.Handle(ctx, r); err != nil {
		return err
	}
	msg := strings.TrimSuffix(h.buf.String(), "\n")
	switch {
	case r.Level >= slog.LevelError:
		return h.w.Err(msg)
	case r.Level >= slog.LevelWarn:
		return h.w.Warning(msg)
	case r.Level >= LevelNotice:
		return h.w.Notice(msg)
	case r.Level >= slog.LevelInfo:
		return h.w.Info(msg)
	}
	return h.w.Debug(msg)
}

func (h *syslogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &syslogHandler{w: h.w, inner: h.inner.WithAttrs(attrs), mu: h.mu, buf: h.buf}
}

func (h *syslogHandler) WithGroup(name string) slog.Handler {
	return &syslogHandler{w: h.w, inner: h.inner.WithGroup(name), mu: h.mu, buf: h.buf}
}
