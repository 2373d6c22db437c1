package client

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/rpc"
)

// svcPool serves one pool's service from a single in-process replica:
// the real state machine behind the real client-facing opcodes (client
// commands are admitted as the engine admits them), without raft. It
// returns connected pools for handles opened RW and RO.
func svcPool(t *testing.T) (rw, ro *Pool, m *poolsvc.Machine) {
	t.Helper()
	ctx := context.Background()
	m = poolsvc.NewMachine()
	run := func(body []byte) (rpc.Message, error) {
		res := m.Apply(body)
		if err, ok := res.(error); ok {
			return nil, err
		}
		out, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		return &poolhost.ServiceResp{Body: out}, nil
	}
	reg := rpc.NewRegistry()
	reg.MustRegister(poolhost.OpPoolApply, "pool_apply", rpc.Handle(func(_ context.Context, _ *rpc.Incoming, req *poolhost.ServiceReq) (rpc.Message, error) {
		body, err := m.Admit(req.Body)
		if err != nil {
			return nil, err
		}
		return run(body)
	}))
	reg.MustRegister(poolhost.OpPoolQuery, "pool_query", rpc.Handle(func(_ context.Context, _ *rpc.Incoming, req *poolhost.ServiceReq) (rpc.Message, error) {
		out, err := m.ClientQuery(req.Body)
		if err != nil {
			return nil, err
		}
		return &poolhost.ServiceResp{Body: out}, nil
	}))
	srv, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: reg})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	cep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}})
	require.NoError(t, err)
	t.Cleanup(func() { cep.Close() })

	poolID := newUUID()
	specs := []placement.RankSpec{{Rank: 0, Targets: 4, FaultPath: "/n0"}, {Rank: 1, Targets: 4, FaultPath: "/n1"}}
	admin := func(c *poolsvc.Command) {
		c.Time = time.Now().UTC()
		b, err := c.Encode()
		require.NoError(t, err)
		if err, ok := m.Apply(b).(error); ok {
			t.Fatalf("%s: %v", c.Op, err)
		}
	}
	admin(&poolsvc.Command{Op: poolsvc.OpCreate, Create: &poolsvc.CreateArgs{UUID: uuidString(poolID), Label: "tank",
		Owner: "alice@", Group: "staff@", Ranks: specs, SvcRanks: []uint32{0}}})
	pm, err := placement.NewPoolMap(specs)
	require.NoError(t, err)
	cl := New(cep)
	mk := func(flags uint64) *Pool {
		p := &Pool{c: cl, UUID: poolID, Handle: newUUID(), replicas: []string{srv.URI().String()}}
		p.View = NewPoolView(p.UUID, pm, nil, p.refresh)
		admin(&poolsvc.Command{Op: poolsvc.OpConnect, Handle: uuidString(p.Handle), Flags: flags,
			Cred: poolsvc.Cred{User: "alice@", Groups: []string{"staff@"}}})
		return p
	}
	return mk(RW), mk(RO), m
}

func TestPoolAttrs(t *testing.T) {
	ctx := context.Background()
	rw, ro, _ := svcPool(t)
	names, err := rw.ListAttrs(ctx)
	require.NoError(t, err)
	assert.Empty(t, names)

	require.NoError(t, rw.SetAttrs(ctx, map[string][]byte{"b": []byte("two"), "a": []byte("one"), "bin": {0, 1, 255}}))
	names, err = ro.ListAttrs(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "bin"}, names)
	got, err := ro.GetAttrs(ctx, "a", "bin")
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"a": []byte("one"), "bin": {0, 1, 255}}, got)
	all, err := rw.GetAttrs(ctx)
	require.NoError(t, err)
	assert.Len(t, all, 3)
	_, err = rw.GetAttrs(ctx, "a", "nosuch")
	assert.ErrorIs(t, err, daos.ErrNonexist)

	// A read-only handle may read but not change.
	assert.ErrorIs(t, ro.SetAttrs(ctx, map[string][]byte{"c": {1}}), daos.ErrNoPerm)
	assert.ErrorIs(t, ro.DelAttrs(ctx, "a"), daos.ErrNoPerm)
	assert.ErrorIs(t, rw.SetAttrs(ctx, nil), daos.ErrInval)
	assert.ErrorIs(t, rw.DelAttrs(ctx), daos.ErrInval)
	// Deleting is all or nothing.
	assert.ErrorIs(t, rw.DelAttrs(ctx, "a", "nosuch"), daos.ErrNonexist)
	require.NoError(t, rw.DelAttrs(ctx, "a", "bin"))
	names, err = rw.ListAttrs(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, names)

	// A disconnected handle changes nothing any more.
	require.NoError(t, rw.Disconnect(ctx))
	assert.ErrorIs(t, rw.SetAttrs(ctx, map[string][]byte{"c": {1}}), daos.ErrNoHdl)
}

