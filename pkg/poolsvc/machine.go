package poolsvc

import "time"

// Machine adapts a State to rsvc: commands arrive JSON-encoded
// (Command.Encode).
type Machine struct {
	*State
	// epochs, when set, is the hosting engine's hybrid logical clock:
	// Admit stamps snapshots with it (SetEpochSource).
	epochs func() uint64
	// clock dates admitted commands; nil means time.Now (tests set it).
	clock func() time.Time
}

// now is the time Admit dates a command with, in UTC.
func (m *Machine) now() time.Time {
	if m.clock != nil {
		return m.clock().UTC()
	}
	return time.Now().UTC()
}

// NewMachine makes the state machine of a pool not yet created.
func NewMachine() *Machine { return &Machine{State: New()} }

// SetEpochSource gives Admit the hosting engine's clock, so that a
// snapshot's epoch is past every write that engine has seen, not only
// those its requesting client knows of (a client whose clock lags would
// otherwise take a snapshot missing writes already acknowledged).
func (m *Machine) SetEpochSource(now func() uint64) { m.epochs = now }
