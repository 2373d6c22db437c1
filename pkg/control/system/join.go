package system

import (
	"time"

	"github.com/daos-go/daos/pkg/daos"
)

// JoinRequest is what a server sends for one of its engines.
type JoinRequest struct {
	UUID        string   `json:"uuid"`
	Rank        uint32   `json:"rank"` // NilRank when the engine has none yet
	Addr        string   `json:"addr"`
	Index       uint32   `json:"index"`
	URI         string   `json:"uri"`
	Contexts    uint32   `json:"nctxs"`
	Secondary   []string `json:"secondary_uris,omitempty"`
	SecondaryN  []uint32 `json:"secondary_nctxs,omitempty"`
	FaultDomain string   `json:"fault_domain"`
	Incarnation uint64   `json:"incarnation"`
	CheckMode   bool     `json:"check_mode,omitempty"`
	// Replace lets a new engine take over an excluded rank at the same
	// address and engine index (dmg storage format --replace).
	Replace bool `json:"replace,omitempty"`
}

// JoinResult is the outcome of an accepted join.
type JoinResult struct {
	Member     *Member
	Created    bool // a new rank was assigned
	MapVersion uint32
}

func (st *record) join(req *JoinRequest, now time.Time) any {
	if req.UUID == "" {
		return daos.Errorf(daos.ErrInval, "join: no engine UUID")
	}
	if req.Addr == "" {
		return daos.Errorf(daos.ErrInval, "join: engine %s gave no control address", req.UUID)
	}
	if err := checkFaultDomain(req.FaultDomain); err != nil {
		return daos.Errorf(daos.ErrInval, "join: engine %s: %v", req.UUID, err)
	}
	state := StateJoined
	if req.CheckMode {
		state = StateCheckerStarted
	}
	if m := st.byUUID(req.UUID); m != nil {
		return st.rejoin(m, req, state, now)
	}
	if req.Replace {
		m := st.replaceable(req)
		if m == nil {
			return daos.Errorf(daos.ErrNonexist, "join: no excluded rank of engine %d at %s to replace", req.Index, req.Addr)
		}
		// Check everything the rejoin would before changing the record:
		// a refused command must change nothing.
		if err := st.checkRejoin(m, req); err != nil {
			return err
		}
		m.UUID = req.UUID
		return st.rejoin(m, req, state, now)
	}
	if err := st.checkDepth(req.FaultDomain, nil); err != nil {
		return err
	}
	rank := req.Rank
	if rank == NilRank {
		rank = st.NextRank
		for st.Members[rank] != nil {
			rank++
		}
	} else if other := st.Members[rank]; other != nil {
		return daos.Errorf(daos.ErrExist, "join: engine %s claims rank %d, which belongs to engine %s", req.UUID, rank, other.UUID)
	}
	if rank == NilRank {
		return daos.Errorf(daos.ErrNospace, "join: no rank left")
	}
	if rank >= st.NextRank && rank+1 != NilRank {
		st.NextRank = rank + 1
	}
	m := &Member{Rank: rank, UUID: req.UUID}
	st.Members[rank] = m
	st.fill(m, req, state, now)
	st.MapVersion++
	return &JoinResult{Member: m.clone(), Created: true, MapVersion: st.MapVersion}
}

func (st *record) rejoin(m *Member, req *JoinRequest, state MemberState, now time.Time) any {
	if err := st.checkRejoin(m, req); err != nil {
		return err
	}
	st.fill(m, req, state, now)
	st.MapVersion++
	return &JoinResult{Member: m.clone(), MapVersion: st.MapVersion}
}

// checkRejoin refuses a join of a known member that would be wrong: a
// different rank or address, an administrative exclusion, a fault domain
// of another depth, or a process older than the one that joined last (a
// join that was delayed, e.g. in a leader change, while the engine
// restarted and joined again).
func (st *record) checkRejoin(m *Member, req *JoinRequest) error {
	switch {
	case req.Rank != NilRank && req.Rank != m.Rank:
		return daos.Errorf(daos.ErrInval, "join: engine %s says it is rank %d, the system knows it as rank %d", req.UUID, req.Rank, m.Rank)
	case req.Addr != m.Addr:
		return daos.Errorf(daos.ErrInval, "join: rank %d (%s) moved from %s to %s; a member's control address cannot change", m.Rank, m.UUID, m.Addr, req.Addr)
	case m.State == StateAdminExcluded:
		return daos.Errorf(daos.ErrNoPerm, "join: rank %d is administratively excluded; run dmg system clear-exclude --ranks=%d first", m.Rank, m.Rank)
	case req.Incarnation != 0 && req.Incarnation < m.Incarnation:
		return daos.Errorf(daos.ErrStale, "join: rank %d: incarnation %d is older than the %d that joined already", m.Rank, req.Incarnation, m.Incarnation)
	}
	return st.checkDepth(req.FaultDomain, m)
}

func (st *record) fill(m *Member, req *JoinRequest, state MemberState, now time.Time) {
	m.Addr, m.Index, m.URI, m.Contexts = req.Addr, req.Index, req.URI, req.Contexts
	m.Secondary = append([]string(nil), req.Secondary...)
	m.SecondaryN = append([]uint32(nil), req.SecondaryN...)
	m.FaultDomain, m.Incarnation = req.FaultDomain, req.Incarnation
	m.State, m.Info, m.LastUpdate = state, "", now
}

func (st *record) byUUID(uuid string) *Member {
	for _, m := range st.Members {
		if m.UUID == uuid {
			return m
		}
	}
	return nil
}

// replaceable finds the excluded member a replacing engine takes over:
// the lowest such rank at its address and engine index (the lowest, so
// every replica picks the same one).
func (st *record) replaceable(req *JoinRequest) *Member {
	var best *Member
	for _, m := range st.Members {
		if m.Addr == req.Addr && m.Index == req.Index && m.State == StateExcluded &&
			(req.Rank == NilRank || req.Rank == m.Rank) && (best == nil || m.Rank < best.Rank) {
			best = m
		}
	}
	return best
}

// checkDepth refuses a fault domain whose depth differs from the other
// members' (DAOS's fault-domain tree needs a uniform depth).
func (st *record) checkDepth(fd string, self *Member) error {
	for _, m := range st.Members {
		if m == self || m.FaultDomain == "" || fd == "" {
			continue
		}
		if faultDomainDepth(m.FaultDomain) != faultDomainDepth(fd) {
			return daos.Errorf(daos.ErrInval, "join: fault domain %q has %d levels, rank %d's %q has %d; all must have the same depth",
				fd, faultDomainDepth(fd), m.Rank, m.FaultDomain, faultDomainDepth(m.FaultDomain))
		}
		return nil
	}
	return nil
}
