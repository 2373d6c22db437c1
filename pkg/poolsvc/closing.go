package poolsvc

import (
	"slices"

	"github.com/daos-go/daos/pkg/daos"
)

// Closing is what Machine.Apply returns for a command that closed
// container handles (cont_close, disconnect, evict, destroy_begin, a
// forced cont_destroy): the command's own result and the handles it
// closed, so that the leader can tell the pool's engines to stop
// accepting them for object I/O before it answers (pkg/engine/poolhost,
// revoke.go). Only the leader's caller sees it; the replicated state is
// the same as for any other command.
type Closing struct {
	Res     any
	Handles []string
}

// Result is the command's own result.
func (c *Closing) Result() any { return c.Res }

// ClosedContHandles lists the container handles the command closed.
func (c *Closing) ClosedContHandles() []string { return c.Handles }

// ApplyClosing is Apply that also lists, sorted, the container handles the
// command closed (open before it, gone after it); none for a refused
// command.
func (s *State) ApplyClosing(c *Command) (any, []string) {
	s.mu.RLock()
	before := map[string]string{}
	for _, ct := range s.st.Conts {
		for h := range ct.Handles {
			before[h] = ct.UUID
		}
	}
	s.mu.RUnlock()
	// Commands are applied one at a time (the replicated log), so nothing
	// changes the state between the read above and Apply.
	res := s.Apply(c)
	if _, failed := res.(error); failed || len(before) == 0 {
		return res, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var closed []string
	for h, cont := range before {
		ct, ok := s.st.Conts[cont]
		if ok {
			if _, still := ct.Handles[h]; still {
				continue
			}
		}
		closed = append(closed, h)
	}
	slices.Sort(closed)
	return res, closed
}

// Apply decodes and applies a logged command. An undecodable command is
// refused with DER_PROTO on every replica alike. A command that closed
// container handles gives a *Closing.
func (m *Machine) Apply(b []byte) any {
	c, err := DecodeCommand(b)
	if err != nil {
		return daos.Errorf(daos.ErrProto, "%v", err)
	}
	res, closed := m.State.ApplyClosing(c)
	if len(closed) > 0 {
		return &Closing{Res: res, Handles: closed}
	}
	return res
}
