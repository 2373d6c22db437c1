package logmask

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for name, tc := range map[string]struct {
		in      string
		want    Mask
		canon   string
		badItem string // "" with errPart set: the whole mask is bad
		errPart string
	}{
		"DEBUG":          {in: "DEBUG", want: Mask{Base: LevelDebug}, canon: "DEBUG"},
		"DBUG":           {in: "DBUG", want: Mask{Base: LevelDebug}, canon: "DEBUG"},
		"INFO":           {in: "INFO", want: Mask{Base: LevelInfo}, canon: "INFO"},
		"NOTE":           {in: "NOTE", want: Mask{Base: LevelNote}, canon: "NOTE"},
		"WARN":           {in: "WARN", want: Mask{Base: LevelWarn}, canon: "WARN"},
		"ERR":            {in: "ERR", want: Mask{Base: LevelErr}, canon: "ERR"},
		"ERROR":          {in: "ERROR", want: Mask{Base: LevelErr}, canon: "ERR"},
		"CRIT":           {in: "CRIT", want: Mask{Base: LevelCrit}, canon: "CRIT"},
		"ALRT":           {in: "ALRT", want: Mask{Base: LevelAlrt}, canon: "ALRT"},
		"EMRG":           {in: "EMRG", want: Mask{Base: LevelEmrg}, canon: "EMRG"},
		"FATAL":          {in: "FATAL", want: Mask{Base: LevelEmrg}, canon: "EMRG"},
		"EMIT":           {in: "EMIT", want: Mask{Base: LevelEmit}, canon: "EMIT"},
		"lower case":     {in: "debug", want: Mask{Base: LevelDebug}, canon: "DEBUG"},
		"subsystems":     {in: "ERR,mgmt=DEBUG,pool=info", want: Mask{Base: LevelErr, Subsys: map[string]slog.Level{"mgmt": LevelDebug, "pool": LevelInfo}}, canon: "ERR,mgmt=DEBUG,pool=INFO"},
		"empty":          {in: "", errPart: "empty"},
		"bad level":      {in: "LOUD", badItem: "LOUD", errPart: "not one of"},
		"bad sub level":  {in: "ERR,mgmt=LOUD", badItem: "mgmt=LOUD", errPart: `level "LOUD"`},
		"bare second":    {in: "ERR,DEBUG", badItem: "DEBUG", errPart: "subsystem=LEVEL"},
		"bad subsystem":  {in: "ERR,Mgmt=DEBUG", badItem: "Mgmt=DEBUG", errPart: "not a subsystem name"},
		"empty subsys":   {in: "ERR,=DEBUG", badItem: "=DEBUG", errPart: "not a subsystem name"},
		"trailing comma": {in: "ERR,", badItem: "", errPart: "subsystem=LEVEL"},
		"subsys first":   {in: "mgmt=DEBUG", want: Mask{Base: LevelErr, Subsys: map[string]slog.Level{"mgmt": LevelDebug}}, canon: "ERR,mgmt=DEBUG"},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(tc.in)
			if tc.errPart != "" {
				var ie *ItemError
				if !errors.As(err, &ie) {
					t.Fatalf("Parse(%q) = %v, want an ItemError", tc.in, err)
				}
				if ie.Item != tc.badItem || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("Parse(%q): item %q, error %q; want item %q and %q", tc.in, ie.Item, err, tc.badItem, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			require.Equal(t, tc.want, m, tc.in)
			if m.String() != tc.canon {
				t.Fatalf("String() = %q, want %q", m.String(), tc.canon)
			}
			again, err := Parse(m.String())
			require.NoError(t, err)
			require.Equal(t, m, again)
		})
	}
}

// newLogger logs to a buffer through a Handler, as the engine does.
func newLogger(levels *Levels) (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	inner := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.Level(-100), ReplaceAttr: ReplaceLevel})
	return slog.New(NewHandler(inner, levels)), &buf
}

func mustParse(t *testing.T, s string) Mask {
	t.Helper()
	m, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHandlerLevels(t *testing.T) {
	levels := NewLevels(Settings{Mask: mustParse(t, "ERR,mgmt=DEBUG,rdb=WARN")})
	base, buf := newLogger(levels)
	mgmt := base.With(SubsysKey, "mgmt")
	raft := base.With("component", "raft")
	pool := base.With(SubsysKey, "pool")
	grouped := base.WithGroup("g").With(SubsysKey, "mgmt")
	ctx := context.Background()

	for name, tc := range map[string]struct {
		l     *slog.Logger
		level slog.Level
		want  bool
	}{
		"base debug":      {base, LevelDebug, false},
		"base err":        {base, LevelErr, true},
		"mgmt debug":      {mgmt, LevelDebug, true},
		"raft info":       {raft, LevelInfo, false},
		"raft warn":       {raft, LevelWarn, true},
		"pool follows":    {pool, LevelWarn, false},
		"emit always":     {base, LevelEmit, true},
		"grouped is base": {grouped, LevelDebug, false},
	} {
		if got := tc.l.Enabled(ctx, tc.level); got != tc.want {
			t.Errorf("%s: Enabled = %v, want %v", name, got, tc.want)
		}
	}

	mgmt.Debug("mgmt detail")
	base.Debug("base detail")
	base.Log(ctx, LevelEmit, "banner")
	base.Log(ctx, LevelCrit, "critical")
	out := buf.String()
	for _, want := range []string{"mgmt detail", "level=EMIT msg=banner", "level=CRIT msg=critical"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "base detail") {
		t.Errorf("a base DEBUG line passed an ERR mask:\n%s", out)
	}
}

func TestHandlerFollowsChanges(t *testing.T) {
	levels := NewLevels(Settings{Mask: Mask{Base: LevelErr}})
	base, buf := newLogger(levels)
	pool := base.With(SubsysKey, "pool") // made before the change

	pool.Debug("before")
	levels.Set(Settings{Mask: mustParse(t, "ERR,pool=DEBUG"), Streams: "mgmt,io", Subsystems: "pool"})
	pool.Debug("after")
	base.Debug("base after")
	if got := levels.Get(); got.Streams != "mgmt,io" || got.Subsystems != "pool" {
		t.Fatalf("settings not kept: %+v", got)
	}
	levels.Set(Settings{Mask: Mask{Base: LevelDebug}})
	base.Debug("base debug")
	out := buf.String()
	if strings.Contains(out, "before") || strings.Contains(out, "base after") {
		t.Fatalf("lines below the mask were logged:\n%s", out)
	}
	if !strings.Contains(out, "after") || !strings.Contains(out, "base debug") {
		t.Fatalf("a changed mask was not followed:\n%s", out)
	}
}

func TestLevelName(t *testing.T) {
	for l, want := range map[slog.Level]string{
		LevelDebug - 2: "DEBUG", LevelDebug: "DEBUG", LevelInfo: "INFO", 1: "INFO", LevelNote: "NOTE",
		LevelWarn: "WARN", LevelErr: "ERR", LevelCrit: "CRIT", LevelAlrt: "ALRT", LevelEmrg: "EMRG", LevelEmit: "EMIT", 20: "EMIT",
	} {
		if got := LevelName(l); got != want {
			t.Errorf("LevelName(%d) = %q, want %q", l, got, want)
		}
	}
}
