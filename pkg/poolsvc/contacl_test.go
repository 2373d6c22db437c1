package poolsvc

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

var (
	carol = Cred{User: "carol@", Groups: []string{"staff@"}} // in the owner group: rwtT on c1
	phC   = uuid(110)                                        // carol's RW pool handle
	chC   = uuid(310)                                        // carol's RW handle on c1
)

// withCarol is base plus carol's RW handles on the pool and on c1.
func withCarol(t *testing.T) *State {
	s := base(t)
	apply(t, s, &Command{Op: OpConnect, Handle: phC, Flags: FlagRW, Cred: carol},
		&Command{Op: OpContOpen, PoolHandle: phC, Cont: "c1", Handle: chC, Flags: FlagRW})
	return s
}

func TestContACLRefusals(t *testing.T) {
	runRefusals(t, withCarol, []refusal{
		{name: "overwrite without a handle", cmd: &Command{Op: OpContACLOverwrite, ACL: []string{"A::OWNER@:rw"}}, want: daos.ErrNoHdl},
		{name: "update through a pool handle", cmd: &Command{Op: OpContACLUpdate, Handle: ph, ACL: []string{"A::bob@:r"}}, want: daos.ErrNoHdl},
		{name: "update through a read-only handle", cmd: &Command{Op: OpContACLUpdate, Handle: chRO, ACL: []string{"A::bob@:r"}}, want: daos.ErrNoPerm},
		{name: "update without A", cmd: &Command{Op: OpContACLUpdate, Handle: chC, ACL: []string{"A::bob@:r"}}, want: daos.ErrNoPerm},
		{name: "update with nothing", cmd: &Command{Op: OpContACLUpdate, Handle: ch}, want: daos.ErrInval},
		{name: "update with a bad ACE", cmd: &Command{Op: OpContACLUpdate, Handle: ch, ACL: []string{"A::bob@:rz"}}, want: daos.ErrInval},
		{name: "update with a pool-only permission", cmd: &Command{Op: OpContACLUpdate, Handle: ch, ACL: []string{"A::bob@:c"}}, want: daos.ErrInval},
		{name: "delete a missing principal", cmd: &Command{Op: OpContACLDelete, Handle: ch, Principal: "u:bob@"}, want: daos.ErrNonexist},
		{name: "delete no principal", cmd: &Command{Op: OpContACLDelete, Handle: ch}, want: daos.ErrInval},
		{name: "delete without A", cmd: &Command{Op: OpContACLDelete, Handle: chC, Principal: "GROUP@"}, want: daos.ErrNoPerm},
		{name: "overwrite after losing A", setup: []*Command{
			{Op: OpContACLOverwrite, Handle: ch, ACL: []string{"A::OWNER@:rw", "A:G:GROUP@:rwA"}},
			{Op: OpContACLOverwrite, Handle: chC, ACL: []string{"A::OWNER@:rw", "A:G:GROUP@:rw"}}},
			cmd: &Command{Op: OpContACLOverwrite, Handle: chC, ACL: []string{"A:G:GROUP@:rwA"}}, want: daos.ErrNoPerm},
		{name: "set owner without o", cmd: &Command{Op: OpContSetOwner, Handle: chC, Props: map[string]string{"owner": "carol@"}}, want: daos.ErrNoPerm},
		{name: "set owner read-only", cmd: &Command{Op: OpContSetOwner, Handle: chRO, Props: map[string]string{"owner": "carol@"}}, want: daos.ErrNoPerm},
		{name: "set owner no handle", cmd: &Command{Op: OpContSetOwner, Props: map[string]string{"owner": "carol@"}}, want: daos.ErrNoHdl},
		{name: "set owner nothing", cmd: &Command{Op: OpContSetOwner, Handle: ch}, want: daos.ErrInval},
		{name: "set owner bad name", cmd: &Command{Op: OpContSetOwner, Handle: ch, Props: map[string]string{"owner": "carol"}}, want: daos.ErrInval},
		{name: "set owner other key", cmd: &Command{Op: OpContSetOwner, Handle: ch, Props: map[string]string{"label": "x"}}, want: daos.ErrInval},
		{name: "set owner unknown handle", cmd: &Command{Op: OpContSetOwner, Handle: uuid(999), Props: map[string]string{"group": "g@"}}, want: daos.ErrNoHdl},
	})
}

