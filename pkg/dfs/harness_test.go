package dfs_test

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
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/object/objsrv"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/vos"
)

// The in-process cluster below is a trimmed copy of pkg/client's test
// harness (test helpers are not exported across packages).

type targets []*target.Target

func (ts targets) Target(i uint32) (*target.Target, error) {
	if int(i) >= len(ts) {
		return nil, daos.Errorf(daos.ErrNonexist, "no target %d", i)
	}
	return ts[i], nil
}

var pool = objproto.UUID{0x50, 0x01}

// openHandles says container 0xc0 is open for writing through 0xc1.
type openHandles struct{}

func (openHandles) ContHandle(_ context.Context, p, h objproto.UUID) (objproto.UUID, bool, error) {
	if p != pool || h != (objproto.UUID{0xc1}) {
		return objproto.UUID{}, false, daos.Errorf(daos.ErrNoHdl, "no container handle")
	}
	return objproto.UUID{0xc0}, true, nil
}

func scmDir(t testing.TB) string {
	d, err := os.MkdirTemp("/dev/shm", "dfstest")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

const nranks, ntargets = 3, 2

// cluster runs three in-process engines and returns a container view.
func cluster(t testing.TB) *client.Container {
	ctx := context.Background()
	uris := map[uint32]fabric.URI{}
	var specs []placement.RankSpec
	for r := uint32(0); r < nranks; r++ {
		var ts targets
		for i := 0; i < ntargets; i++ {
			tg := target.New(target.Config{Index: i, SCMDir: scmDir(t), LogMode: vos.LogPMem})
			require.NoError(t, tg.CreateShard(ctx, target.UUID(pool), 64<<20, 0))
			t.Cleanup(func() { tg.Close() })
			ts = append(ts, tg)
		}
		reg := rpc.NewRegistry()
		require.NoError(t, (&objsrv.Service{Targets: ts, Clock: &hlc.Clock{}, Handles: openHandles{}}).Register(reg))
		ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: reg})
		require.NoError(t, err)
		t.Cleanup(func() { ep.Close() })
		uris[r] = ep.URI()
		specs = append(specs, placement.RankSpec{Rank: r, Targets: ntargets, FaultPath: fmt.Sprintf("/node%d", r)})
	}
	pm, err := placement.NewPoolMap(specs)
	require.NoError(t, err)
	ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}})
	require.NoError(t, err)
	t.Cleanup(func() { ep.Close() })
	return &client.Container{Pool: client.NewPoolView(pool, pm, uris, nil), UUID: objproto.UUID{0xc0}, Handle: objproto.UUID{0xc1},
		IO: &objclient.Client{EP: ep, Clock: &hlc.Clock{}}}
}

// counter hands out object ids as a container's allocator would.
type counter struct {
	mu   sync.Mutex
	next uint64
}

func (c *counter) AllocOIDs(_ context.Context, n uint64) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.next == 0 {
		c.next = 1
	}
	first := c.next
	c.next += n
	return first, nil
}

// otherProcess is a second client of c's container with its own
// endpoint, standing in for another process.
func otherProcess(t testing.TB, c *client.Container) *client.Container {
	ep, err := rpc.Listen(context.Background(), rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}})
	require.NoError(t, err)
	t.Cleanup(func() { ep.Close() })
	return &client.Container{Pool: c.Pool, UUID: c.UUID, Handle: c.Handle, IO: &objclient.Client{EP: ep, Clock: &hlc.Clock{}}}
}
