package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/vos"
)

// smdConfig is an engine with two file bdevs in one data tier and a
// kdev-like wal tier, its superblock in scm.
func smdConfig(t *testing.T) (*enginepb.EngineConfig, *superblock.Superblock) {
	t.Helper()
	dir := t.TempDir()
	scm := filepath.Join(dir, "scm")
	require.NoError(t, os.MkdirAll(scm, 0o700))
	b0, b1 := filepath.Join(dir, "bdev0"), filepath.Join(dir, "bdev1")
	for _, b := range []string{b0, b1} {
		require.NoError(t, os.WriteFile(b, nil, 0o600))
		require.NoError(t, os.Truncate(b, 64<<20))
	}
	cfg := &enginepb.EngineConfig{Targets: 2, ScmMount: scm, SuperblockPath: filepath.Join(scm, superblock.FileName),
		Bdevs: []*enginepb.BdevTier{{Class: "file", Devices: []string{b0, b1}, SizeBytes: 64 << 20, Roles: []string{"data", "meta", "wal"}}}}
	id, err := superblock.NewUUID()
	require.NoError(t, err)
	return cfg, &superblock.Superblock{UUID: id, System: "daos_server"}
}

func smdUUIDs(devs []smdDev) map[string]string {
	out := map[string]string{}
	for _, d := range devs {
		out[d.Path] = d.UUID
	}
	return out
}

// TestSMDIdentity: device UUIDs survive a restart (a second load), a new
// device gets its own without changing the others', and a reformatted
// engine (new superblock UUID) gets new ones for all.
func TestSMDIdentity(t *testing.T) {
	cfg, sb := smdConfig(t)
	first, err := loadSMD(cfg, sb)
	require.NoError(t, err)
	require.Len(t, first, 2)
	require.NotEqual(t, first[0].UUID, first[1].UUID)
	require.Equal(t, 1, first[0].tier)
	require.Equal(t, []string{"data", "meta", "wal"}, first[0].roles)
	st, err := os.Stat(SMDPath(cfg.SuperblockPath))
	require.NoError(t, err)

	again, err := loadSMD(cfg, sb)
	require.NoError(t, err)
	require.Equal(t, smdUUIDs(first), smdUUIDs(again))
	st2, err := os.Stat(SMDPath(cfg.SuperblockPath))
	require.NoError(t, err)
	require.Equal(t, st.ModTime(), st2.ModTime(), "an unchanged table is not rewritten")

	b2 := filepath.Join(filepath.Dir(cfg.Bdevs[0].Devices[0]), "bdev2")
	cfg.Bdevs[0].Devices = append(cfg.Bdevs[0].Devices, b2)
	grown, err := loadSMD(cfg, sb)
	require.NoError(t, err)
	require.Len(t, grown, 3)
	for p, id := range smdUUIDs(first) {
		require.Equal(t, id, smdUUIDs(grown)[p])
	}

	id, err := superblock.NewUUID()
	require.NoError(t, err)
	reformatted, err := loadSMD(cfg, &superblock.Superblock{UUID: id, System: "daos_server"})
	require.NoError(t, err)
	for p, id := range smdUUIDs(grown) {
		require.NotEqual(t, id, smdUUIDs(reformatted)[p], p)
	}

	require.NoError(t, os.WriteFile(SMDPath(cfg.SuperblockPath), []byte("{"), 0o600))
	_, err = loadSMD(cfg, sb)
	require.ErrorContains(t, err, "damaged")
}

// TestSMDHandlers: SMD_LIST_DEVS reports every device NORMAL with the
// targets on the data device, health only when asked; SMD_LIST_POOLS
// lists a pool's shards and blobs.
func TestSMDHandlers(t *testing.T) {
	cfg, sb := smdConfig(t)
	devs, err := loadSMD(cfg, sb)
	require.NoError(t, err)
	ctx := context.Background()
	var tgts []*target.Target
	for i := 0; i < int(cfg.Targets); i++ {
		tg := target.New(target.Config{Index: i, SCMDir: cfg.ScmMount, NVMeDir: nvmeDir(cfg), LogMode: vos.LogPMem})
		require.NoError(t, tg.Open(ctx))
		t.Cleanup(func() { tg.Close() })
		tgts = append(tgts, tg)
	}
	e := &Engine{cfg: cfg, smd: devs, dp: &dataPlane{targets: tgts}}

	call := func(h func(context.Context, []byte) ([]byte, error), req, resp proto.Message) {
		t.Helper()
		body, err := proto.Marshal(req)
		require.NoError(t, err)
		out, err := h(ctx, body)
		require.NoError(t, err)
		require.NoError(t, proto.Unmarshal(out, resp))
	}

	dr := &enginepb.SmdDevResp{}
	call(e.smdListDevs, &enginepb.SmdDevReq{}, dr)
	require.Len(t, dr.Devices, 2)
	d0, d1 := dr.Devices[0], dr.Devices[1]
	require.Equal(t, devs[0].UUID, d0.Uuid)
	require.Equal(t, "NORMAL", d0.State)
	require.Equal(t, cfg.Bdevs[0].Devices[0], d0.TrAddr)
	require.Equal(t, []int32{0, 1}, d0.TgtIds)
	require.Equal(t, []string{"data", "meta", "wal"}, d0.Roles)
	require.Nil(t, d0.Health)
	require.Empty(t, d1.TgtIds)
	require.Contains(t, d1.Note, "no target data")

	pid, err := target.ParseUUID("12345678-1234-4234-8234-123456789abc")
	require.NoError(t, err)
	for _, tg := range tgts {
		require.NoError(t, tg.CreateShard(ctx, pid, 16<<20, 8<<20))
	}
	dr = &enginepb.SmdDevResp{}
	call(e.smdListDevs, &enginepb.SmdDevReq{IncludeHealth: true}, dr)
	h := dr.Devices[0].Health
	require.NotNil(t, h)
	require.Equal(t, uint64(64<<20), h.TotalBytes)
	require.Equal(t, uint64(16<<20), h.AllocatedBytes)
	require.Equal(t, uint64(48<<20), h.FreeBytes)
	require.NotEmpty(t, h.Unavailable)
	require.Equal(t, uint64(0), dr.Devices[1].Health.AllocatedBytes)

	pr := &enginepb.SmdPoolResp{}
	call(e.smdListPools, &enginepb.SmdPoolReq{}, pr)
	require.Len(t, pr.Pools, 1)
	p := pr.Pools[0]
	require.Equal(t, pid.String(), p.Uuid)
	require.Equal(t, []int32{0, 1}, p.TgtIds)
	require.Equal(t, devs[0].UUID, p.DevUuid)
	require.Len(t, p.Blobs, 2)
	require.Equal(t, filepath.Join(nvmeDir(cfg), pid.String(), "1.nvme"), p.Blobs[1])

	_, err = e.smdListPools(ctx, []byte{0xff, 0xff})
	require.Error(t, err)
}
