package support

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

var utc = time.UTC
var testNow = time.Date(2025, 3, 10, 12, 0, 0, 0, utc)

const sample = `prelude without stamp
time=2025-03-09T23:59:59.500Z level=INFO msg=late
time=2025-03-10T08:00:00.000Z level=INFO msg=morning
  continuation of morning
time=2025-03-10T12:30:00.250Z level=WARN msg=noon
time=2025-03-11T00:00:00Z level=INFO msg=next-day
trailing without stamp
`

func TestWindowFilter(t *testing.T) {
	for name, tc := range map[string]struct {
		d, f, s, e string
		want       []string
	}{
		"open":          {want: []string{"prelude", "late", "morning", "continuation", "noon", "next-day", "trailing"}},
		"date only":     {d: "03-10-2025", f: "03-10-2025", want: []string{"prelude", "morning", "continuation", "noon"}},
		"start date":    {d: "03-11-2025", want: []string{"prelude", "next-day", "trailing"}},
		"end date":      {f: "03-09-2025", want: []string{"prelude", "late"}},
		"times only":    {s: "08:00:00", e: "12:30:00", want: []string{"prelude", "morning", "continuation", "noon"}},
		"end second":    {d: "03-09-2025", s: "23:59:59", f: "03-09-2025", e: "23:59:59", want: []string{"prelude", "late"}},
		"date and time": {d: "03-10-2025", s: "09:00:00", want: []string{"prelude", "noon", "next-day", "trailing"}},
	} {
		t.Run(name, func(t *testing.T) {
			w, err := ParseWindow(tc.d, tc.f, tc.s, tc.e, testNow, utc)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if _, err := w.Filter(strings.NewReader(sample), &out); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tc.want), out.String())
			}
			for i, w := range tc.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d %q, want one with %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestWindowBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		d, f, s, e string
		want       string
	}{
		"bad date":    {d: "2025-03-10", want: "-D/--start-date"},
		"bad end":     {f: "13-40-2025", want: "-F/--end-date"},
		"bad time":    {s: "8am", want: "-S/--log-start-time"},
		"bad end tm":  {e: "25:00:00", want: "-E/--log-end-time"},
		"end < start": {d: "03-10-2025", f: "03-09-2025", want: "before start"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseWindow(tc.d, tc.f, tc.s, tc.e, testNow, utc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// A line longer than the reader's buffer keeps its stamp's decision for
// all of it.
func TestWindowLongLine(t *testing.T) {
	long := "time=2025-03-10T08:00:00Z msg=" + strings.Repeat("x", 3*maxLineBytes) + "\n"
	out := "time=2025-03-12T08:00:00Z msg=" + strings.Repeat("y", 3*maxLineBytes) + "\n"
	w, _ := ParseWindow("03-10-2025", "03-10-2025", "", "", testNow, utc)
	var b bytes.Buffer
	if _, err := w.Filter(strings.NewReader(long+out), &b); err != nil {
		t.Fatal(err)
	}
	if b.String() != long {
		t.Fatalf("kept %d bytes, want the first line (%d bytes)", b.Len(), len(long))
	}
}

func TestParseLogTypes(t *testing.T) {
	if got, err := ParseLogTypes(""); err != nil || got != AllLogTypes {
		t.Fatalf("default: %v %v", got, err)
	}
	if got, err := ParseLogTypes("server, Control"); err != nil || got != (LogTypes{Control: true, Server: true}) {
		t.Fatalf("server,control: %v %v", got, err)
	}
	if _, err := ParseLogTypes("admin,engine"); err == nil || !strings.Contains(err.Error(), `"engine"`) {
		t.Fatalf("bad type: %v", err)
	}
}
