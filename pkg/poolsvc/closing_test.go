package poolsvc

import (
	"errors"
	"slices"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
)

// TestApplyClosing: every command that closes container handles lists
// exactly those; refused commands and others list none.
func TestApplyClosing(t *testing.T) {
	both := []string{ch, chRO}
	slices.Sort(both)
	for _, tc := range []struct {
		name string
		cmd  *Command
		want []string
		err  daos.Errno
	}{
		{name: "cont_close", cmd: &Command{Op: OpContClose, Handle: ch}, want: []string{ch}},
		{name: "cont_close unknown", cmd: &Command{Op: OpContClose, Handle: uuid(999)}},
		{name: "disconnect", cmd: &Command{Op: OpDisconnect, Handle: ph}, want: both},
		{name: "disconnect handle without containers", cmd: &Command{Op: OpDisconnect, Handle: phRO}},
		{name: "evict all", cmd: &Command{Op: OpEvict}, want: both},
		{name: "evict machine", cmd: &Command{Op: OpEvict, Machine: "node1"}, want: both},
		{name: "evict other machine", cmd: &Command{Op: OpEvict, Machine: "node2"}},
		{name: "destroy_begin force", cmd: &Command{Op: OpDestroyBegin, Force: true}, want: both},
		{name: "destroy_begin busy", cmd: &Command{Op: OpDestroyBegin}, err: daos.ErrBusy},
		{name: "cont_destroy force", cmd: &Command{Op: OpContDestroy, PoolHandle: ph, Cont: "c1", Force: true}, want: both},
		{name: "cont_destroy busy", cmd: &Command{Op: OpContDestroy, PoolHandle: ph, Cont: "c1"}, err: daos.ErrBusy},
		{name: "set_props", cmd: &Command{Op: OpSetProps, Props: map[string]string{"label": "lake"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base(t)
			tc.cmd.Time = t0.Add(100)
			res, closed := s.ApplyClosing(tc.cmd)
			err, _ := res.(error)
			if tc.err != 0 {
				if !errors.Is(err, tc.err) {
					t.Fatalf("result %v, want %v", res, tc.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(closed, tc.want) {
				t.Fatalf("closed %v, want %v", closed, tc.want)
			}
			// The machine wraps the result only when handles closed.
			m := &Machine{State: base(t)}
			b, _ := tc.cmd.Encode()
			got := m.Apply(b)
			cl, ok := got.(*Closing)
			if ok != (len(tc.want) > 0) {
				t.Fatalf("machine result %#v", got)
			}
			if ok && (!slices.Equal(cl.ClosedContHandles(), tc.want) || cl.Result() != res) {
				t.Fatalf("machine result %+v, state result %v", cl, res)
			}
		})
	}
}