func TestContACLChanges(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cmds      []*Command
		wantACL   []string
		wantOwner string
		wantGroup string
	}{
		{name: "update adds and replaces",
			cmds:    []*Command{{Op: OpContACLUpdate, ACL: []string{"A::bob@:r", "A:G:GROUP@:rwtTa"}}},
			wantACL: []string{"A::OWNER@:rwdtTaAo", "A::bob@:r", "A:G:GROUP@:rwtTa"}, wantOwner: "alice@", wantGroup: "staff@"},
		{name: "overwrite",
			cmds:    []*Command{{Op: OpContACLOverwrite, ACL: []string{"A::OWNER@:rwaA", "A::EVERYONE@:r"}}},
			wantACL: []string{"A::OWNER@:rwaA", "A::EVERYONE@:r"}, wantOwner: "alice@", wantGroup: "staff@"},
		{name: "delete",
			cmds:    []*Command{{Op: OpContACLDelete, Principal: "GROUP@"}},
			wantACL: []string{"A::OWNER@:rwdtTaAo"}, wantOwner: "alice@", wantGroup: "staff@"},
		{name: "owner and group",
			cmds:    []*Command{{Op: OpContSetOwner, Props: map[string]string{"owner": "bob@", "group": "ops@"}}},
			wantACL: DefaultContACL, wantOwner: "bob@", wantGroup: "ops@"},
		{name: "group only",
			cmds:    []*Command{{Op: OpContSetOwner, Props: map[string]string{"group": "ops@"}}},
			wantACL: DefaultContACL, wantOwner: "alice@", wantGroup: "ops@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := withCarol(t)
			for _, c := range tc.cmds {
				c.Handle = ch
			}
			apply(t, s, tc.cmds...)
			ci, err := s.Container("c1")
			require.NoError(t, err)
			assert.Equal(t, tc.wantACL, ci.ACL)
			assert.Equal(t, tc.wantOwner, ci.Owner)
			assert.Equal(t, tc.wantGroup, ci.Group)
			// Alice reads it through her handle while she keeps a.
			got, err := s.ContACL(chRO)
			if tc.wantOwner != "alice@" {
				assert.ErrorIs(t, err, daos.ErrNoPerm, "alice gave c1 away")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, ContACLReply{Cont: c1, ACL: tc.wantACL, Owner: tc.wantOwner, Group: tc.wantGroup}, *got)
		})
	}
}

func TestContACLOwnershipMoves(t *testing.T) {
	// Alice gives c1 to carol: carol's handle now gets OWNER@'s
	// permissions and may change the ACL; alice's handle only GROUP@'s.
	s := withCarol(t)
	apply(t, s, &Command{Op: OpContSetOwner, Handle: ch, Props: map[string]string{"owner": "carol@"}},
		&Command{Op: OpContACLUpdate, Handle: chC, ACL: []string{"A::bob@:r"}})
	res := s.Apply(&Command{Op: OpContACLDelete, Handle: ch, Principal: "u:bob@", Time: t0})
	assert.ErrorIs(t, res.(error), daos.ErrNoPerm)
}

// TestContSetOwnerAdmin: the admin's set-owner (no handle, the container
// by label or UUID) needs no permission on the container, goes through
// the same checks as the owner's, and reports what it changed.
func TestContSetOwnerAdmin(t *testing.T) {
	runRefusals(t, withCarol, []refusal{
		{name: "unknown container", cmd: &Command{Op: OpContSetOwner, Cont: "nosuch", Owner: "bob@"}, want: daos.ErrNonexist},
		{name: "unknown UUID", cmd: &Command{Op: OpContSetOwner, Cont: uuid(999), Group: "ops@"}, want: daos.ErrNonexist},
		{name: "no container", cmd: &Command{Op: OpContSetOwner, Owner: "bob@"}, want: daos.ErrNonexist},
		{name: "nothing", cmd: &Command{Op: OpContSetOwner, Cont: "c1"}, want: daos.ErrInval},
		{name: "bad owner", cmd: &Command{Op: OpContSetOwner, Cont: "c1", Owner: "bob"}, want: daos.ErrInval},
		{name: "bad group keeps a good owner out", cmd: &Command{Op: OpContSetOwner, Cont: "c1", Owner: "bob@", Group: "a:b@"}, want: daos.ErrInval},
		{name: "special principal", cmd: &Command{Op: OpContSetOwner, Cont: "c1", Owner: "OWNER@"}, want: daos.ErrInval},
		{name: "pool being destroyed", setup: []*Command{{Op: OpDestroyBegin, Force: true}},
			cmd: &Command{Op: OpContSetOwner, Cont: "c1", Owner: "bob@"}, want: daos.ErrBusy},
	})

	for _, tc := range []struct {
		name             string
		cmd              *Command
		want             ContOwnerChange
		wantAliceReadsIt bool
	}{
		{name: "owner by label", cmd: &Command{Op: OpContSetOwner, Cont: "c1", Owner: "bob@"},
			want: ContOwnerChange{Cont: c1, Label: "c1", OldOwner: "alice@", OldGroup: "staff@", Owner: "bob@", Group: "staff@"}},
		{name: "group by UUID", cmd: &Command{Op: OpContSetOwner, Cont: c1, Group: "ops@"},
			want:             ContOwnerChange{Cont: c1, Label: "c1", OldOwner: "alice@", OldGroup: "staff@", Owner: "alice@", Group: "ops@"},
			wantAliceReadsIt: true},
		{name: "both, with a domain", cmd: &Command{Op: OpContSetOwner, Cont: "c1", Owner: "bob@example.com", Group: "ops@example.com"},
			want: ContOwnerChange{Cont: c1, Label: "c1", OldOwner: "alice@", OldGroup: "staff@", Owner: "bob@example.com", Group: "ops@example.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := withCarol(t)
			res := apply(t, s, tc.cmd)
			require.IsType(t, &ContOwnerChange{}, res)
			assert.Equal(t, tc.want, *res.(*ContOwnerChange))
			ci, err := s.Container("c1")
			require.NoError(t, err)
			assert.Equal(t, tc.want.Owner, ci.Owner)
			assert.Equal(t, tc.want.Group, ci.Group)
			assert.Equal(t, DefaultContACL, ci.ACL, "the ACL is left alone")
			_, err = s.ContACL(chRO)
			if tc.wantAliceReadsIt {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, daos.ErrNoPerm, "alice is no longer OWNER@")
			}
		})
	}

	// Carol (in the owner group, without o) cannot change the owner
	// herself; the admin can, and then she owns c1.
	s := withCarol(t)
	res := s.Apply(&Command{Op: OpContSetOwner, Handle: chC, Props: map[string]string{"owner": "carol@"}, Time: t0})
	assert.ErrorIs(t, res.(error), daos.ErrNoPerm)
	apply(t, s, &Command{Op: OpContSetOwner, Cont: "c1", Owner: "carol@"},
		&Command{Op: OpContACLUpdate, Handle: chC, ACL: []string{"A::bob@:r"}})
}

