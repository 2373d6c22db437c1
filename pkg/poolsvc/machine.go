package poolsvc

import (
	"github.com/daos-go/daos/pkg/daos"
)

// Machine adapts a State to rsvc: commands arrive JSON-encoded
// (Command.Encode).
type Machine struct {
	*State
}

// NewMachine makes the state machine of a pool not yet created.
func NewMachine() *Machine { return &Machine{State: New()} }

// Apply decodes and applies a logged command. An undecodable command is
// refused with DER_PROTO on every replica alike.
func (m *Machine) Apply(b []byte) any {
	c, err := DecodeCommand(b)
	if err != nil {
		return daos.Errorf(daos.ErrProto, "%v", err)
	}
	return m.State.Apply(c)
}
