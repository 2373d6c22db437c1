package poolsvc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

func TestAdmit(t *testing.T) {
	m := NewMachine()
	for _, op := range []string{OpCreate, OpConnect, OpEvict, OpSetProps, OpSetOwner, OpACLOverwrite,
		OpACLUpdate, OpACLDelete, OpMapUpdate, OpDestroyBegin, "bogus"} {
		b, _ := (&Command{Op: op}).Encode()
		_, err := m.Admit(b)
		assert.ErrorIs(t, err, daos.ErrNoPerm, op)
	}
	b, _ := (&Command{Op: OpContCreate, PoolHandle: "h", Cred: Cred{User: "root@"}, Owner: "root@",
		ContCreate: &ContCreateArgs{UUID: "u", Owner: "root@", Group: "root@"}}).Encode()
	out, err := m.Admit(b)
	require.NoError(t, err)
	c, err := DecodeCommand(out)
	require.NoError(t, err)
	assert.Equal(t, Cred{}, c.Cred, "a client-made identity survived")
	assert.Empty(t, c.Owner)
	// A create's owner is a request contCreate checks (TestContCreateOwner).
	assert.Equal(t, "root@", c.ContCreate.Owner)
	assert.Equal(t, "h", c.PoolHandle)
	_, err = m.Admit([]byte("{"))
	assert.ErrorIs(t, err, daos.ErrProto)
}
