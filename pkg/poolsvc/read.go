package poolsvc

import (
	"slices"
	"time"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/placement"
)

// PoolInfo is what `dmg pool query` and `daos pool query` print, except
// space, which the engines report.
type PoolInfo struct {
	UUID       string   `json:"uuid"`
	Label      string   `json:"label"`
	State      string   `json:"state"`
	Owner      string   `json:"owner"`
	Group      string   `json:"group"`
	MapVersion uint32   `json:"version"`
	SvcRanks   []uint32 `json:"svc_reps"`
	// Leader is the rank of the service replica that answered, which
	// leads; the caller fills it in (poolhost.Client.QueryLeader), nil
	// when the answer did not say.
	Leader *uint32 `json:"svc_ldr,omitempty"`
	// Target counts: all, usable (UP/UPIN), excluded (DOWN/DOWNOUT),
	// draining.
	TotalTargets    int `json:"total_targets"`
	ActiveTargets   int `json:"active_targets"`
	DisabledTargets int `json:"disabled_targets"`
	DrainingTargets int `json:"draining_targets"`
	TotalEngines    int `json:"total_engines"`
	// A rank is disabled when none of its targets is in the pool.
	EnabledRanks  []uint32 `json:"enabled_ranks"`
	DisabledRanks []uint32 `json:"disabled_ranks"`
	// Rebuild is "busy" while targets wait for or undergo rebuild
	// (DOWN, DRAIN, UP), else "idle".
	Rebuild        string            `json:"rebuild_state"`
	Handles        int               `json:"active_handles"`
	Containers     int               `json:"containers"`
	LayoutVersion  uint32            `json:"pool_layout_ver"`
	UpgradeVersion uint32            `json:"upgrade_layout_ver"`
	Props          map[string]string `json:"props"`
	ACL            []string          `json:"acl"`
	CTime          time.Time         `json:"ctime"`
}

func (s *State) created() error {
	if s.st.Created == nil {
		return daos.Errorf(daos.ErrUninit, "pool service: pool not created")
	}
	return nil
}

// Info reports the pool.
func (s *State) Info() (*PoolInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.created(); err != nil {
		return nil, err
	}
	r := &s.st
	pi := &PoolInfo{UUID: r.UUID, Label: r.Props["label"].Str, State: r.State, Owner: r.Owner, Group: r.Group,
		MapVersion: s.pmap.Version(), SvcRanks: slices.Clone(r.SvcRanks), Rebuild: "idle",
		Handles: len(r.Handles), Containers: len(r.Conts), LayoutVersion: uint32(r.Props["global_version"].Num),
		UpgradeVersion: GlobalVersion, Props: s.propsLocked(), ACL: slices.Clone(r.ACL), CTime: r.CTime,
		EnabledRanks: []uint32{}, DisabledRanks: []uint32{}}
	for _, rk := range s.pmap.Ranks() {
		pi.TotalEngines++
		in := false
		for _, st := range rk.States {
			pi.TotalTargets++
			switch st {
			case placement.StateUp, placement.StateUpIn:
				pi.ActiveTargets++
			case placement.StateDown, placement.StateDownOut:
				pi.DisabledTargets++
			case placement.StateDrain:
				pi.DrainingTargets++
			}
			switch st {
			case placement.StateUp, placement.StateDown, placement.StateDrain:
				pi.Rebuild = "busy"
			}
			in = in || st.InPool() && st != placement.StateDown
		}
		if in {
			pi.EnabledRanks = append(pi.EnabledRanks, rk.Rank)
		} else {
			pi.DisabledRanks = append(pi.DisabledRanks, rk.Rank)
		}
	}
	return pi, nil
}

// Props prints the pool's properties by dmg name as `dmg pool get-prop`
// shows them.
func (s *State) Props() (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.created(); err != nil {
		return nil, err
	}
	return s.propsLocked(), nil
}

func (s *State) propsLocked() map[string]string {
	out := map[string]string{}
	for _, n := range system.PoolPropNames() {
		d, _ := system.LookupPoolProp(n)
		if d.Number == system.PoolPropSvcList {
			out[n] = ranklist.Of(s.st.SvcRanks...).RangedString()
			continue
		}
		p, ok := s.st.Props[n]
		if !ok {
			continue
		}
		w := &mgmtpb.PoolProperty{Number: d.Number}
		if d.String {
			w.Value = &mgmtpb.PoolProperty_Strval{Strval: p.Str}
		} else {
			w.Value = &mgmtpb.PoolProperty_Numval{Numval: p.Num}
		}
		out[n] = d.Format(w)
	}
	return out
}

// WireProps gives the stored pool properties by dmg name as their raw
// values (numbers, strings), with svc_list as its ranged rank list: what
// `dmg pool get-prop` receives.
func (s *State) WireProps() (map[string]Prop, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.created(); err != nil {
		return nil, err
	}
	out := make(map[string]Prop, len(s.st.Props)+1)
	for k, v := range s.st.Props {
		out[k] = v
	}
	out["svc_list"] = Prop{Str: ranklist.Of(s.st.SvcRanks...).RangedString()}
	return out, nil
}

