package support

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCollectMissingAndStop(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "control.log"), sample)
	writeFile(t, filepath.Join(src, "extra", "a.log"), "a\n")
	writeFile(t, filepath.Join(src, "secret"), "outside\n")
	if err := os.Symlink(filepath.Join(src, "secret"), filepath.Join(src, "extra", "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(src, "secret"), filepath.Join(src, "linked.log")); err != nil {
		t.Fatal(err)
	}
	items := []Item{
		{Name: "logs/control/control.log", File: filepath.Join(src, "control.log"), Log: true},
		{Name: "logs/engine0/engine.log", File: filepath.Join(src, "missing.log"), Log: true},
		{Name: "logs/linked.log", File: filepath.Join(src, "linked.log"), Log: true},
		{Name: "config/.active.yml", File: filepath.Join(src, "none.yml"), Optional: true},
		{Name: "info/version.txt", Run: func(context.Context, io.Writer) error { return errors.New("boom") }},
		{Name: "extra/extra", Dir: filepath.Join(src, "extra")},
		{Name: "logs/helper", Note: "helper_log_file is not set"},
	}
	win, _ := ParseWindow("03-10-2025", "03-10-2025", "", "", testNow, utc)

	dir := filepath.Join(t.TempDir(), "out")
	if err := PrepareTarget(dir, false); err != nil {
		t.Fatal(err)
	}
	res, err := Collect(context.Background(), dir, items, Options{Window: win})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range res.Failures {
		failed = append(failed, f.Name)
	}
	sort.Strings(failed)
	if want := []string{"info/version.txt", "logs/engine0/engine.log", "logs/linked.log"}; !reflect.DeepEqual(failed, want) {
		t.Fatalf("failures %v, want %v", res.Failures, want)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "logs/control/control.log"))
	if strings.Contains(string(got), "next-day") || !strings.Contains(string(got), "noon") {
		t.Fatalf("control log not cut to the window:\n%s", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "extra/extra/link")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("symlink in the extra dir was copied: %v", err)
	}
	summary, _ := os.ReadFile(filepath.Join(dir, SummaryName))
	for _, want := range []string{"missing.log: no such file", "symbolic link", "boom", "helper_log_file is not set", ".active.yml: not present"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}

	// -s stops at the first failure, with the summary written.
	dir2 := filepath.Join(t.TempDir(), "out")
	if err := PrepareTarget(dir2, false); err != nil {
		t.Fatal(err)
	}
	res, err = Collect(context.Background(), dir2, items, Options{StopOnError: true})
	if err == nil || !strings.Contains(err.Error(), "logs/engine0/engine.log") {
		t.Fatalf("stop on error: %v", err)
	}
	if len(res.Failures) != 1 || contains(res.Files, "extra/extra/a.log") {
		t.Fatalf("did not stop: %+v", res)
	}
	if _, err := os.Stat(filepath.Join(dir2, SummaryName)); err != nil {
		t.Fatalf("no summary after -s: %v", err)
	}
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func TestPrepareTarget(t *testing.T) {
	dir := t.TempDir()
	if err := PrepareTarget(dir, false); err != nil {
		t.Fatalf("empty folder refused: %v", err)
	}
	writeFile(t, filepath.Join(dir, "mine"), "x")
	if err := PrepareTarget(dir, false); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("non-empty folder: %v", err)
	}
	if err := PrepareTarget(dir, true); err == nil {
		t.Fatal("an existing default folder was reused")
	}
	if err := PrepareTarget(filepath.Join(dir, "new", "deep"), false); err != nil {
		t.Fatal(err)
	}
}

func TestArchiveRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "coll")
	writeFile(t, filepath.Join(dir, "a.txt"), "alpha")
	writeFile(t, filepath.Join(dir, "sub", "b.log"), strings.Repeat("b", 100000))
	writeFile(t, filepath.Join(dir, "empty"), "")
	out, err := Archive(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Archive(dir); err == nil {
		t.Fatal("an existing archive was overwritten")
	}
	dst := t.TempDir()
	names, err := Extract(out, dst)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if want := []string{"coll/a.txt", "coll/empty", "coll/sub/b.log"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("entries %v, want %v", names, want)
	}
	for _, n := range []string{"a.txt", "sub/b.log", "empty"} {
		a, _ := os.ReadFile(filepath.Join(dir, n))
		b, _ := os.ReadFile(filepath.Join(dst, "coll", n))
		if string(a) != string(b) {
			t.Errorf("%s differs after the round trip", n)
		}
	}
}

func TestStreamRoundTrip(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("0123456789", ChunkBytes/5)
	writeFile(t, filepath.Join(dir, "logs", "big.log"), big)
	writeFile(t, filepath.Join(dir, "empty"), "")
	files := []string{"empty", "logs/big.log"}
	rx := &Receiver{Dir: t.TempDir()}
	n := 0
	if err := Send(dir, files, 0, func(c *Chunk) error { n++; return rx.Write(c) }); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d chunks, want 1 for the empty file and 2 for %d bytes", n, len(big))
	}
	got, _ := os.ReadFile(filepath.Join(rx.Dir, "logs", "big.log"))
	if string(got) != big || !reflect.DeepEqual(rx.Files, files) {
		t.Fatalf("received %d bytes, files %v", len(got), rx.Files)
	}

	// Over the cap: refused before anything is sent.
	sent := 0
	err := Send(dir, files, int64(len(big)-1), func(*Chunk) error { sent++; return nil })
	if !errors.Is(err, ErrTooLarge) || sent != 0 {
		t.Fatalf("cap: %v after %d chunks", err, sent)
	}
	// Paths outside the collection, or links in it, are refused.
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"../etc/passwd", "/etc/passwd", "", "link"} {
		if err := Send(dir, []string{bad}, 0, func(*Chunk) error { return nil }); err == nil {
			t.Errorf("Send %q was not refused", bad)
		}
		if bad == "link" {
			continue
		}
		r := &Receiver{Dir: t.TempDir()}
		if err := r.Write(&Chunk{Path: bad, Data: []byte("x"), Last: true}); err == nil {
			t.Errorf("Receiver wrote %q", bad)
		}
	}
	// The receiver caps what it takes and never overwrites.
	r := &Receiver{Dir: t.TempDir(), MaxBytes: 3}
	if err := r.Write(&Chunk{Path: "a", Data: []byte("abcd"), Last: true}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("receiver cap: %v", err)
	}
	r = &Receiver{Dir: rx.Dir}
	if err := r.Write(&Chunk{Path: "empty", Last: true}); err == nil {
		t.Fatal("receiver overwrote a file")
	}
}
