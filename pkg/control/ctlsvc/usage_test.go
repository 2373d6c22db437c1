package ctlsvc

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/control/storage"
	"github.com/daos-go/daos/pkg/control/superblock"
)

type noUsage struct{}

func (noUsage) Instances() []server.InstanceInfo { return nil }
func (noUsage) FormatEngine(context.Context, int, bool) (*superblock.Superblock, error) {
	return nil, nil
}

func TestStorageUsage(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := &config.Server{Name: "daos_server", SocketDir: dir, Engines: []*config.Engine{
		{Storage: []*config.Tier{
			{Class: config.ClassRAM, ScmMount: filepath.Join(dir, "scm0"), ScmSize: 8},
			{Class: config.ClassFile, BdevList: []string{filepath.Join(dir, "bdev0")}, BdevSize: 1},
		}},
		{Storage: []*config.Tier{{Class: config.ClassRAM, ScmMount: filepath.Join(dir, "scm1"), ScmSize: 8}}},
	}}
	srv, err := server.New(server.Options{Config: cfg, EngineBinary: "/bin/true", Logger: log,
		Formatter: &storage.Formatter{Logger: log}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.FormatEngine(context.Background(), 0, false); err != nil {
		t.Fatal(err)
	}
	svc := &Service{System: "daos_server", Engines: srv, Logger: log}
	resp, err := svc.StorageUsage(context.Background(), &ctlpb.StorageUsageReq{})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Engines) != 2 {
		t.Fatalf("engines: %v", resp.Engines)
	}
	e0, e1 := resp.Engines[0], resp.Engines[1]
	if !e0.Formatted || e0.Uuid == "" || e0.Scm.GetTotalBytes() != 8<<30 || !e0.Scm.GetFreeKnown() {
		t.Errorf("engine 0: %v", e0)
	}
	if len(e0.Nvme) != 1 || e0.Nvme[0].TotalBytes != 1<<30 || e0.Nvme[0].FreeBytes != 1<<30 || !e0.PoolsKnown || e0.Pools != 0 {
		t.Errorf("engine 0 nvme: %v", e0)
	}
	if e1.Formatted || e1.Scm != nil || !strings.Contains(e1.Note, "not formatted") {
		t.Errorf("engine 1: %v", e1)
	}

	svc.Engines = noUsage{}
	_, err = svc.StorageUsage(context.Background(), &ctlpb.StorageUsageReq{})
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("without usage: %v", err)
	}
}