// Prop gives one stored pool property value by dmg name.
func (s *State) Prop(name string) (Prop, error) {
	d, err := system.LookupPoolProp(name)
	if err != nil {
		return Prop{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.st.Props[d.Name]
	if !ok {
		return Prop{}, daos.Errorf(daos.ErrNonexist, "pool property %s not stored", d.Name)
	}
	return p, nil
}

// ACL gives the pool ACL's entries, owner and group.
func (s *State) ACL() (acl []string, owner, group string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.st.ACL), s.st.Owner, s.st.Group
}

// PoolMap gives a copy of the pool map (nil before create).
func (s *State) PoolMap() *placement.PoolMap {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.pmap == nil {
		return nil
	}
	return s.pmap.Clone()
}

// Handle looks up a pool handle; DER_NO_HDL if it is not open.
func (s *State) Handle(uuid string) (*Handle, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h, ok := s.st.Handles[uuid]
	if !ok {
		return nil, daos.Errorf(daos.ErrNoHdl, "no pool handle %q", uuid)
	}
	return h.clone(), nil
}

// Attrs gives the pool's user attributes.
func (s *State) Attrs() map[string][]byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneAttrs(s.st.Attrs)
}

func cloneAttrs(m map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// reader gives the read methods the lookup helpers commands use.
func (s *State) reader() *txn { return &txn{r: s.st, pmap: s.pmap} }

// Container looks a container up by UUID or label.
func (s *State) Container(id string) (*ContInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ct, err := s.reader().findCont(id)
	if err != nil {
		return nil, err
	}
	return ct.info(), nil
}

// Containers lists the containers in UUID order.
func (s *State) Containers() []*ContInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*ContInfo, 0, len(s.st.Conts))
	for _, k := range sortedKeys(s.st.Conts) {
		out = append(out, s.st.Conts[k].info())
	}
	return out
}

// ContHandle looks up an open container handle, the container's UUID
// and how it sums its data.
func (s *State) ContHandle(uuid string) (*Handle, string, csum.Spec, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ct, h, err := s.reader().contByHandle(uuid)
	if err != nil {
		return nil, "", csum.Spec{}, err
	}
	return h.clone(), ct.UUID, ct.csumSpec(), nil
}

// csumSpec is how the container sums its data, from its properties.
func (c *contRec) csumSpec() csum.Spec {
	t := csum.Type(c.Props["cksum"].Num)
	if t == csum.Off {
		return csum.Spec{}
	}
	return csum.Spec{Type: t, ChunkBytes: uint32(c.Props["cksum_size"].Num), ServerVerify: c.Props["srv_cksum"].Num != 0}
}

// Reclaim strategies (the pool property reclaim, DAOS_RECLAIM_*).
const (
	ReclaimDisabled = 0
	ReclaimLazy     = 1
	ReclaimTime     = 4
)

// AggregationReply is what an engine's aggregation needs from the pool
// service: the reclaim strategy and each container's snapshot epochs
// (versions visible at them stay).
type AggregationReply struct {
	Reclaim   uint64              `json:"reclaim"`
	Snapshots map[string][]uint64 `json:"snapshots"`
	// Now is the leader's clock as it answered (0: unknown): snapshots
	// made later are stamped at or after it.
	Now uint64 `json:"now,omitempty"`
}

// Aggregation answers an "aggregation" query.
func (s *State) Aggregation() (*AggregationReply, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.created(); err != nil {
		return nil, err
	}
	r := &AggregationReply{Reclaim: ReclaimLazy, Snapshots: make(map[string][]uint64, len(s.st.Conts))}
	if p, ok := s.st.Props["reclaim"]; ok {
		r.Reclaim = p.Num
	}
	for id, ct := range s.st.Conts {
		eps := make([]uint64, 0, len(ct.Snaps))
		for _, sn := range ct.Snaps {
			eps = append(eps, sn.Epoch)
		}
		r.Snapshots[id] = eps
	}
	return r, nil
}

// Snapshots lists a container's snapshots in epoch order.
func (s *State) Snapshots(cont string) ([]Snap, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ct, err := s.reader().findCont(cont)
	if err != nil {
		return nil, err
	}
	return slices.Clone(ct.Snaps), nil
}

// ContAttrs gives a container's user attributes.
func (s *State) ContAttrs(cont string) (map[string][]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ct, err := s.reader().findCont(cont)
	if err != nil {
		return nil, err
	}
	return cloneAttrs(ct.Attrs), nil
}

// ContPerms evaluates a container's ACL for a credential (what a handle
// opened with it may do).
func (s *State) ContPerms(cont string, c Cred) (Perm, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.reader()
	ct, err := t.findCont(cont)
	if err != nil {
		return 0, err
	}
	return t.contPerms(ct, c), nil
}

// PoolPerms evaluates the pool ACL for a credential.
func (s *State) PoolPerms(c Cred) Perm {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.reader().poolPerms(c)
}

// Applied counts the commands applied (the data version).
func (s *State) Applied() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.Applied
}
