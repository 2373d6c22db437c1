package mgmtsvc

import "strconv"

// Status is what telemetry reports about the management service here.
type Status struct {
	Replica    bool   // this server hosts a replica (and it is open)
	RaftState  string // Leader, Follower, Candidate, Shutdown
	Term       uint64
	LastIndex  uint64
	Leader     bool
	MapVersion uint32
	// Members counts the system's members by state (lower case) as this
	// replica's copy of the record has them.
	Members map[string]int
}

// statser is a replica that reports raft's counters (*msdb.Replica).
type statser interface{ Stats() map[string]string }

// Status reports the replica's raft state and its copy of the
// membership.
func (s *Service) Status() Status {
	r := s.replica()
	if r == nil {
		return Status{}
	}
	st := Status{Replica: true, Leader: r.IsLeader(), MapVersion: s.o.DB.MapVersion(), Members: map[string]int{}}
	if rs, ok := r.(statser); ok {
		stats := rs.Stats()
		st.RaftState = stats["state"]
		st.Term, _ = strconv.ParseUint(stats["term"], 10, 64)
		st.LastIndex, _ = strconv.ParseUint(stats["last_log_index"], 10, 64)
	}
	for _, m := range s.o.DB.Members() {
		st.Members[m.State.JSONName()]++
	}
	return st
}
