package logmask

import (
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
)

// DAOS's log levels on slog's scale. slog's own levels keep their values
// (DEBUG -4, INFO 0, WARN 4, ERROR 8); DAOS's extra ones fall between
// or above them in DAOS's order.
const (
	LevelDebug = slog.LevelDebug
	LevelInfo  = slog.LevelInfo
	LevelNote  = slog.Level(2)
	LevelWarn  = slog.LevelWarn
	LevelErr   = slog.LevelError
	LevelCrit  = slog.Level(9)
	LevelAlrt  = slog.Level(10)
	LevelEmrg  = slog.Level(11)
	// LevelEmit is for lines that are always logged, whatever the mask
	// (start-up and stop banners); a mask of EMIT keeps only those.
	LevelEmit = slog.Level(12)
)

// levelNames are the names a mask may use; the first name of a level is
// the one it is printed with. ERROR and FATAL are the long spellings
// daos_server.yml also accepts.
var levelNames = []struct {
	name  string
	level slog.Level
}{
	{"DEBUG", LevelDebug}, {"DBUG", LevelDebug},
	{"INFO", LevelInfo},
	{"NOTE", LevelNote},
	{"WARN", LevelWarn},
	{"ERR", LevelErr}, {"ERROR", LevelErr},
	{"CRIT", LevelCrit},
	{"ALRT", LevelAlrt},
	{"EMRG", LevelEmrg}, {"FATAL", LevelEmrg},
	{"EMIT", LevelEmit},
}

// LevelNames lists the level names a mask accepts, for messages.
func LevelNames() []string {
	out := make([]string, len(levelNames))
	for i, n := range levelNames {
		out[i] = n.name
	}
	return out
}

// ParseLevel reads one DAOS level name, in any case.
func ParseLevel(name string) (slog.Level, bool) {
	up := strings.ToUpper(strings.TrimSpace(name))
	for _, n := range levelNames {
		if n.name == up {
			return n.level, true
		}
	}
	return 0, false
}

// LevelName is the DAOS name of a level; levels between DAOS's are named
// by the next one down, as that is the filter they pass.
func LevelName(l slog.Level) string {
	name, at := "DEBUG", LevelDebug
	for _, n := range levelNames {
		if n.level <= l && n.level > at { // aliases follow their level's first name
			name, at = n.name, n.level
		}
	}
	return name
}

// Mask is a parsed log mask: the level for everything, and levels for
// named subsystems.
type Mask struct {
	Base slog.Level
	// Subsys maps a subsystem name (lower case) to its level.
	Subsys map[string]slog.Level
}

// Level is the level that applies to subsystem sub ("" for none).
func (m Mask) Level(sub string) slog.Level {
	if l, ok := m.Subsys[sub]; ok {
		return l
	}
	return m.Base
}

// String is the mask in its canonical form, subsystems sorted, e.g.
// "ERR,mgmt=DEBUG"; Parse(m.String()) gives m back.
func (m Mask) String() string {
	parts := []string{LevelName(m.Base)}
	subs := make([]string, 0, len(m.Subsys))
	for s := range m.Subsys {
		subs = append(subs, s)
	}
	sort.Strings(subs)
	for _, s := range subs {
		parts = append(parts, s+"="+LevelName(m.Subsys[s]))
	}
	return strings.Join(parts, ",")
}

// maxItems bounds a mask: there are a few dozen DAOS subsystems.
const maxItems = 64

// ItemError is a mask that does not parse; Item is the offending part.
type ItemError struct {
	Mask, Item, Reason string
}

func (e *ItemError) Error() string {
	if e.Item == "" {
		return fmt.Sprintf("log mask %q: %s", e.Mask, e.Reason)
	}
	return fmt.Sprintf("log mask %q: item %q %s", e.Mask, e.Item, e.Reason)
}

