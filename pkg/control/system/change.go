package system

import (
	"fmt"
	"time"
)

// StateChange moves ranks to a state.
type StateChange struct {
	Ranks []uint32    `json:"ranks"`
	State MemberState `json:"state"`
	Info  string      `json:"info,omitempty"`
	// Incarnation, when not 0, applies the change only to a member whose
	// incarnation is not newer (events about an older process are stale).
	Incarnation uint64 `json:"incarnation,omitempty"`
	// Incarnations, when given, has one entry per rank: the change
	// applies to that rank only while the member still has that
	// incarnation (what the proposer saw; 0 matches any).
	Incarnations []uint64 `json:"incarnations,omitempty"`
	// From, when not 0, applies the change only to members in one of
	// these states (what the proposer saw them in).
	From MemberState `json:"from,omitempty"`
	// Admin is an administrator's exclusion or its clearing: Excluding
	// works from any state, and clearing takes AdminExcluded to Excluded.
	Admin bool `json:"admin,omitempty"`
}

// StateResult is what happened to one rank.
type StateResult struct {
	Rank    uint32
	Changed bool
	State   MemberState // the state after the change (or the unchanged one)
	Reason  string      // why nothing changed
}

func (st *record) changeState(c *StateChange, now time.Time) []StateResult {
	out := make([]StateResult, 0, len(c.Ranks))
	bump := false
	for i, r := range c.Ranks {
		m := st.Members[r]
		if m == nil {
			out = append(out, StateResult{Rank: r, Reason: "not a member"})
			continue
		}
		res := StateResult{Rank: r, State: m.State}
		switch {
		case c.Incarnation != 0 && m.Incarnation > c.Incarnation:
			res.Reason = fmt.Sprintf("the event is about incarnation %d, the rank is at %d", c.Incarnation, m.Incarnation)
		case i < len(c.Incarnations) && c.Incarnations[i] != 0 && m.Incarnation != c.Incarnations[i]:
			res.Reason = fmt.Sprintf("the change was for incarnation %d, the rank is at %d", c.Incarnations[i], m.Incarnation)
		case c.From != 0 && m.State&c.From == 0:
			res.Reason = fmt.Sprintf("the change was for a member in %s, the rank is %s", c.From, m.State)
		case m.State == c.State:
			res.Reason = "already " + m.State.String()
		case c.Admin && (c.State == StateAdminExcluded || (m.State == StateAdminExcluded && c.State == StateExcluded)):
			res.Changed = true
		case c.Admin:
			res.Reason = fmt.Sprintf("%s is not an administrative exclusion state", c.State)
		case !m.State.CanTransition(c.State):
			res.Reason = fmt.Sprintf("illegal transition from %s to %s", m.State, c.State)
		default:
			res.Changed = true
		}
		if res.Changed {
			if m.State.inGroupMap() != c.State.inGroupMap() {
				bump = true
			}
			m.State, m.Info, m.LastUpdate = c.State, c.Info, now
			res.State = c.State
		}
		out = append(out, res)
	}
	if bump {
		st.MapVersion++
	}
	return out
}
