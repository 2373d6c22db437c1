package poolsvc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

func TestContEvict(t *testing.T) {
	ch2 := uuid(302) // alice's second RW handle on c1
	for _, tc := range []struct {
		name    string
		cmd     *Command
		want    int
		left    []string // handles still open on c1
		wantErr daos.Errno
	}{
		{name: "own user's other handles", cmd: &Command{Op: OpContEvict, Handle: ch},
			want: 2, left: []string{ch, chC}},
		{name: "carol's: none but hers", cmd: &Command{Op: OpContEvict, Handle: chC},
			want: 0, left: []string{ch, chRO, chC, ch2}},
		{name: "all by the owner", cmd: &Command{Op: OpContEvict, Handle: ch2, Force: true},
			want: 3, left: []string{ch2}},
		{name: "all without o", cmd: &Command{Op: OpContEvict, Handle: chC, Force: true}, wantErr: daos.ErrNoPerm},
		{name: "through a read-only handle", cmd: &Command{Op: OpContEvict, Handle: chRO}, wantErr: daos.ErrNoPerm},
		{name: "without a handle", cmd: &Command{Op: OpContEvict}, wantErr: daos.ErrNoHdl},
		{name: "through a pool handle", cmd: &Command{Op: OpContEvict, Handle: ph}, wantErr: daos.ErrNoHdl},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := withCarol(t)
			apply(t, s, &Command{Op: OpContOpen, PoolHandle: ph, Cont: "c1", Handle: ch2, Flags: FlagRW})
			if tc.wantErr != 0 {
				runRefusals(t, func(*testing.T) *State { return s }, []refusal{{name: tc.name, cmd: tc.cmd, want: tc.wantErr}})
				return
			}
			tc.cmd.Time = t0
			res, closed := s.ApplyClosing(tc.cmd)
			require.NotImplements(t, (*error)(nil), res)
			assert.Equal(t, tc.want, res)
			assert.Len(t, closed, tc.want, "the engines are told of every closed handle")
			for _, h := range []string{ch, chRO, chC, ch2} {
				_, _, _, err := s.ContHandle(h)
				assert.Equal(t, hasHandle(tc.left, h), err == nil, "handle %s", h)
			}
		})
	}
	// Admitted from clients, with the Force flag kept.
	b, _ := (&Command{Op: OpContEvict, Handle: ch, Force: true, Cred: alice}).Encode()
	out, err := NewMachine().Admit(b)
	require.NoError(t, err)
	c, _ := DecodeCommand(out)
	assert.True(t, c.Force)
	assert.Equal(t, Cred{}, c.Cred)
}

func hasHandle(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
