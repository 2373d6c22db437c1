package poolsvc

// Machine adapts a State to rsvc: commands arrive JSON-encoded
// (Command.Encode).
type Machine struct {
	*State
}

// NewMachine makes the state machine of a pool not yet created.
func NewMachine() *Machine { return &Machine{State: New()} }