func TestContainerAttrsPropsSnaps(t *testing.T) {
	ctx := context.Background()
	rw, _, _ := svcPool(t)
	_, err := rw.CreateContainer(ctx, "c1", "POSIX", nil)
	require.NoError(t, err)
	_, err = rw.CreateContainer(ctx, "c2", "", nil)
	require.NoError(t, err)
	c, err := rw.OpenContainer(ctx, "c1", RW)
	require.NoError(t, err)
	cro, err := rw.OpenContainer(ctx, "c1", RO)
	require.NoError(t, err)

	// Attributes.
	require.NoError(t, c.SetAttrs(ctx, map[string][]byte{"k1": []byte("v1"), "k2": []byte("v2")}))
	names, err := cro.ListAttrs(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"k1", "k2"}, names)
	got, err := cro.GetAttrs(ctx, "k2")
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"k2": []byte("v2")}, got)
	_, err = cro.GetAttrs(ctx, "k3")
	assert.ErrorIs(t, err, daos.ErrNonexist)
	assert.ErrorIs(t, cro.SetAttrs(ctx, map[string][]byte{"k3": {1}}), daos.ErrNoPerm)
	require.NoError(t, c.DelAttrs(ctx, "k1"))
	names, _ = c.ListAttrs(ctx)
	assert.Equal(t, []string{"k2"}, names)
	assert.ErrorIs(t, c.DelAttrs(ctx, "k1"), daos.ErrNonexist)

	// Properties: label and status change; the rest is refused by name.
	require.NoError(t, c.SetProps(ctx, map[string]string{"label": "renamed"}))
	assert.Equal(t, "renamed", c.Info.Label)
	info, err := cro.Query(ctx)
	require.NoError(t, err)
	assert.Equal(t, "renamed", info.Props["label"])
	assert.ErrorIs(t, c.SetProps(ctx, map[string]string{"label": "c2"}), daos.ErrExist)
	require.NoError(t, c.SetProps(ctx, map[string]string{"status": "healthy"}))
	for prop, want := range map[string]string{"layout_type": "read-only", "rd_fac": "only be set when", "cksum": "only be set when",
		"chunk_size": "only be set when", "nosuch": "unknown container property"} {
		err := c.SetProps(ctx, map[string]string{prop: "1"})
		assert.ErrorIs(t, err, daos.ErrInval, prop)
		assert.ErrorContains(t, err, want, prop)
	}
	assert.ErrorIs(t, c.SetProps(ctx, map[string]string{"status": "unclean"}), daos.ErrInval)
	assert.ErrorIs(t, cro.SetProps(ctx, map[string]string{"label": "x"}), daos.ErrNoPerm)

	// Snapshots.
	e1, err := c.CreateSnap(ctx, "")
	require.NoError(t, err)
	e2, err := c.CreateSnap(ctx, "second")
	require.NoError(t, err)
	e3, err := c.CreateSnap(ctx, "third")
	require.NoError(t, err)
	assert.True(t, e1 < e2 && e2 < e3, "%d %d %d", e1, e2, e3)
	_, err = c.CreateSnap(ctx, "second")
	assert.ErrorIs(t, err, daos.ErrExist)
	_, err = cro.CreateSnap(ctx, "")
	assert.ErrorIs(t, err, daos.ErrNoPerm)
	snaps, err := cro.ListSnaps(ctx)
	require.NoError(t, err)
	require.Len(t, snaps, 3)
	assert.Equal(t, []uint64{e1, e2, e3}, []uint64{snaps[0].Epoch, snaps[1].Epoch, snaps[2].Epoch})
	assert.Equal(t, "second", snaps[1].Name)

	require.NoError(t, c.DestroySnap(ctx, 0, "second"))
	assert.ErrorIs(t, c.DestroySnap(ctx, e2, ""), daos.ErrNonexist)
	assert.ErrorIs(t, c.DestroySnap(ctx, 0, ""), daos.ErrInval)
	_, err = c.DestroySnapRange(ctx, e3+1, e3+100)
	assert.ErrorIs(t, err, daos.ErrNonexist)
	_, err = c.DestroySnapRange(ctx, e3, e1)
	assert.ErrorIs(t, err, daos.ErrInval)
	done, err := c.DestroySnapRange(ctx, e1, e3)
	require.NoError(t, err)
	assert.Equal(t, []uint64{e1, e3}, done)
	snaps, err = c.ListSnaps(ctx)
	require.NoError(t, err)
	assert.Empty(t, snaps)

	// A view made by hand has no pool service to ask.
	hand := &Container{UUID: objproto.UUID{1}}
	_, err = hand.ListSnaps(ctx)
	assert.ErrorIs(t, err, daos.ErrNoHdl)
	require.NoError(t, c.Close(ctx))
	assert.ErrorIs(t, c.SetAttrs(ctx, map[string][]byte{"x": {1}}), daos.ErrNoHdl)
}
