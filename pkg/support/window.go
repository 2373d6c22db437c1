package support

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// Date and clock layouts of -D/-F and -S/-E.
const (
	DateLayout = "01-02-2006"
	TimeLayout = "15:04:05"
)

// Window keeps the log lines stamped within [Start, End]; a zero bound is
// open.
type Window struct {
	Start, End time.Time
}

// Open reports whether the window keeps every line.
func (w Window) Open() bool { return w.Start.IsZero() && w.End.IsZero() }

// ParseWindow reads -D/-F (MM-DD-YYYY) and -S/-E (HH:MM:SS) in loc. A date
// without a time covers the whole day; a time without a date is on the
// day of now.
func ParseWindow(startDate, endDate, startTime, endTime string, now time.Time, loc *time.Location) (Window, error) {
	var w Window
	var err error
	if w.Start, err = bound(startDate, startTime, "-D/--start-date", "-S/--log-start-time", false, now, loc); err != nil {
		return Window{}, err
	}
	if w.End, err = bound(endDate, endTime, "-F/--end-date", "-E/--log-end-time", true, now, loc); err != nil {
		return Window{}, err
	}
	if !w.Start.IsZero() && !w.End.IsZero() && w.End.Before(w.Start) {
		return Window{}, fmt.Errorf("log window: end %s is before start %s; give an end date/time after the start",
			w.End.Format(time.DateTime), w.Start.Format(time.DateTime))
	}
	return w, nil
}

func bound(date, clock, dateFlag, timeFlag string, end bool, now time.Time, loc *time.Location) (time.Time, error) {
	if date == "" && clock == "" {
		return time.Time{}, nil
	}
	day := now.In(loc)
	if date != "" {
		d, err := time.ParseInLocation(DateLayout, date, loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s %q: not a date in MM-DD-YYYY form (e.g. 01-31-2025)", dateFlag, date)
		}
		day = d
	}
	y, m, dd := day.Date()
	if clock == "" {
		if end {
			return time.Date(y, m, dd, 23, 59, 59, 999999999, loc), nil
		}
		return time.Date(y, m, dd, 0, 0, 0, 0, loc), nil
	}
	c, err := time.Parse(TimeLayout, clock)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: not a time in HH:MM:SS form (e.g. 13:05:00)", timeFlag, clock)
	}
	nsec := 0
	if end {
		// The end second is kept whole: stamps carry fractions.
		nsec = 999999999
	}
	return time.Date(y, m, dd, c.Hour(), c.Minute(), c.Second(), nsec, loc), nil
}

// contains reports whether t is within the window.
func (w Window) contains(t time.Time) bool {
	return (w.Start.IsZero() || !t.Before(w.Start)) && (w.End.IsZero() || !t.After(w.End))
}

// maxLineBytes bounds what is held of one line while its stamp is read;
// the rest of a longer line is streamed with the same decision.
const maxLineBytes = 64 << 10

// Filter copies the lines of r stamped within the window to out. Lines
// are slog text lines with a `time=<RFC3339>` field; a line without one
// goes with the line before it (a wrapped message, a stack trace), and
// lines before the first stamp are kept, since nothing says they are out.
// It returns the number of bytes written.
func (w Window) Filter(r io.Reader, out io.Writer) (int64, error) {
	if w.Open() {
		return io.Copy(out, r)
	}
	br := bufio.NewReaderSize(r, maxLineBytes)
	var n int64
	keep, lineStart := true, true
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if lineStart {
				if t, ok := stamp(chunk); ok {
					keep = w.contains(t)
				}
			}
			if keep {
				m, werr := out.Write(chunk)
				n += int64(m)
				if werr != nil {
					return n, werr
				}
			}
			lineStart = chunk[len(chunk)-1] == '\n'
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			return n, nil
		default:
			return n, err
		}
	}
}

var timeKey = []byte("time=")

// stamp finds the time= field of a slog text line: the first field, or a
// later one after a space.
func stamp(line []byte) (time.Time, bool) {
	i := bytes.Index(line, timeKey)
	for i > 0 && line[i-1] != ' ' {
		j := bytes.Index(line[i+1:], timeKey)
		if j < 0 {
			return time.Time{}, false
		}
		i += 1 + j
	}
	if i < 0 {
		return time.Time{}, false
	}
	v := line[i+len(timeKey):]
	if e := bytes.IndexAny(v, " \n\r"); e >= 0 {
		v = v[:e]
	}
	t, err := time.Parse(time.RFC3339Nano, string(bytes.Trim(v, `"`)))
	return t, err == nil
}
