package poolsvc

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

var phEX = uuid(102) // alice's EX handle on a fresh pool

func TestPoolAttrRefusals(t *testing.T) {
	runRefusals(t, base, []refusal{
		{name: "set through a read-only handle", cmd: &Command{Op: OpSetAttrs, Handle: phRO, Attrs: map[string][]byte{"a": []byte("1")}},
			want: daos.ErrNoPerm},
		{name: "del through a read-only handle", setup: []*Command{{Op: OpSetAttrs, Handle: ph, Attrs: map[string][]byte{"a": {1}}}},
			cmd: &Command{Op: OpDelAttrs, Handle: phRO, Names: []string{"a"}}, want: daos.ErrNoPerm},
		{name: "set through an unknown handle", cmd: &Command{Op: OpSetAttrs, Handle: uuid(999), Attrs: map[string][]byte{"a": {1}}},
			want: daos.ErrNoHdl},
		{name: "set through a container handle", cmd: &Command{Op: OpSetAttrs, Handle: ch, Attrs: map[string][]byte{"a": {1}}},
			want: daos.ErrNoHdl},
		{name: "set through a disconnected handle", setup: []*Command{{Op: OpDisconnect, Handle: ph}},
			cmd: &Command{Op: OpSetAttrs, Handle: ph, Attrs: map[string][]byte{"a": {1}}}, want: daos.ErrNoHdl},
		{name: "set none", cmd: &Command{Op: OpSetAttrs, Handle: ph}, want: daos.ErrInval},
		{name: "set an empty name", cmd: &Command{Op: OpSetAttrs, Handle: ph, Attrs: map[string][]byte{"": {1}}}, want: daos.ErrInval},
		{name: "set a too long name", cmd: &Command{Op: OpSetAttrs, Handle: ph, Attrs: map[string][]byte{string(make([]byte, 512)): {1}}},
			want: daos.ErrInval},
		{name: "del a missing one", setup: []*Command{{Op: OpSetAttrs, Handle: ph, Attrs: map[string][]byte{"a": {1}}}},
			cmd: &Command{Op: OpDelAttrs, Handle: ph, Names: []string{"a", "b"}}, want: daos.ErrNonexist},
		{name: "del none", cmd: &Command{Op: OpDelAttrs, Handle: ph}, want: daos.ErrInval},
	})
}

func TestPoolAttrsThroughHandles(t *testing.T) {
	s := base(t)
	apply(t, s, &Command{Op: OpSetAttrs, Handle: ph, Attrs: map[string][]byte{"a": []byte("1"), "b": []byte("two")}},
		&Command{Op: OpSetAttrs, Handle: ph, Attrs: map[string][]byte{"a": []byte("one"), "empty": {}}})
	at, err := s.PoolAttrs()
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"a": []byte("one"), "b": []byte("two"), "empty": {}}, at)
	apply(t, s, &Command{Op: OpDelAttrs, Handle: ph, Names: []string{"a", "empty"}})
	at, _ = s.PoolAttrs()
	assert.Equal(t, map[string][]byte{"b": []byte("two")}, at)
	// The admin path (no handle) still works, and so does an EX handle.
	apply(t, s, &Command{Op: OpSetAttrs, Attrs: map[string][]byte{"adm": {7}}})
	s2 := New()
	apply(t, s2, &Command{Op: OpCreate, Create: createArgs()},
		&Command{Op: OpConnect, Handle: phEX, Flags: FlagEX, Cred: alice},
		&Command{Op: OpSetAttrs, Handle: phEX, Attrs: map[string][]byte{"x": {1}}},
		&Command{Op: OpDelAttrs, Handle: phEX, Names: []string{"x"}})
	at, _ = s2.PoolAttrs()
	assert.Empty(t, at)
	_, err = New().PoolAttrs()
	assert.ErrorIs(t, err, daos.ErrUninit)
}

func TestAdmitPoolAttrs(t *testing.T) {
	m := NewMachine()
	for _, op := range []string{OpSetAttrs, OpDelAttrs} {
		b, _ := (&Command{Op: op, Attrs: map[string][]byte{"a": {1}}, Names: []string{"a"}}).Encode()
		_, err := m.Admit(b)
		assert.ErrorIs(t, err, daos.ErrNoHdl, "%s without a handle would pass as the admin's", op)
		b, _ = (&Command{Op: op, Handle: ph, Cred: alice, Attrs: map[string][]byte{"a": {1}}}).Encode()
		out, err := m.Admit(b)
		require.NoError(t, err, op)
		c, err := DecodeCommand(out)
		require.NoError(t, err)
		assert.Equal(t, ph, c.Handle)
		assert.Equal(t, Cred{}, c.Cred)
	}
}

func TestQueryAttrs(t *testing.T) {
	m := NewMachine()
	q := func(what, id string) ([]byte, error) {
		b, _ := json.Marshal(Query{What: what, ID: id})
		return m.Query(b)
	}
	_, err := q("attrs", "")
	assert.True(t, errors.Is(err, daos.ErrUninit), "%v", err)
	for _, c := range []*Command{
		{Op: OpCreate, Create: createArgs()},
		{Op: OpConnect, Handle: ph, Flags: FlagRW, Cred: alice},
		{Op: OpSetAttrs, Handle: ph, Attrs: map[string][]byte{"k": []byte("v")}},
		{Op: OpContCreate, PoolHandle: ph, ContCreate: &ContCreateArgs{UUID: c1, Label: "c1"}},
		{Op: OpContOpen, PoolHandle: ph, Cont: "c1", Handle: ch, Flags: FlagRW},
		{Op: OpContSetAttrs, Handle: ch, Attrs: map[string][]byte{"ck": []byte("cv")}},
	} {
		c.Time = t0
		b, _ := c.Encode()
		if err, ok := m.Apply(b).(error); ok {
			t.Fatalf("%s: %v", c.Op, err)
		}
	}
	out, err := q("attrs", "")
	require.NoError(t, err)
	var at map[string][]byte
	require.NoError(t, json.Unmarshal(out, &at))
	assert.Equal(t, map[string][]byte{"k": []byte("v")}, at)
	out, err = q("cont_attrs", "c1")
	require.NoError(t, err)
	at = nil
	require.NoError(t, json.Unmarshal(out, &at))
	assert.Equal(t, map[string][]byte{"ck": []byte("cv")}, at)
	_, err = q("cont_attrs", "nope")
	assert.True(t, errors.Is(err, daos.ErrNonexist), "%v", err)
}
