package poolsvc

import (
	"testing"
	"time"

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

	// The service's clock dates the command, whatever the client said.
	m.clock = func() time.Time { return t0.Add(time.Hour) }
	b, _ = (&Command{Op: OpContOpen, PoolHandle: "h", Cont: "c", Handle: "x", Time: t0.Add(-24 * time.Hour)}).Encode()
	out, err = m.Admit(b)
	require.NoError(t, err)
	c, err = DecodeCommand(out)
	require.NoError(t, err)
	assert.True(t, c.Time.Equal(t0.Add(time.Hour)), "dated %v", c.Time)
}

// A snapshot's epoch is moved on to the leader engine's clock when that
// is ahead of the client's, and the applied command answers with it.
func TestAdmitStampsSnapshots(t *testing.T) {
	m := NewMachine()
	b, _ := (&Command{Op: OpSnapCreate, Handle: "h", Epoch: 100}).Encode()
	out, err := m.Admit(b)
	require.NoError(t, err)
	c, err := DecodeCommand(out)
	require.NoError(t, err)
	assert.EqualValues(t, 100, c.Epoch, "no clock: the client's epoch")

	m.SetEpochSource(func() uint64 { return 5000 })
	out, err = m.Admit(b)
	require.NoError(t, err)
	c, err = DecodeCommand(out)
	require.NoError(t, err)
	assert.EqualValues(t, 5000, c.Epoch, "the engine's clock is ahead")
	b, _ = (&Command{Op: OpSnapCreate, Handle: "h", Epoch: 9000}).Encode()
	out, _ = m.Admit(b)
	c, _ = DecodeCommand(out)
	assert.EqualValues(t, 9000, c.Epoch, "the client's is ahead")

	s := base(t)
	c.Handle, c.Time = ch, t0
	assert.EqualValues(t, 9000, s.Apply(c), "the answer is the epoch taken")
}
