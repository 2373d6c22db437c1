package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/iostats"
	"github.com/daos-go/daos/pkg/engine/logmask"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/object/objsrv"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rpc/selftest"
	"github.com/daos-go/daos/pkg/rsvc"
	"github.com/daos-go/daos/pkg/vos"
)

// dataPlane is what an engine serves over the fabric: its targets and the
// services on them.
type dataPlane struct {
	targets []*target.Target
	ep      *rpc.Endpoint
	// releaseSelfTest frees the self-test service's idle buffers.
	releaseSelfTest func()
	clock           *hlc.Clock
	pools           *poolhost.Host
	maps            *poolMaps
	stats           *iostats.Stats
	uris            atomic.Pointer[func() map[uint32]string]
}

// setMapSources tells pool map distribution (maps.go) every rank's
// fabric URI (where a leader pushes versions) and how to find a pool's
// service replicas (whom the engine asks); until then the engine neither
// pushes nor asks.
func (d *dataPlane) setMapSources(uris func() map[uint32]string, findSvc func(context.Context, poolhost.UUID) ([]string, error)) {
	d.uris.Store(&uris)
	d.maps.setFind(findSvc)
}

func (d *dataPlane) rankURIs() map[uint32]string {
	if f := d.uris.Load(); f != nil && *f != nil {
		return (*f)()
	}
	return nil
}

// Target finds target idx (objsrv.Targets).
func (d *dataPlane) Target(idx uint32) (*target.Target, error) {
	if int(idx) >= len(d.targets) {
		return nil, daos.Errorf(daos.ErrNonexist, "this engine has %d targets, not %d", len(d.targets), idx+1)
	}
	return d.targets[idx], nil
}

// nvmeDir is where the engine keeps its shards' NVMe files: beside the
// first file bdev. Other bdev classes need SPDK, which this build lacks:
// shards then keep every value in SCM.
func nvmeDir(cfg *enginepb.EngineConfig) string {
	if d := dataDevice(cfg); d != "" {
		return d + ".pools"
	}
	return ""
}

// epochStamped is a pool service that takes epochs from the engine's
// hybrid logical clock (poolsvc.Machine).
type epochStamped interface{ SetEpochSource(now func() uint64) }

// storageCapacity is the space pools may be promised on this engine: the
// SCM mount's file system (a tmpfs of scm_size for class ram, the PMem
// file system for dcpm; a plain directory answers for what holds it) and
// the file bdevs' configured sizes, where shards' NVMe files live. Other
// bdev classes hold no shard data here (0: not checked).
func storageCapacity(cfg *enginepb.EngineConfig) (scm, nvme uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(cfg.ScmMount, &st); err != nil {
		return 0, 0, fmt.Errorf("statfs %s: %w", cfg.ScmMount, err)
	}
	scm = st.Blocks * uint64(st.Bsize)
	if nvmeDir(cfg) == "" {
		return scm, 0, nil
	}
	for _, t := range cfg.Bdevs {
		if t.Class != "file" {
			continue
		}
		for _, dev := range t.Devices {
			size := t.SizeBytes
			if size == 0 {
				fi, err := os.Stat(dev)
				if err != nil {
					return 0, 0, fmt.Errorf("bdev %w", err)
				}
				size = uint64(fi.Size())
			}
			nvme += size
		}
	}
	return scm, nvme, nil
}

