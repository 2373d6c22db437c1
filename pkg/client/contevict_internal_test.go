package client

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

func TestContainerEvict(t *testing.T) {
	ctx := context.Background()
	rw, ro, _ := svcPool(t)
	_, err := rw.CreateContainer(ctx, "c1", "", nil)
	require.NoError(t, err)
	open := func(p *Pool, flags uint64) *Container {
		c, err := p.OpenContainer(ctx, "c1", flags)
		require.NoError(t, err)
		return c
	}
	me, other, third := open(rw, RW), open(rw, RW), open(ro, RO)
	require.NoError(t, me.Evict(ctx, false))
	for _, c := range []*Container{other, third} {
		_, err := c.GetACL(ctx)
		assert.ErrorIs(t, err, daos.ErrNoHdl, "evicted handles are gone")
	}
	_, err = me.GetACL(ctx)
	require.NoError(t, err, "the evicting handle stays open")

	again := open(rw, RW)
	require.NoError(t, me.Evict(ctx, true))
	_, err = again.GetACL(ctx)
	assert.ErrorIs(t, err, daos.ErrNoHdl)

	// A read-only handle may not evict; nor may one without o for --all.
	assert.ErrorIs(t, open(rw, RO).Evict(ctx, false), daos.ErrNoPerm)
	require.NoError(t, me.OverwriteACL(ctx, []string{"A::OWNER@:rwaA"}))
	assert.ErrorIs(t, me.Evict(ctx, true), daos.ErrNoPerm)
	require.NoError(t, me.Close(ctx))
	assert.ErrorIs(t, me.Evict(ctx, false), daos.ErrNoHdl)
}
