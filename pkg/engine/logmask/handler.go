package logmask

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// SubsysKey is the attribute that names a logger's DAOS subsystem:
// logger.With(logmask.SubsysKey, "mgmt").
const SubsysKey = "subsys"

// componentSubsys maps the "component" attributes some packages already
// put on their loggers to DAOS subsystem names: raft (pkg/rsvc) is what
// DAOS calls rdb.
var componentSubsys = map[string]string{"raft": "rdb"}

// Settings are what an engine's logging was last told: the mask, and the
// DD_MASK / DD_SUBSYS values, which are only stored and reported (see the
// package comment).
type Settings struct {
	Mask       Mask
	Streams    string
	Subsystems string
}

// Levels holds the current Settings; it is safe for concurrent use, and
// a change is seen by every Handler made from it at their next call.
type Levels struct {
	cur atomic.Pointer[Settings]
}

// NewLevels starts with s.
func NewLevels(s Settings) *Levels {
	l := &Levels{}
	l.Set(s)
	return l
}

// Set replaces the settings. The mask's map must not be changed after.
func (l *Levels) Set(s Settings) { l.cur.Store(&s) }

// Get returns the current settings; the caller must not change the
// mask's map.
func (l *Levels) Get() Settings { return *l.cur.Load() }

// Enabled tells whether a record at level from subsystem sub ("" for
// none) is logged.
func (l *Levels) Enabled(sub string, level slog.Level) bool {
	return level >= LevelEmit || level >= l.cur.Load().Mask.Level(sub)
}

// Handler filters records by the current Levels before passing them to
// the wrapped handler, which should let every level through. A logger
// whose attributes (from With) name a subsystem — SubsysKey, or a known
// "component" — is filtered by that subsystem's level, others by the
// mask's base level.
type Handler struct {
	next    slog.Handler
	levels  *Levels
	subsys  string
	grouped bool // attributes added after WithGroup are not the logger's own
}

// NewHandler wraps next.
func NewHandler(next slog.Handler, levels *Levels) *Handler {
	return &Handler{next: next, levels: levels}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return h.levels.Enabled(h.subsys, level)
}

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	return h.next.Handle(ctx, r)
}

// WithAttrs implements slog.Handler, noting a subsystem attribute.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	sub := h.subsys
	if !h.grouped {
		for _, a := range attrs {
			switch a.Key {
			case SubsysKey:
				sub = a.Value.String()
			case "component":
				if s, ok := componentSubsys[a.Value.String()]; ok {
					sub = s
				}
			}
		}
	}
	return &Handler{next: h.next.WithAttrs(attrs), levels: h.levels, subsys: sub, grouped: h.grouped}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &Handler{next: h.next.WithGroup(name), levels: h.levels, subsys: h.subsys, grouped: true}
}

// ReplaceLevel is a slog.HandlerOptions.ReplaceAttr that prints DAOS's
// names for the levels slog has no name for (NOTE, CRIT, ALRT, EMRG,
// EMIT) instead of "INFO+2" and the like.
func ReplaceLevel(groups []string, a slog.Attr) slog.Attr {
	if len(groups) != 0 || a.Key != slog.LevelKey {
		return a
	}
	l, ok := a.Value.Any().(slog.Level)
	if !ok {
		return a
	}
	switch l {
	case LevelNote, LevelCrit, LevelAlrt, LevelEmrg, LevelEmit:
		return slog.String(slog.LevelKey, LevelName(l))
	}
	return a
}
