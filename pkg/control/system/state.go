package system

import (
	"fmt"
	"strings"
)

// MemberState is a rank's state as the management service records it.
// The values are DAOS's bitmask, so a state mask filters members.
type MemberState uint32

// Member states.
const (
	StateUnknown        MemberState = 0
	StateAwaitFormat    MemberState = 0x1
	StateStarting       MemberState = 0x2
	StateReady          MemberState = 0x4
	StateJoined         MemberState = 0x8
	StateStopping       MemberState = 0x10
	StateStopped        MemberState = 0x20
	StateExcluded       MemberState = 0x40
	StateErrored        MemberState = 0x80
	StateUnresponsive   MemberState = 0x100
	StateAdminExcluded  MemberState = 0x200
	StateCheckerStarted MemberState = 0x400

	// AvailableStates can take part in a new pool.
	AvailableStates = StateReady | StateJoined
	// AllStates matches every state.
	AllStates MemberState = 0x7ff
)

var stateNames = []struct {
	s    MemberState
	name string
}{
	{StateAwaitFormat, "AwaitFormat"},
	{StateStarting, "Starting"},
	{StateReady, "Ready"},
	{StateJoined, "Joined"},
	{StateStopping, "Stopping"},
	{StateStopped, "Stopped"},
	{StateExcluded, "Excluded"},
	{StateErrored, "Errored"},
	{StateUnresponsive, "Unresponsive"},
	{StateAdminExcluded, "AdminExcluded"},
	{StateCheckerStarted, "CheckerStarted"},
}

// String is the title-case name used in tables ("Joined").
func (s MemberState) String() string {
	for _, n := range stateNames {
		if n.s == s {
			return n.name
		}
	}
	if s == StateUnknown {
		return "Unknown"
	}
	return fmt.Sprintf("MemberState(%#x)", uint32(s))
}

// JSONName is the lower-case name used in JSON and over gRPC ("joined").
func (s MemberState) JSONName() string { return strings.ToLower(s.String()) }

// ParseState reads a state name in any case.
func ParseState(name string) (MemberState, error) {
	for _, n := range stateNames {
		if strings.EqualFold(n.name, strings.TrimSpace(name)) {
			return n.s, nil
		}
	}
	return StateUnknown, fmt.Errorf("unknown member state %q", name)
}

// ParseStateMask reads a comma-separated list of state names into a mask
// (what `dmg system query --with-states` takes).
func ParseStateMask(list string) (MemberState, error) {
	var mask MemberState
	for _, name := range strings.Split(list, ",") {
		if strings.TrimSpace(name) == "" {
			continue
		}
		s, err := ParseState(name)
		if err != nil {
			return 0, err
		}
		mask |= s
	}
	if mask == 0 {
		return 0, fmt.Errorf("no member states in %q", list)
	}
	return mask, nil
}

// inGroupMap tells whether a member in this state is part of the engines'
// group map (DAOS leaves AwaitFormat, Excluded and AdminExcluded out).
func (s MemberState) inGroupMap() bool {
	return s&(StateAwaitFormat|StateExcluded|StateAdminExcluded|StateUnknown) == 0 && s != StateUnknown
}

// CanTransition tells whether a member may go from s to next. The rules
// are DAOS's: no transition to the same state; nothing leaves Unknown or
// AdminExcluded (except clearing the exclusion, which callers do
// explicitly); AwaitFormat, Starting and Ready cannot become Excluded;
// Joined cannot go back to Ready; Errored and Unresponsive cannot become
// Ready, Joined or Stopping (only a join takes them back); CheckerStarted
// cannot become Ready or Joined; Excluded leaves only by joining again or
// by an administrative exclusion.
func (s MemberState) CanTransition(next MemberState) bool {
	if s == next || s == StateUnknown || s == StateAdminExcluded {
		return false
	}
	switch s {
	case StateAwaitFormat, StateStarting, StateReady:
		if next == StateExcluded {
			return false
		}
		if s == StateReady && next == StateJoined {
			return true
		}
	case StateJoined:
		return next != StateReady
	case StateErrored, StateUnresponsive:
		return next != StateReady && next != StateJoined && next != StateStopping
	case StateCheckerStarted:
		return next != StateReady && next != StateJoined
	case StateExcluded:
		return next == StateJoined || next == StateAdminExcluded
	}
	return true
}
