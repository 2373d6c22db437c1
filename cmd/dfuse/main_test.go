package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/dfuse"
	"github.com/daos-go/daos/pkg/uns"
)

func TestPositional(t *testing.T) {
	o := &opts{}
	if err := o.positional([]string{"/mnt/x", "P", "C"}); err != nil || o.mountpoint != "/mnt/x" || o.pool != "P" || o.cont != "C" {
		t.Fatalf("positional form: %+v, %v", o, err)
	}
	o = &opts{mountpoint: "/mnt/x", pool: "P", cont: "C"}
	if err := o.positional(nil); err != nil {
		t.Fatalf("flag form: %v", err)
	}
	o = &opts{pool: "P"}
	if err := o.positional([]string{"/mnt/x", "Q", "C"}); err == nil {
		t.Fatal("pool given twice with different values was accepted")
	}
	o = &opts{}
	if err := o.positional([]string{"/mnt/x", "P"}); err == nil {
		t.Fatal("missing container was accepted")
	}
	o = &opts{threadCount: -1}
	if err := o.positional([]string{"/mnt/x", "P", "C"}); err == nil {
		t.Fatal("negative thread count was accepted")
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]time.Duration{"5": 5 * time.Second, "0": 0, "1500ms": 1500 * time.Millisecond, " 2s ": 2 * time.Second,
		"1d": 24 * time.Hour, "2H": 2 * time.Hour, "5M": 5 * time.Minute, "5m": 5 * time.Minute, "10S": 10 * time.Second} {
		if got, err := parseTime(in); err != nil || got != want {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1s", "soon", "d", "1w", "-1d"} {
		if _, err := parseTime(in); err == nil {
			t.Errorf("parseTime(%q) accepted", in)
		}
	}
}

func TestNoCaching(t *testing.T) {
	d := time.Hour
	cfg := dfuse.Config{AttrTimeout: time.Second, EntryTimeout: time.Second, NegativeTimeout: time.Second, DirEntryTimeout: &d}
	noCaching(&cfg)
	if cfg.AttrTimeout != 0 || cfg.EntryTimeout != 0 || cfg.NegativeTimeout != 0 || cfg.DirEntryTimeout != nil ||
		cfg.DataCache.Mode != dfuse.DataCacheOff {
		t.Fatalf("--disable-caching left caching on: %+v", cfg)
	}
}

func TestCacheAttrs(t *testing.T) {
	cfg := dfuse.Config{AttrTimeout: time.Second, EntryTimeout: time.Second, NegativeTimeout: time.Second}
	err := applyCacheAttrs(map[string][]byte{
		"dfuse-attr-time":       []byte("10"),
		"dfuse-dentry-time":     []byte("2s\x00"),
		"dfuse-ndentry-time":    []byte("0"),
		"dfuse-dentry-dir-time": []byte("30s"),
		"dfuse-data-cache":      []byte("1m"),
		"unrelated":             []byte("x"),
	}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AttrTimeout != 10*time.Second || cfg.EntryTimeout != 2*time.Second || cfg.NegativeTimeout != 0 ||
		cfg.DirEntryTimeout == nil || *cfg.DirEntryTimeout != 30*time.Second ||
		cfg.DataCache != (dfuse.DataCache{Mode: dfuse.DataCacheFor, Time: time.Minute}) {
		t.Fatalf("applied: %+v", cfg)
	}
	for v, mode := range map[string]dfuse.DataCacheMode{"on": dfuse.DataCacheOn, "OFF": dfuse.DataCacheOff, "otoc": dfuse.DataCacheOpenToClose} {
		if err := applyCacheAttrs(map[string][]byte{"dfuse-data-cache": []byte(v)}, &cfg); err != nil || cfg.DataCache.Mode != mode {
			t.Errorf("dfuse-data-cache %q: %+v, %v", v, cfg.DataCache, err)
		}
	}
	for name, v := range map[string]string{"dfuse-attr-time": "soon", "dfuse-data-cache": "sometimes", "dfuse-dentry-dir-time": "-3s"} {
		err := applyCacheAttrs(map[string][]byte{name: []byte(v)}, &cfg)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v, want an error naming it", name, v, err)
		}
	}
}

func TestContainerFlagSpellings(t *testing.T) {
	for _, flag := range []string{"--cont", "--container", "-c"} {
		o := &opts{}
		cmd := &cobra.Command{}
		addFlags(cmd, o)
		if err := cmd.Flags().Parse([]string{"-m", "/mnt/x", "--pool", "P", flag, "C"}); err != nil {
			t.Fatalf("%s: %v", flag, err)
		}
		if o.cont != "C" || o.pool != "P" || o.mountpoint != "/mnt/x" {
			t.Errorf("%s: %+v", flag, o)
		}
	}
}

// TestLinkedMountPoint: a mount point linked to a container names the
// pool and container when none are given.
func TestLinkedMountPoint(t *testing.T) {
	dir := t.TempDir()
	if err := unix.Lsetxattr(dir, "user.probe", []byte("x"), 0); err != nil {
		t.Skipf("%s takes no user extended attributes: %v", dir, err)
	}
	mnt := filepath.Join(dir, "mnt")
	if err := uns.Create(mnt, uns.Link{Type: "POSIX", Pool: "tank", Cont: "fs"}); err != nil {
		t.Fatal(err)
	}
	o := &opts{}
	if err := o.positional([]string{mnt}); err != nil || o.pool != "tank" || o.cont != "fs" {
		t.Fatalf("linked mount point: %+v, %v", o, err)
	}
	o = &opts{mountpoint: mnt, pool: "other"}
	if err := o.positional(nil); err == nil {
		t.Fatal("a pool without a container was accepted")
	}
	h5 := filepath.Join(dir, "h5")
	if err := uns.Create(h5, uns.Link{Type: "HDF5", Pool: "tank", Cont: "h"}); err != nil {
		t.Fatal(err)
	}
	o = &opts{}
	if err := o.positional([]string{h5}); err == nil || !strings.Contains(err.Error(), "HDF5") {
		t.Fatalf("an HDF5 link: %v", err)
	}
	o = &opts{}
	if err := o.positional([]string{dir}); err == nil || !strings.Contains(err.Error(), "no pool given") {
		t.Fatalf("a plain directory: %v", err)
	}
}