// Parse reads a mask: a level, then optional comma-separated
// subsystem=LEVEL items (e.g. "ERR,mgmt=DEBUG,pool=INFO"). Level names
// are DAOS's, in any case; subsystem names are lower case. A mask of
// subsystem items only keeps ERR, DAOS's default, for the rest.
func Parse(s string) (Mask, error) {
	items := strings.Split(s, ",")
	if strings.TrimSpace(s) == "" {
		return Mask{}, &ItemError{Mask: s, Reason: "is empty: give a level such as ERR"}
	}
	if len(items) > maxItems {
		return Mask{}, &ItemError{Mask: s, Reason: fmt.Sprintf("has more than %d items", maxItems)}
	}
	m := Mask{Base: LevelErr}
	for i, item := range items {
		sub, level, hasSub := strings.Cut(strings.TrimSpace(item), "=")
		if !hasSub {
			if i != 0 {
				return Mask{}, &ItemError{Mask: s, Item: item, Reason: "must be subsystem=LEVEL (only the first item is a bare level)"}
			}
			level = sub
		} else if !ValidName(sub) {
			return Mask{}, &ItemError{Mask: s, Item: item, Reason: fmt.Sprintf("names %q, not a subsystem name (lower-case letters, digits, _)", sub)}
		}
		l, ok := ParseLevel(level)
		if !ok {
			return Mask{}, &ItemError{Mask: s, Item: item, Reason: fmt.Sprintf("has level %q, not one of %s", level, strings.Join(LevelNames(), ", "))}
		}
		if !hasSub {
			m.Base = l
			continue
		}
		if m.Subsys == nil {
			m.Subsys = map[string]slog.Level{}
		}
		m.Subsys[sub] = l
	}
	return m, nil
}

// ValidName tells whether s can name a subsystem or a debug stream:
// lower-case letters, digits and _, starting with a letter.
func ValidName(s string) bool {
	if s == "" || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// The names DD_MASK (debug streams) and DD_SUBSYS (subsystems) take:
// DAOS's, GURT's and CaRT's, in any case, or "all" alone.
var (
	debugStreams = []string{"ALL", "MD", "PL", "MGMT", "EPC", "DF", "REBUILD", "SEC", "CSUM",
		"GROUP_DEFAULT", "GROUP_METADATA_ONLY", "GROUP_METADATA", "ANY", "TRACE", "MEM", "NET", "IO", "TEST"}
	subsystemNames = []string{"ALL", "DAOS", "ARRAY", "KV", "COMMON", "TREE", "VOS", "CLIENT",
		"SERVER", "RDB", "RSVC", "POOL", "CONTAINER", "OBJECT", "PLACEMENT", "REBUILD", "MGMT", "BIO",
		"TESTS", "DFS", "DUNS", "DRPC", "SECURITY", "DTX", "DFUSE", "IL", "CSUM", "STACK", "MISC", "MEM",
		"SWIM", "FI", "TELEM", "CRT", "RPC", "BULK", "CORPC", "GRP", "LM", "HG", "EXTERNAL", "ST", "IV", "CTL"}
)

// maxNamesLen bounds a DD_MASK or DD_SUBSYS value, as DAOS does.
const maxNamesLen = 1023

// CheckStreams checks a DD_MASK value: comma-separated debug stream
// names. An empty value is none.
func CheckStreams(v string) error { return checkNames("debug stream", v, debugStreams) }

// CheckSubsystems checks a DD_SUBSYS value: comma-separated subsystem
// names. An empty value is none.
func CheckSubsystems(v string) error { return checkNames("subsystem", v, subsystemNames) }

func checkNames(kind, v string, known []string) error {
	if v == "" {
		return nil
	}
	if len(v) > maxNamesLen {
		return fmt.Errorf("%d bytes, more than the %d a list of %s names may have", len(v), maxNamesLen, kind)
	}
	items := strings.Split(v, ",")
	for _, item := range items {
		up := strings.ToUpper(strings.TrimSpace(item))
		switch {
		case !slices.Contains(known, up):
			return fmt.Errorf("%q: %q is not a %s name (one of %s)", v, item, kind, strings.ToLower(strings.Join(known, ", ")))
		case up == "ALL" && len(items) > 1:
			return fmt.Errorf("%q: all cannot be given with other %s names", v, kind)
		}
	}
	return nil
}