// TestContOwnerKeepsACLRights: whatever the ACL says, a container's owner
// may read and change it (DAOS's CONT_OWNER_MIN_PERMS), and nothing more.
func TestContOwnerKeepsACLRights(t *testing.T) {
	s := withCarol(t)
	apply(t, s, &Command{Op: OpContACLOverwrite, Handle: ch, ACL: []string{"A::EVERYONE@:r"}})
	_, err := s.ContACL(ch)
	require.NoError(t, err, "the owner reads the ACL without a")
	apply(t, s, &Command{Op: OpContACLOverwrite, Handle: ch, ACL: []string{"A::OWNER@:r", "A::EVERYONE@:r"}})
	res := s.Apply(&Command{Op: OpContSetOwner, Handle: ch, Props: map[string]string{"owner": "bob@"}, Time: t0})
	assert.ErrorIs(t, res.(error), daos.ErrNoPerm, "o is not among the owner's own rights")
	_, err = s.ContACL(chC)
	assert.ErrorIs(t, err, daos.ErrNoPerm, "carol is not the owner")
}

func TestQueryContACL(t *testing.T) {
	m := NewMachine()
	for _, c := range []*Command{
		{Op: OpCreate, Create: createArgs()},
		{Op: OpConnect, Handle: ph, Flags: FlagRW, Cred: alice},
		{Op: OpConnect, Handle: phC, Flags: FlagRW, Cred: carol},
		{Op: OpContCreate, PoolHandle: ph, ContCreate: &ContCreateArgs{UUID: c1, Label: "c1"}},
		{Op: OpContOpen, PoolHandle: ph, Cont: "c1", Handle: ch, Flags: FlagRW},
		{Op: OpContOpen, PoolHandle: phC, Cont: "c1", Handle: chC, Flags: FlagRO},
	} {
		c.Time = t0
		b, _ := c.Encode()
		if err, ok := m.Apply(b).(error); ok {
			t.Fatalf("%s: %v", c.Op, err)
		}
	}
	q := func(id string) ([]byte, error) {
		b, _ := json.Marshal(Query{What: "cont_acl", ID: id})
		return m.Query(b)
	}
	out, err := q(ch)
	require.NoError(t, err)
	var r ContACLReply
	require.NoError(t, json.Unmarshal(out, &r))
	assert.Equal(t, ContACLReply{Cont: c1, ACL: DefaultContACL, Owner: "alice@", Group: "staff@"}, r)
	_, err = q(chC)
	assert.ErrorIs(t, err, daos.ErrNoPerm, "carol's GROUP@ entry has no a")
	_, err = q(ph)
	assert.ErrorIs(t, err, daos.ErrNoHdl)

	// The pool's ACL, for any connected handle; a container handle is
	// not one.
	qp := func(id string) ([]byte, error) {
		b, _ := json.Marshal(Query{What: "pool_acl", ID: id})
		return m.Query(b)
	}
	for _, h := range []string{ph, phC} {
		out, err := qp(h)
		require.NoError(t, err)
		var pr PoolACLReply
		require.NoError(t, json.Unmarshal(out, &pr))
		assert.Equal(t, DefaultPoolACL, pr.ACL)
		assert.Equal(t, createArgs().Owner, pr.Owner)
	}
	_, err = qp(ch)
	assert.ErrorIs(t, err, daos.ErrNoHdl)
}

