package support

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// SummaryName is the file in every collected folder that lists what was
// collected and what failed.
const SummaryName = "collect-log-summary.txt"

// Item is one thing to collect, written under Name (slash-separated,
// relative to the folder). Exactly one of File, Dir and Run is set.
type Item struct {
	Name string
	// File is copied; through the time window when Log is set.
	File string
	Log  bool
	// Optional files that are missing are noted, not failures.
	Optional bool
	// Dir is copied as a tree of regular files (an admin's extra logs).
	Dir string
	// Run writes the output of an information command.
	Run func(ctx context.Context, w io.Writer) error
	// Note, alone, records why something is not collected (e.g. a log
	// that goes to stderr).
	Note string
}

// Options tune a collection.
type Options struct {
	Window      Window
	StopOnError bool
}

// Failure is an item that could not be collected.
type Failure struct {
	Name string `json:"name"`
	Err  string `json:"error"`
}

// Result is what a collection wrote.
type Result struct {
	Dir      string    `json:"dir"`
	Files    []string  `json:"files"`
	Bytes    int64     `json:"bytes"`
	Failures []Failure `json:"failures,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
}

// DefaultTarget is a new folder under tmp named after the host and time.
func DefaultTarget(tmp, host string, now time.Time) string {
	return filepath.Join(tmp, fmt.Sprintf("daos_support_%s_%s", sanitize(host), now.Format("20060102-150405")))
}

// sanitize makes a host name (maybe host:port) usable as one path element.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ':' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, s)
}

// HostDir is the folder name of a host's part in a system collection.
func HostDir(host string) string { return sanitize(host) }

// PrepareTarget makes the target folder. An admin's folder may exist but
// must be empty, so that no file of theirs is overwritten; the default
// folder must be new.
func PrepareTarget(dir string, isDefault bool) error {
	if isDefault {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return fmt.Errorf("target folder: %w", err)
		}
		if err := os.Mkdir(dir, 0o750); err != nil {
			return fmt.Errorf("target folder: %w (run again, or give -t/--target-folder)", err)
		}
		return nil
	}
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("target folder: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("target folder: %w", err)
	case len(ents) > 0:
		return fmt.Errorf("target folder %s is not empty; give a new or empty folder so that no file is overwritten", dir)
	}
	return nil
}

// Collect writes items into dir (which PrepareTarget made) and then the
// summary. A failing item is recorded and the rest continue, unless
// opts.StopOnError, when the first failure is returned (after the
// summary is written).
func Collect(ctx context.Context, dir string, items []Item, opts Options) (*Result, error) {
	res := &Result{Dir: dir}
	var stopErr error
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			stopErr = err
			break
		}
		if it.Note != "" && it.File == "" && it.Dir == "" && it.Run == nil {
			res.Notes = append(res.Notes, it.Name+": "+it.Note)
			continue
		}
		err := collectItem(ctx, dir, it, opts, res)
		if err == nil {
			continue
		}
		if it.Optional && errors.Is(err, fs.ErrNotExist) {
			res.Notes = append(res.Notes, it.Name+": not present")
			continue
		}
		res.Failures = append(res.Failures, Failure{Name: it.Name, Err: err.Error()})
		if opts.StopOnError {
			stopErr = fmt.Errorf("collect %s: %w (stopped: -s/--stop-on-error)", it.Name, err)
			break
		}
	}
	sort.Strings(res.Files)
	if err := writeSummary(dir, res); err != nil && stopErr == nil {
		stopErr = err
	}
	return res, stopErr
}

func collectItem(ctx context.Context, dir string, it Item, opts Options, res *Result) error {
	switch {
	case it.File != "":
		w := Window{}
		if it.Log {
			w = opts.Window
		}
		return copyFile(dir, it.Name, it.File, w, res)
	case it.Dir != "":
		return copyTree(dir, it.Name, it.Dir, res)
	case it.Run != nil:
		return writeNew(dir, it.Name, res, func(w io.Writer) error { return it.Run(ctx, w) })
	}
	return fmt.Errorf("nothing to collect")
}

// openNoFollow opens a regular file, refusing a symbolic link so that a
// link in a log directory never leads outside it.
func openNoFollow(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s is a symbolic link; not followed", path)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return f, nil
}

func copyFile(dir, name, src string, win Window, res *Result) error {
	in, err := openNoFollow(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeNew(dir, name, res, func(w io.Writer) error {
		_, err := win.Filter(in, w)
		return err
	})
}

// copyTree copies the regular files under src; links and special files
// are noted and left out.
func copyTree(dir, name, src string, res *Result) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (symbolic links are not followed)", src)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			res.Notes = append(res.Notes, fmt.Sprintf("%s: %s left out: not a regular file (links are not followed)", name, rel))
			return nil
		}
		return copyFile(dir, name+"/"+filepath.ToSlash(rel), p, Window{}, res)
	})
}

// writeNew creates name under dir, never over an existing file.
func writeNew(dir, name string, res *Result, fill func(io.Writer) error) error {
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return fmt.Errorf("%q is not a path inside the folder", name)
	}
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	cw := &countWriter{w: f}
	err = fill(cw)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	res.Files = append(res.Files, name)
	res.Bytes += cw.n
	return err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeSummary(dir string, res *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "collected %d files, %d bytes\n", len(res.Files), res.Bytes)
	for _, f := range res.Files {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	fmt.Fprintf(&b, "failed: %d\n", len(res.Failures))
	for _, f := range res.Failures {
		fmt.Fprintf(&b, "  %s: %s\n", f.Name, f.Err)
	}
	if len(res.Notes) > 0 {
		b.WriteString("notes:\n")
		for _, n := range res.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	p := filepath.Join(dir, SummaryName)
	if err := os.WriteFile(p, []byte(b.String()), 0o640); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	res.Files = append(res.Files, SummaryName)
	return nil
}
