// Package clienttest runs in-process engines for the tests of packages
// built on pkg/client (the client's own, DFS's): engines serving object
// I/O over the tcp provider with a pool shard on every target, and a
// container view of that pool, without a pool service.
package clienttest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/drivers"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/object/objsrv"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/vos"
)

// Pool is the pool the engines hold a shard of; Cont and Handle are the
// container and the open handle the engines accept.
var (
	Pool   = objproto.UUID{0x50, 0x01}
	Cont   = objproto.UUID{0xc0}
	Handle = objproto.UUID{0xc1}
)

// Targets are one engine's targets.
type Targets []*target.Target

// Target implements objsrv's view of an engine's targets.
func (ts Targets) Target(i uint32) (*target.Target, error) {
	if int(i) >= len(ts) {
		return nil, daos.Errorf(daos.ErrNonexist, "no target %d", i)
	}
	return ts[i], nil
}

// openHandles is the engines' view of the pool service: Cont is open for
// writing through Handle.
type openHandles struct{}

func (openHandles) ContHandle(_ context.Context, p, h objproto.UUID) (objsrv.HandleInfo, error) {
	if p != Pool || h != Handle {
		return objsrv.HandleInfo{}, daos.Errorf(daos.ErrNoHdl, "no container handle")
	}
	return objsrv.HandleInfo{Cont: Cont, Write: true}, nil
}

// ScmDir is a directory for a target's SCM, RAM-backed when /dev/shm
// exists, as an engine's SCM is; removed when the test ends.
func ScmDir(t testing.TB) string {
	d, err := os.MkdirTemp("/dev/shm", "clienttest")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// Options shape a cluster.
type Options struct {
	Ranks, Targets int    // engines, and targets per engine
	SCMBytes       uint64 // per shard
	// NVMeBytes, when not zero, gives each shard that much emulated NVMe
	// (a file in RAM) so large values go there as on a real engine.
	NVMeBytes uint64
	// Maps, when set, has the engines check pool map versions.
	Maps objsrv.PoolMaps
}

// Cluster runs the engines (stopped when the test ends) and returns a
// container view of the pool over them, and every engine's targets. Each
// engine is its own fault domain.
func Cluster(t testing.TB, o Options) (*client.Container, []Targets) {
	ctx := context.Background()
	uris := map[uint32]fabric.URI{}
	var all []Targets
	var specs []placement.RankSpec
	for r := uint32(0); r < uint32(o.Ranks); r++ {
		var ts Targets
		for i := 0; i < o.Targets; i++ {
			cfg := target.Config{Index: i, SCMDir: ScmDir(t), LogMode: vos.LogPMem}
			if o.NVMeBytes != 0 {
				cfg.NVMeDir = ScmDir(t)
			}
			tg := target.New(cfg)
			require.NoError(t, tg.CreateShard(ctx, target.UUID(Pool), o.SCMBytes, o.NVMeBytes))
			t.Cleanup(func() { tg.Close() })
			ts = append(ts, tg)
		}
		reg := rpc.NewRegistry()
		require.NoError(t, (&objsrv.Service{Targets: ts, Clock: &hlc.Clock{}, Maps: o.Maps, Handles: openHandles{}}).Register(reg))
		ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: reg})
		require.NoError(t, err)
		t.Cleanup(func() { ep.Close() })
		uris[r] = ep.URI()
		all = append(all, ts)
		specs = append(specs, placement.RankSpec{Rank: r, Targets: o.Targets, FaultPath: fmt.Sprintf("/node%d", r)})
	}
	pm, err := placement.NewPoolMap(specs)
	require.NoError(t, err)
	return &client.Container{Pool: client.NewPoolView(Pool, pm, uris, nil), UUID: Cont, Handle: Handle,
		IO: NewIO(t)}, all
}

// NewIO is an object I/O client with an endpoint of its own, as another
// process would have, opened as client processes open theirs (drivers.Client:
// a lone call polls for its reply); closed when the test ends.
func NewIO(t testing.TB) *objclient.Client {
	ep, err := rpc.Listen(context.Background(), rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"},
		Drivers: drivers.Client()})
	require.NoError(t, err)
	t.Cleanup(func() { ep.Close() })
	return &objclient.Client{EP: ep, Clock: &hlc.Clock{}}
}

// OIDs hands out object ids as a container's allocator does
// (daos_cont_alloc_oids), for in-process containers, which have no pool
// service to ask: the zero value starts at 1.
type OIDs struct {
	mu   sync.Mutex
	next uint64
}

// AllocOIDs reserves n ids and returns the first.
func (o *OIDs) AllocOIDs(_ context.Context, n uint64) (uint64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	first := o.next + 1
	o.next += n
	return first, nil
}
