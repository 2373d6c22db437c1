package client

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

func TestContainerACLAndOwner(t *testing.T) {
	ctx := context.Background()
	rw, _, _ := svcPool(t)
	_, err := rw.CreateContainer(ctx, "c1", "POSIX", nil)
	require.NoError(t, err)
	c, err := rw.OpenContainer(ctx, "c1", RW)
	require.NoError(t, err)
	cro, err := rw.OpenContainer(ctx, "c1", RO)
	require.NoError(t, err)

	acl, err := cro.GetACL(ctx)
	require.NoError(t, err)
	assert.Equal(t, poolsvc.DefaultContACL, acl.ACL)
	assert.Equal(t, "alice@", acl.Owner)
	assert.Equal(t, "staff@", acl.Group)
	assert.Equal(t, c.uuid(), acl.Cont)

	require.NoError(t, c.UpdateACL(ctx, []string{"A::bob@:rw", "A:G:ops@:r"}))
	acl, err = c.GetACL(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"A::OWNER@:rwdtTaAo", "A::bob@:rw", "A:G:GROUP@:rwtT", "A:G:ops@:r"}, acl.ACL)
	require.NoError(t, c.DeleteACL(ctx, "u:bob@"))
	assert.ErrorIs(t, c.DeleteACL(ctx, "u:bob@"), daos.ErrNonexist)
	assert.ErrorIs(t, c.DeleteACL(ctx, ""), daos.ErrInval)
	err = c.UpdateACL(ctx, []string{"A::bob@:rq"})
	assert.ErrorIs(t, err, daos.ErrInval)
	assert.ErrorContains(t, err, "rq")
	assert.ErrorIs(t, c.UpdateACL(ctx, nil), daos.ErrInval)
	// A read-only handle changes nothing.
	assert.ErrorIs(t, cro.UpdateACL(ctx, []string{"A::bob@:r"}), daos.ErrNoPerm)
	assert.ErrorIs(t, cro.SetOwner(ctx, "bob@", ""), daos.ErrNoPerm)

	// Group change, then owner: alice keeps her handle but loses the
	// owner's permissions with the container.
	require.NoError(t, c.SetOwner(ctx, "", "ops@"))
	acl, err = c.GetACL(ctx)
	require.NoError(t, err)
	assert.Equal(t, "ops@", acl.Group)
	assert.ErrorIs(t, c.SetOwner(ctx, "", ""), daos.ErrInval)
	assert.ErrorIs(t, c.SetOwner(ctx, "bob", ""), daos.ErrInval)

	require.NoError(t, c.OverwriteACL(ctx, []string{"A::OWNER@:rwaAo", "A::EVERYONE@:r"}))
	acl, err = c.GetACL(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"A::OWNER@:rwaAo", "A::EVERYONE@:r"}, acl.ACL)
	require.NoError(t, c.SetOwner(ctx, "bob@", ""))
	_, err = c.GetACL(ctx)
	assert.ErrorIs(t, err, daos.ErrNoPerm, "EVERYONE@ has no a")
	assert.ErrorIs(t, c.OverwriteACL(ctx, []string{"A::OWNER@:rw"}), daos.ErrNoPerm)
	info, err := cro.Query(ctx)
	require.NoError(t, err)
	assert.Equal(t, "bob@", info.Owner)

	require.NoError(t, c.Close(ctx))
	_, err = c.GetACL(ctx)
	assert.ErrorIs(t, err, daos.ErrNoHdl)
}

// Ownership and ACL given at create hold from the start; bad ones refuse
// the create.
func TestCreateContainerAs(t *testing.T) {
	ctx := context.Background()
	rw, _, _ := svcPool(t)
	_, err := rw.CreateContainerAs(ctx, ContainerCreate{Label: "owned", Type: "POSIX", Owner: "alice@", Group: "ops@",
		ACL: []string{"A::OWNER@:rwdtTaAo", "A::bob@:r"}})
	require.NoError(t, err)
	c, err := rw.OpenContainer(ctx, "owned", RO)
	require.NoError(t, err)
	acl, err := c.GetACL(ctx)
	require.NoError(t, err)
	assert.Equal(t, "alice@", acl.Owner)
	assert.Equal(t, "ops@", acl.Group)
	assert.Equal(t, []string{"A::OWNER@:rwdtTaAo", "A::bob@:r"}, acl.ACL)

	_, err = rw.CreateContainerAs(ctx, ContainerCreate{Label: "bad", Group: "ops"})
	assert.ErrorIs(t, err, daos.ErrInval, "a group without @")
	_, err = rw.CreateContainerAs(ctx, ContainerCreate{Label: "bad", ACL: []string{"A::bob@:rq"}})
	assert.ErrorIs(t, err, daos.ErrInval)
	_, err = rw.OpenContainer(ctx, "bad", RO)
	assert.ErrorIs(t, err, daos.ErrNonexist, "refused creates made nothing")
}

// Another user of the pool reads a container through its handles as its
// ACL lets it: carol, in the owner group (rwtT), opens it and sees its
// properties but not its ACL; the owner sees both.
func TestContainerReadsFollowTheACL(t *testing.T) {
	ctx := context.Background()
	rw, _, m := svcPool(t)
	_, err := rw.CreateContainer(ctx, "c1", "POSIX", nil)
	require.NoError(t, err)
	require.NoError(t, rw.SetAttrs(ctx, map[string][]byte{"x": {1}}))
	carol := &Pool{c: rw.c, UUID: rw.UUID, Handle: newUUID(), replicas: rw.replicas, View: rw.View}
	b, err := (&poolsvc.Command{Op: poolsvc.OpConnect, Handle: uuidString(carol.Handle), Flags: RW,
		Cred: poolsvc.Cred{User: "carol@", Groups: []string{"staff@"}}}).Encode()
	require.NoError(t, err)
	if err, ok := m.Apply(b).(error); ok {
		t.Fatal(err)
	}

	c, err := carol.OpenContainer(ctx, "c1", RO)
	require.NoError(t, err)
	assert.Equal(t, "POSIX", c.Info.Type)
	assert.Equal(t, "alice@", c.Info.Owner)
	assert.Nil(t, c.Info.ACL, "carol has no a on c1")
	_, err = c.GetACL(ctx)
	assert.ErrorIs(t, err, daos.ErrNoPerm)
	list, err := carol.ListContainers(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Nil(t, list[0].ACL)
	assert.Equal(t, "POSIX", list[0].Type, "carol may read c1's properties")

	owned, err := rw.OpenContainer(ctx, "c1", RO)
	require.NoError(t, err)
	assert.Equal(t, poolsvc.DefaultContACL, owned.Info.ACL)
	info, err := owned.Query(ctx)
	require.NoError(t, err)
	assert.Equal(t, poolsvc.DefaultContACL, info.ACL)
	info, err = c.Query(ctx)
	require.NoError(t, err)
	assert.Nil(t, info.ACL)
}