func TestAdmitContACL(t *testing.T) {
	m := NewMachine()
	for _, op := range []string{OpContACLOverwrite, OpContACLUpdate, OpContACLDelete, OpContSetOwner} {
		b, _ := (&Command{Op: op, Handle: ch, Cred: alice, Owner: "mallory@", Props: map[string]string{"owner": "bob@"}}).Encode()
		out, err := m.Admit(b)
		require.NoError(t, err, op)
		c, err := DecodeCommand(out)
		require.NoError(t, err)
		assert.Equal(t, ch, c.Handle)
		assert.Equal(t, Cred{}, c.Cred)
		assert.Empty(t, c.Owner)
		assert.Equal(t, "bob@", c.Props["owner"])
	}
	// The admin's form of set-owner, without a handle, is not a
	// client's to send.
	b, _ := (&Command{Op: OpContSetOwner, Cont: "c1", Owner: "mallory@"}).Encode()
	_, err := m.Admit(b)
	assert.ErrorIs(t, err, daos.ErrNoHdl)
	// The pool's own ACL stays the admin's.
	b, _ = (&Command{Op: OpACLUpdate, Handle: ch, ACL: []string{"A::bob@:r"}}).Encode()
	_, err = m.Admit(b)
	assert.ErrorIs(t, err, daos.ErrNoPerm)
}

// DAOS_COO_EVICT closes the opener's other handles on the container first,
// DAOS_COO_EVICT_ALL everyone's (with the o permission); both before the
// conflict checks, so an exclusive open can evict its way in.
func TestContOpenEvicts(t *testing.T) {
	handles := func(s *State) []string {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return sortedKeys(s.st.Conts[c1].Handles)
	}
	s := withCarol(t)
	apply(t, s, &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: uuid(320), Flags: FlagRW | FlagEvict})
	assert.ElementsMatch(t, []string{chC, uuid(320)}, handles(s), "alice's other handles went, carol's stayed")

	res := s.Apply(&Command{Op: OpContOpen, PoolHandle: phC, Cont: c1, Handle: uuid(321), Flags: FlagRW | FlagEvictAll, Time: t0})
	assert.ErrorIs(t, res.(error), daos.ErrNoPerm, "carol lacks o")

	apply(t, s, &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: uuid(322), Flags: FlagEX | FlagEvictAll})
	assert.Equal(t, []string{uuid(322)}, handles(s), "an exclusive open evicted everyone")

	for name, f := range map[string]uint64{"RO with EVICT_ALL": FlagRO | FlagEvictAll, "EX with EVICT": FlagEX | FlagEvict, "unknown bit": FlagRW | 1<<8} {
		res := s.Apply(&Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: uuid(323), Flags: f, Time: t0})
		assert.ErrorIs(t, res.(error), daos.ErrInval, name)
	}
	// Flags with nothing to do here are taken.
	s = withCarol(t)
	apply(t, s, &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: uuid(324), Flags: FlagRO | FlagROMDStats},
		&Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: uuid(325), Flags: FlagRW | FlagNewLayout})
	assert.Len(t, handles(s), 5)
}

// A creator may name another owner or group only if the new container's
// ACL lets the creator (as its owner) give it away: no more than create
// and set-owner in turn.
func TestContCreateOwner(t *testing.T) {
	s := base(t)
	create := func(n int, a *ContCreateArgs) any {
		a.UUID = uuid(n)
		return s.Apply(&Command{Op: OpContCreate, PoolHandle: ph, ContCreate: a, Time: t0})
	}
	res := create(400, &ContCreateArgs{Owner: "bob@", Group: "ops@"})
	require.IsType(t, &ContInfo{}, res, "default ACL: OWNER@ has o")
	assert.Equal(t, "bob@", res.(*ContInfo).Owner)
	assert.Equal(t, "ops@", res.(*ContInfo).Group)
	res = create(401, &ContCreateArgs{Owner: "bob@", ACL: []string{"A::OWNER@:rw"}})
	assert.ErrorIs(t, res.(error), daos.ErrNoPerm, "an ACL without o for the creator")
	res = create(402, &ContCreateArgs{Owner: "alice@", Group: "staff@", ACL: []string{"A::OWNER@:rw"}})
	require.IsType(t, &ContInfo{}, res, "the creator's own identity needs nothing")
	res = create(403, &ContCreateArgs{Group: "bad"})
	assert.ErrorIs(t, res.(error), daos.ErrInval)
}
