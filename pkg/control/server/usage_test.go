package server

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/storage"
)

type fakeMounter struct{ mounted bool }

func (f fakeMounter) IsMounted(string) (bool, error) { return f.mounted, nil }
func (fakeMounter) MountTmpfs(context.Context, string, uint64) error {
	return nil
}

func usageServer(t *testing.T, tiers ...*config.Tier) (*Server, string) {
	t.Helper()
	dir := t.TempDir()
	for _, ti := range tiers {
		if ti.ScmMount != "" {
			ti.ScmMount = filepath.Join(dir, ti.ScmMount)
		}
		for i, p := range ti.BdevList {
			ti.BdevList[i] = filepath.Join(dir, p)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := &config.Server{Name: "daos_server", SocketDir: dir, Engines: []*config.Engine{{Storage: tiers}}}
	s, err := New(Options{Config: cfg, EngineBinary: "/bin/true", Logger: log,
		Formatter: &storage.Formatter{Mounter: fakeMounter{}, Logger: log}})
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestStorageUsageUnformatted(t *testing.T) {
	s, _ := usageServer(t, &config.Tier{Class: config.ClassRAM, ScmMount: "scm", ScmSize: 4})
	u := s.StorageUsage(context.Background())
	if len(u) != 1 || u[0].Formatted || u[0].SCM != nil || !strings.Contains(u[0].Note, "not formatted") {
		t.Fatalf("unformatted engine: %+v", u)
	}
}

func TestStorageUsagePlainDirectory(t *testing.T) {
	s, dir := usageServer(t,
		&config.Tier{Class: config.ClassRAM, ScmMount: "scm", ScmSize: 4},
		&config.Tier{Class: config.ClassFile, BdevList: []string{"b0", "b1"}, BdevSize: 2})
	if _, err := s.FormatEngine(context.Background(), 0, false); err != nil {
		t.Fatal(err)
	}
	// Some data in SCM: it counts as used against scm_size.
	if err := os.WriteFile(filepath.Join(dir, "scm", "data"), make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	u := s.StorageUsage(context.Background())[0]
	if !u.Formatted || u.UUID == "" || u.Err != "" {
		t.Fatalf("engine: %+v", u)
	}
	scm := u.SCM
	if scm == nil || scm.Total != 4*gib || !scm.FreeKnown || scm.Free > 4*gib-(1<<20) || scm.Free < 4*gib-(2<<20) {
		t.Fatalf("scm: %+v", scm)
	}
	if !strings.Contains(scm.Note, "scm_size") {
		t.Errorf("scm note: %q", scm.Note)
	}
	if len(u.NVMe) != 1 {
		t.Fatalf("nvme: %+v", u.NVMe)
	}
	nv := u.NVMe[0]
	if nv.Total != 4*gib || nv.Free != nv.Total || !nv.FreeKnown || nv.Err != "" || nv.Tier != 1 {
		t.Fatalf("nvme tier: %+v", nv)
	}
	if !u.PoolsKnown || u.Pools != 0 || !strings.Contains(u.Note, "no pools") {
		t.Errorf("pools: %+v", u)
	}

	// A pool directory: NVMe free space is no longer claimed.
	if err := os.Mkdir(filepath.Join(dir, "scm", "9cf5b7a4-7f3d-4f5f-9f59-2f3b1c1e3a10"), 0o755); err != nil {
		t.Fatal(err)
	}
	u = s.StorageUsage(context.Background())[0]
	if u.Pools != 1 || u.NVMe[0].FreeKnown || !strings.Contains(u.NVMe[0].Note, "1 pools") {
		t.Errorf("with a pool: %+v", u)
	}

	// A missing bdev file is an error on that tier.
	if err := os.Remove(filepath.Join(dir, "b1")); err != nil {
		t.Fatal(err)
	}
	u = s.StorageUsage(context.Background())[0]
	if !strings.Contains(u.NVMe[0].Err, "b1") {
		t.Errorf("missing bdev: %+v", u.NVMe[0])
	}
}

func TestStorageUsageMounted(t *testing.T) {
	s, _ := usageServer(t, &config.Tier{Class: config.ClassRAM, ScmMount: "scm", ScmSize: 4})
	if _, err := s.FormatEngine(context.Background(), 0, false); err != nil {
		t.Fatal(err)
	}
	// Mounted: statfs answers, whatever scm_size says.
	s.format.Mounter = fakeMounter{mounted: true}
	u := s.StorageUsage(context.Background())[0]
	total, free, err := statfs(u.SCM.Devices[0])
	if err != nil {
		t.Fatal(err)
	}
	if u.SCM.Total != total || u.SCM.Note != "" || u.SCM.Free == 0 || u.SCM.Free > total || free == 0 {
		t.Errorf("mounted scm: %+v", u.SCM)
	}
	if len(u.NVMe) != 0 || u.MDOnSSD {
		t.Errorf("scm only: %+v", u)
	}
}
