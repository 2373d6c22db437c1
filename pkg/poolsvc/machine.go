package poolsvc

// Machine adapts a State to rsvc: commands arrive JSON-encoded
// (Command.Encode).
type Machine struct {
	*State
	// epochs, when set, is the hosting engine's hybrid logical clock:
	// Admit stamps snapshots with it (SetEpochSource).
	epochs func() uint64
}

// NewMachine makes the state machine of a pool not yet created.
func NewMachine() *Machine { return &Machine{State: New()} }

// SetEpochSource gives Admit the hosting engine's clock, so that a
// snapshot's epoch is past every write that engine has seen, not only
// those its requesting client knows of (a client whose clock lags would
// otherwise take a snapshot missing writes already acknowledged).
func (m *Machine) SetEpochSource(now func() uint64) { m.epochs = now }
