package poolsvc

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/csum"
)

// A client reads only through a handle it holds, and sees of a container
// what that handle's user may: alice owns c1 (everything), carol is in
// its owner group (rwtT: no ACL), bob may connect to the pool but has no
// right on c1 at all.
func TestClientQuery(t *testing.T) {
	phB := uuid(120)
	s := withCarol(t)
	apply(t, s,
		&Command{Op: OpACLUpdate, ACL: []string{"A::bob@:rw"}},
		&Command{Op: OpConnect, Handle: phB, Flags: FlagRW, Cred: bob},
		&Command{Op: OpContSetAttrs, Handle: ch, Attrs: map[string][]byte{"k": []byte("v")}},
		&Command{Op: OpSnapCreate, Handle: ch, Epoch: 77})
	m := &Machine{State: s}
	ask := func(q Query, out any) error {
		b, err := json.Marshal(q)
		require.NoError(t, err)
		res, err := m.ClientQuery(b)
		if err == nil && out != nil {
			require.NoError(t, json.Unmarshal(res, out))
		}
		return err
	}

	t.Run("pool reads need a pool handle", func(t *testing.T) {
		var info PoolInfo
		for _, h := range []string{"", uuid(999), ch} {
			assert.ErrorIs(t, ask(Query{What: "info", Handle: h}, nil), daos.ErrNoHdl, "handle %q", h)
		}
		require.NoError(t, ask(Query{What: "info", Handle: phB}, &info))
		assert.Equal(t, poolUUID, info.UUID)
		for _, what := range []string{"props", "map", "attrs"} {
			assert.NoError(t, ask(Query{What: what, Handle: phC}, nil), what)
		}
	})
	t.Run("engine reads are not a client's", func(t *testing.T) {
		for _, what := range []string{"handle", "cont_handle", "bogus"} {
			assert.ErrorIs(t, ask(Query{What: what, ID: ph, Handle: ph}, nil), daos.ErrNoPerm, what)
		}
	})
	t.Run("container info by what the user may see", func(t *testing.T) {
		for _, tc := range []struct {
			name, id, handle string
			acl, props       bool
		}{
			{"owner through the pool", "c1", ph, true, true},
			{"owner through the container", "", ch, true, true},
			{"group member through the pool", c1, phC, false, true},
			{"group member through the container", "c1", chC, false, true},
			{"no rights through the pool", "c1", phB, false, false},
		} {
			var ci ContInfo
			require.NoError(t, ask(Query{What: "container", ID: tc.id, Handle: tc.handle}, &ci), tc.name)
			assert.Equal(t, c1, ci.UUID, tc.name)
			assert.Equal(t, "c1", ci.Label, tc.name)
			assert.Equal(t, tc.acl, ci.ACL != nil, "%s: ACL %v", tc.name, ci.ACL)
			if tc.props {
				assert.Equal(t, "alice@", ci.Owner, tc.name)
				assert.Equal(t, "POSIX", ci.Type, tc.name)
				assert.Equal(t, []uint64{77}, ci.Snapshots, tc.name)
			} else {
				assert.Equal(t, map[string]string{"label": "c1", "status": "HEALTHY"}, ci.Props, tc.name)
				assert.Equal(t, "HEALTHY", ci.Status, tc.name)
				assert.Empty(t, ci.Owner+ci.Group+ci.Type, tc.name)
				assert.Nil(t, ci.Snapshots, tc.name)
			}
		}
		assert.ErrorIs(t, ask(Query{What: "container", ID: "nope", Handle: ch}, nil), daos.ErrNoHdl, "a handle open on another container")
		assert.ErrorIs(t, ask(Query{What: "container", ID: "nope", Handle: ph}, nil), daos.ErrNonexist)
		assert.ErrorIs(t, ask(Query{What: "container", ID: "c1"}, nil), daos.ErrNoHdl)
	})
	t.Run("container list", func(t *testing.T) {
		var all []*ContInfo
		require.NoError(t, ask(Query{What: "containers", Handle: phB}, &all))
		require.Len(t, all, 1)
		assert.Equal(t, "c1", all[0].Label)
		assert.Nil(t, all[0].ACL)
		assert.Empty(t, all[0].Owner)
		require.NoError(t, ask(Query{What: "containers", Handle: ph}, &all))
		assert.Equal(t, DefaultContACL, all[0].ACL)
		assert.ErrorIs(t, ask(Query{What: "containers", Handle: ch}, nil), daos.ErrNoHdl)
	})
	t.Run("snapshots and attributes need r", func(t *testing.T) {
		for _, what := range []string{"snapshots", "cont_attrs"} {
			for _, h := range []string{ph, phC, ch, chC, chRO} {
				assert.NoError(t, ask(Query{What: what, ID: "c1", Handle: h}, nil), "%s through %s", what, h)
			}
			assert.ErrorIs(t, ask(Query{What: what, ID: "c1", Handle: phB}, nil), daos.ErrNoPerm, what)
		}
		var attrs map[string][]byte
		require.NoError(t, ask(Query{What: "cont_attrs", ID: c1, Handle: chC}, &attrs))
		assert.Equal(t, map[string][]byte{"k": []byte("v")}, attrs)
	})
	t.Run("ACL queries check their handle", func(t *testing.T) {
		assert.ErrorIs(t, ask(Query{What: "cont_acl", ID: chC}, nil), daos.ErrNoPerm)
		assert.NoError(t, ask(Query{What: "pool_acl", ID: phB}, nil))
	})
	_, err := m.ClientQuery([]byte("{"))
	assert.ErrorIs(t, err, daos.ErrProto)
}

// Engines learn from a handle how its container sums its data.
func TestContHandleCsumSpec(t *testing.T) {
	s := base(t)
	apply(t, s, &Command{Op: OpContCreate, PoolHandle: ph, ContCreate: &ContCreateArgs{UUID: uuid(202), Label: "plain",
		Props: map[string]string{"cksum": "off"}}},
		&Command{Op: OpContCreate, PoolHandle: ph, ContCreate: &ContCreateArgs{UUID: uuid(203), Label: "sha",
			Props: map[string]string{"cksum": "sha512", "cksum_size": "4096", "srv_cksum": "off"}}},
		&Command{Op: OpContOpen, PoolHandle: ph, Cont: "plain", Handle: uuid(330), Flags: FlagRW},
		&Command{Op: OpContOpen, PoolHandle: ph, Cont: "sha", Handle: uuid(331), Flags: FlagRW})
	for h, want := range map[string]csum.Spec{
		ch:        {Type: csum.CRC32, ChunkBytes: 32 << 10, ServerVerify: true}, // the defaults
		uuid(330): {},
		uuid(331): {Type: csum.SHA512, ChunkBytes: 4096},
	} {
		_, _, spec, err := s.ContHandle(h)
		require.NoError(t, err)
		assert.Equal(t, want, spec, h)
	}
}
