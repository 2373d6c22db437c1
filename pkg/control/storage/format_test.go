package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/daos"
)

type fakeMounter struct {
	mounted map[string]bool
	calls   []uint64
}

func (m *fakeMounter) IsMounted(path string) (bool, error) { return m.mounted[path], nil }
func (m *fakeMounter) MountTmpfs(_ context.Context, path string, size uint64) error {
	m.calls = append(m.calls, size)
	m.mounted[path] = true
	return os.MkdirAll(path, 0o755)
}

func testEngine(dir string) Engine {
	return Engine{Index: 0, Config: &config.Engine{
		Targets: 1,
		Storage: []*config.Tier{
			{Class: config.ClassRAM, ScmMount: filepath.Join(dir, "scm"), ScmSize: 4},
			{Class: config.ClassFile, BdevList: []string{filepath.Join(dir, "bdev", "a"), filepath.Join(dir, "bdev", "b")}, BdevSize: 1},
		},
	}}
}

func TestFormatFreshRefusedForce(t *testing.T) {
	dir := t.TempDir()
	e := testEngine(dir)
	f := &Formatter{MountRAM: false}
	ctx := context.Background()

	if sb, err := f.Superblock(e); sb != nil || err != nil {
		t.Fatalf("before format: %v %v", sb, err)
	}
	sb, err := f.Format(ctx, FormatRequest{Engine: e, System: "daos_server"})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range e.Config.Storage[1].BdevList {
		fi, err := os.Stat(b)
		if err != nil || fi.Size() != 1<<30 {
			t.Fatalf("bdev %s: %v %v", b, fi, err)
		}
	}
	got, err := f.Superblock(e)
	if err != nil || got.UUID != sb.UUID || got.System != "daos_server" || got.Rank != nil {
		t.Fatalf("superblock %+v %v", got, err)
	}
	junk := filepath.Join(dir, "scm", "pool-data")
	os.WriteFile(junk, []byte("x"), 0o600)

	_, err = f.Format(ctx, FormatRequest{Engine: e, System: "daos_server"})
	if !errors.Is(err, ErrAlreadyFormatted) || daos.Code(err) != daos.ErrExist {
		t.Fatalf("second format: %v", err)
	}
	if !strings.Contains(err.Error(), sb.UUID) {
		t.Fatalf("error does not name the UUID: %v", err)
	}

	sb2, err := f.Format(ctx, FormatRequest{Engine: e, System: "daos_server", Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if sb2.UUID == sb.UUID {
		t.Fatal("forced format kept the old UUID")
	}
	if _, err := os.Stat(junk); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("forced format left SCM content behind")
	}
}

func TestFormatMountsRAMDisk(t *testing.T) {
	dir := t.TempDir()
	e := testEngine(dir)
	m := &fakeMounter{mounted: map[string]bool{}}
	f := &Formatter{Mounter: m, MountRAM: true}
	if _, err := f.Format(context.Background(), FormatRequest{Engine: e, System: "s"}); err != nil {
		t.Fatal(err)
	}
	if len(m.calls) != 1 || m.calls[0] != 4<<30 {
		t.Fatalf("mount calls %v", m.calls)
	}
	// Already mounted: used as is.
	if _, err := f.Format(context.Background(), FormatRequest{Engine: e, System: "s", Force: true}); err != nil {
		t.Fatal(err)
	}
	if len(m.calls) != 1 {
		t.Fatalf("mounted twice: %v", m.calls)
	}
	// scm_size 0 takes the computed size.
	e2 := testEngine(t.TempDir())
	e2.Config.Storage[0].ScmSize = 0
	if _, err := f.Format(context.Background(), FormatRequest{Engine: e2, System: "s", RAMDiskBytes: 5 << 30}); err != nil {
		t.Fatal(err)
	}
	if m.calls[1] != 5<<30 {
		t.Fatalf("auto size %v", m.calls)
	}
}

func TestFormatUnsupported(t *testing.T) {
	for name, tier := range map[string]*config.Tier{
		"dcpm": {Class: config.ClassDCPM, ScmMount: "/x", ScmList: []string{"/dev/pmem0"}},
		"nvme": {Class: config.ClassNVMe, BdevList: []string{"0000:81:00.0"}},
		"kdev": {Class: config.ClassKdev, BdevList: []string{"/nonexistent/dev"}},
	} {
		t.Run(name, func(t *testing.T) {
			e := testEngine(t.TempDir())
			if tier.IsSCM() {
				e.Config.Storage[0] = tier
			} else {
				e.Config.Storage[1] = tier
			}
			f := &Formatter{}
			if _, err := f.Format(context.Background(), FormatRequest{Engine: e, System: "s"}); err == nil {
				t.Fatal("format succeeded")
			}
			if sb, _ := f.Superblock(e); sb != nil {
				t.Fatal("superblock written after a failed format")
			}
		})
	}
}

func TestMountedIn(t *testing.T) {
	info := "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n" +
		"40 22 0:40 / /mnt/daos\\040scm rw - tmpfs tmpfs rw\n"
	for path, want := range map[string]bool{"/": true, "/mnt/daos scm": true, "/mnt/daos": false} {
		got, err := mountedIn(strings.NewReader(info), path)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", path, got, err)
		}
	}
}