// startDataPlane opens the targets' shards and listens on the fabric.
// newService makes pool services' state machines (nil: this engine hosts
// no pool services); handles checks object I/O's container handles.
// Pool map distribution needs setMapSources too.
func startDataPlane(ctx context.Context, cfg *enginepb.EngineConfig, log *slog.Logger,
	self func() (uint32, bool), newService func(poolhost.UUID) poolhost.Service,
	handles objsrv.Handles, extra func(*rpc.Registry) error) (*dataPlane, error) {
	d := &dataPlane{clock: &hlc.Clock{}}
	n := int(cfg.Targets)
	if n <= 0 {
		return nil, fmt.Errorf("the engine has %d targets", n)
	}
	for i := 0; i < n; i++ {
		t := target.New(target.Config{Index: i, SCMDir: cfg.ScmMount, NVMeDir: nvmeDir(cfg), LogMode: vos.LogPMem})
		if err := t.Open(ctx); err != nil {
			d.close()
			return nil, err
		}
		d.targets = append(d.targets, t)
	}
	d.stats = iostats.New(len(d.targets))
	reg := rpc.NewRegistry()
	mux := rsvc.NewMux()
	if newService != nil {
		made := newService
		// Pool services stamp snapshots with this engine's clock.
		newService = func(p poolhost.UUID) poolhost.Service {
			s := made(p)
			if es, ok := s.(epochStamped); ok {
				es.SetEpochSource(d.clock.Now)
			}
			return s
		}
	}
	pcfg := poolhost.Config{SCMDir: cfg.ScmMount, Targets: d.targets, Mux: mux, Self: self,
		NewService: newService, Logger: log.With(logmask.SubsysKey, "pool"), MapOf: serviceMap, RankURIs: d.rankURIs,
		Capacity: func() (uint64, uint64, error) { return storageCapacity(cfg) }}
	if rv, ok := handles.(handleRevoker); ok {
		// Pool service leaders revoke closed handles here at once.
		pcfg.OnRevoke = func(pool poolhost.UUID, hs []poolhost.UUID) {
			ids := make([]objproto.UUID, len(hs))
			for i, h := range hs {
				ids[i] = objproto.UUID(h)
			}
			rv.revoke(objproto.UUID(pool), ids)
		}
	}
	d.pools = poolhost.New(pcfg)
	d.maps = newPoolMaps(d.pools, log, d.hasShard)
	if err := (&objsrv.Service{Targets: d, Clock: d.clock, Handles: handles, Metrics: d.stats, Maps: d.maps}).Register(reg); err != nil {
		d.close()
		return nil, err
	}
	if err := mux.Register(reg); err != nil {
		d.close()
		return nil, err
	}
	if err := d.pools.Register(reg); err != nil {
		d.close()
		return nil, err
	}
	// The fabric self-test (self_test --uri, daos health net-test), as
	// DAOS engines serve CaRT's, within a budget of its own.
	release, err := selftest.RegisterLimited(reg, selftest.EngineLimits)
	if err != nil {
		d.close()
		return nil, err
	}
	d.releaseSelfTest = release
	if extra != nil {
		if err := extra(reg); err != nil {
			d.close()
			return nil, err
		}
	}
	fc := fabric.Config{Provider: cfg.Provider, Interface: cfg.FabricIface, Port: int(cfg.FabricIfacePort)}
	ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fc, Registry: reg, Logger: log.With(logmask.SubsysKey, "rpc")})
	if errors.Is(err, fabric.ErrUnavailable) && fabric.IsOFITCP(cfg.Provider) {
		// Without libfabric, the pure-Go tcp provider is daos-go's
		// emulation of ofi+tcp (same semantics, same addressing).
		log.Warn("provider not built in; serving the fabric with daos-go's pure-Go tcp provider instead",
			"provider", cfg.Provider, "err", err)
		fc.Provider = "tcp"
		ep, err = rpc.Listen(ctx, rpc.Config{Fabric: fc, Registry: reg, Logger: log.With(logmask.SubsysKey, "rpc")})
	}
	if err != nil {
		d.close()
		return nil, fmt.Errorf("serve the fabric: %w", err)
	}
	d.ep = ep
	mux.SetEndpoint(ep)
	d.pools.SetEndpoint(ep)
	return d, nil
}

// hasShard tells whether the engine's targets hold a shard of pool p.
func (d *dataPlane) hasShard(p poolhost.UUID) bool {
	if len(d.targets) == 0 {
		return false
	}
	_, err := d.targets[0].Shard(target.UUID(p))
	return err == nil
}

// handleRevoker is a handle cache closed handles can be dropped from.
type handleRevoker interface {
	revoke(pool objproto.UUID, handles []objproto.UUID)
}

func (d *dataPlane) close() error {
	var errs []error
	if d.maps != nil {
		d.maps.close()
	}
	if d.pools != nil {
		d.pools.Close()
	}
	if d.ep != nil {
		errs = append(errs, d.ep.Close())
	}
	if d.releaseSelfTest != nil {
		d.releaseSelfTest() // after the endpoint: its handlers are done
	}
	for _, t := range d.targets {
		errs = append(errs, t.Close())
	}
	return errors.Join(errs...)
}

// metrics is the data plane's counters and its shards' space.
func (d *dataPlane) metrics() *enginepb.MetricsResp {
	resp := &enginepb.MetricsResp{}
	resp.BoundsS, resp.Ops = d.stats.Snapshot()
	for _, t := range d.targets {
		for _, p := range t.Pools() {
			vp, err := t.Shard(p)
			if err != nil {
				continue // destroyed meanwhile
			}
			sp := vp.Space()
			resp.Shards = append(resp.Shards, &enginepb.ShardSpace{Pool: p.String(), Target: uint32(t.Index()),
				ScmTotal: sp.SCMTotal, ScmFree: sp.SCMTotal - min(sp.SCMUsed, sp.SCMTotal),
				NvmeTotal: sp.NVMeTotal, NvmeFree: sp.NVMeTotal - min(sp.NVMeUsed, sp.NVMeTotal)})
		}
	}
	if d.pools != nil {
		for _, st := range d.pools.Stats() {
			ps := &enginepb.PoolService{Pool: target.UUID(st.Pool).String(),
				Handles: uint64(st.Handles), Containers: uint64(st.Containers), MapVersion: st.MapVersion}
			for _, c := range st.Open {
				ps.ContainersOpen = append(ps.ContainersOpen, &enginepb.ContainerStat{Uuid: c.UUID, Label: c.Label, Handles: uint64(c.Handles)})
			}
			resp.Services = append(resp.Services, ps)
		}
	}
	return resp
}

// learnMaps asks the services of the pools with shards here for their
// map versions (in the background), as after a restart.
func (d *dataPlane) learnMaps() {
	if len(d.targets) == 0 {
		return
	}
	for _, p := range d.targets[0].Pools() {
		d.maps.learn(poolhost.UUID(p))
	}
}
