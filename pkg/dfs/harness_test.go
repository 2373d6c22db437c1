package dfs_test

import (
	"testing"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/clienttest"
)

const nranks, ntargets = 3, 2

// cluster runs three in-process engines and returns a container view.
func cluster(t testing.TB) *client.Container {
	c, _ := clienttest.Cluster(t, clienttest.Options{Ranks: nranks, Targets: ntargets, SCMBytes: 64 << 20})
	return c
}

// counter hands out object ids as a container's allocator would.
type counter = clienttest.OIDs

// otherProcess is a second client of c's container with its own
// endpoint, standing in for another process.
func otherProcess(t testing.TB, c *client.Container) *client.Container {
	return &client.Container{Pool: c.Pool, UUID: c.UUID, Handle: c.Handle, IO: clienttest.NewIO(t)}
}
