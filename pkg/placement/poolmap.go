package placement

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/daos-go/daos/pkg/daos"
)

// CompType is a pool map component type (pool_comp_type_t).
type CompType uint8

// Component types.
const (
	CompTarget      CompType = 0
	CompRank        CompType = 1
	CompNode        CompType = 2
	CompFaultDomain CompType = 3
	CompPerfDomain  CompType = 200
	CompRoot        CompType = 255
)

// State is a component state as DAOS's pool_map.h bitmask numbers it (the
// proto TargetState enum numbers them differently; see ProtoState).
type State uint8

// Component states.
const (
	StateUnknown State = 0
	StateNew     State = 0x1  // added by extend, not yet usable
	StateUp      State = 0x2  // healthy, being filled by rebuild
	StateUpIn    State = 0x4  // healthy and fully in the pool
	StateDown    State = 0x8  // dead, data not yet rebuilt
	StateDownOut State = 0x10 // dead, data rebuilt elsewhere
	StateDrain   State = 0x20 // serving while its data moves off
)

var stateNames = map[State]string{StateNew: "NEW", StateUp: "UP", StateUpIn: "UPIN",
	StateDown: "DOWN", StateDownOut: "DOWNOUT", StateDrain: "DRAIN"}

func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return "UNKNOWN"
}

// ProtoState is the state's number in the control plane's TargetState enum.
func (s State) ProtoState() int {
	switch s {
	case StateDownOut:
		return 1
	case StateDown:
		return 2
	case StateUp:
		return 3
	case StateUpIn:
		return 4
	case StateNew:
		return 5
	case StateDrain:
		return 6
	}
	return 0
}

func (s State) valid() bool { _, ok := stateNames[s]; return ok }

// Usable reports whether new layouts may put shards on a target in this
// state. UP targets take shards (they are being filled by rebuild); DRAIN
// targets are treated like DOWN for new layouts (their shards are placed
// elsewhere while the drained copy still serves).
func (s State) Usable() bool { return s == StateUpIn || s == StateUp }

// InPool reports whether the target counts toward the pool's size
// (GenerateOID's "targets"): everything but NEW and DOWNOUT.
func (s State) InPool() bool {
	return s == StateUpIn || s == StateUp || s == StateDown || s == StateDrain
}

// RankSpec describes a rank to add to a pool map.
type RankSpec struct {
	Rank    uint32
	Targets int
	// FaultPath is the rank's fault domain, e.g. "/rack1/node2"; empty
	// makes the rank its own domain.
	FaultPath string
}

// RankInfo is one rank in the map.
type RankInfo struct {
	Rank      uint32
	FaultPath string
	States    []State // per target index
}

// PoolMap is a versioned map of ranks and their targets, which the pool
// service replicates (Encode/DecodePoolMap). Every change bumps the
// version; clones share nothing mutable. Layouts may be computed from many
// goroutines at once, but changes must not run concurrently with anything
// else on the same map: change a Clone and publish it instead.
type PoolMap struct {
	version uint32
	ranks   []RankInfo // sorted by Rank
	// v is the placement tree, built on first use after each change.
	v atomic.Pointer[view]
}

func (m *PoolMap) view() *view {
	if v := m.v.Load(); v != nil {
		return v
	}
	v := buildView(m.ranks)
	m.v.Store(v)
	return v
}

// changed drops the placement tree after a mutation.
func (m *PoolMap) changed() { m.v.Store(nil) }

// Limits keep a decoded map's size sane.
const (
	maxTargetsPerRank = 1 << 12
	maxRanks          = 1 << 20
	maxFaultPathLen   = 1 << 10
)

// NewPoolMap builds a version-1 map with every target UPIN, as pool create
// does.
func NewPoolMap(ranks []RankSpec) (*PoolMap, error) {
	m := &PoolMap{version: 1}
	if err := m.addRanks(ranks, StateUpIn); err != nil {
		return nil, err
	}
	return m, nil
}

// Version is the map version.
func (m *PoolMap) Version() uint32 { return m.version }

// Ranks gives a copy of the ranks in rank order.
func (m *PoolMap) Ranks() []RankInfo {
	out := make([]RankInfo, len(m.ranks))
	for i, r := range m.ranks {
		out[i] = RankInfo{Rank: r.Rank, FaultPath: r.FaultPath, States: append([]State(nil), r.States...)}
	}
	return out
}

// Clone is a deep copy.
func (m *PoolMap) Clone() *PoolMap {
	c := &PoolMap{version: m.version, ranks: m.Ranks()}
	c.v.Store(m.v.Load()) // views are immutable
	return c
}

// TargetState gives a target's state.
func (m *PoolMap) TargetState(rank uint32, idx int) (State, error) {
	r := m.rank(rank)
	if r == nil || idx < 0 || idx >= len(r.States) {
		return StateUnknown, daos.Errorf(daos.ErrNonexist, "pool map: no target %d.%d", rank, idx)
	}
	return r.States[idx], nil
}

// NumTargets counts all targets in the map.
func (m *PoolMap) NumTargets() int {
	n := 0
	for _, r := range m.ranks {
		n += len(r.States)
	}
	return n
}

// Shape counts what GenerateOID needs: targets in the pool and the fault
// domains holding them.
func (m *PoolMap) Shape(rdFac int) PoolShape {
	ps := PoolShape{RdFac: rdFac}
	doms := map[string]bool{}
	for _, r := range m.ranks {
		in := false
		for _, s := range r.States {
			if s.InPool() {
				ps.Targets++
				in = true
			}
		}
		if in {
			doms[r.domainKey()] = true
		}
	}
	ps.Domains = len(doms)
	return ps
}

// domainKey names the rank's fault domain: its path, or the rank itself.
func (r *RankInfo) domainKey() string {
	if r.FaultPath == "" {
		return fmt.Sprintf("rank:%d", r.Rank)
	}
	return r.FaultPath
}

func (m *PoolMap) rankIndex(rank uint32) int {
	i := sort.Search(len(m.ranks), func(i int) bool { return m.ranks[i].Rank >= rank })
	if i < len(m.ranks) && m.ranks[i].Rank == rank {
		return i
	}
	return -1
}

func (m *PoolMap) rank(rank uint32) *RankInfo {
	if i := m.rankIndex(rank); i >= 0 {
		return &m.ranks[i]
	}
	return nil
}

// validPath accepts "" or "/a/b" with non-empty components.
func validPath(p string) bool {
	if p == "" {
		return true
	}
	if len(p) > maxFaultPathLen || p[0] != '/' {
		return false
	}
	for _, c := range strings.Split(p[1:], "/") {
		if c == "" {
			return false
		}
	}
	return true
}

func (m *PoolMap) addRanks(specs []RankSpec, st State) error {
	seen := map[uint32]bool{}
	for _, s := range specs {
		switch {
		case s.Targets <= 0 || s.Targets > maxTargetsPerRank:
			return daos.Errorf(daos.ErrInval, "pool map: rank %d: %d targets", s.Rank, s.Targets)
		case !validPath(s.FaultPath):
			return daos.Errorf(daos.ErrInval, "pool map: rank %d: bad fault domain %q", s.Rank, s.FaultPath)
		case seen[s.Rank] || m.rank(s.Rank) != nil:
			return daos.Errorf(daos.ErrExist, "pool map: rank %d already in the map", s.Rank)
		}
		seen[s.Rank] = true
	}
	if len(m.ranks)+len(specs) > maxRanks {
		return daos.Errorf(daos.ErrInval, "pool map: too many ranks")
	}
	for _, s := range specs {
		st := slicesRepeat(st, s.Targets)
		m.ranks = append(m.ranks, RankInfo{Rank: s.Rank, FaultPath: s.FaultPath, States: st})
	}
	sort.Slice(m.ranks, func(i, j int) bool { return m.ranks[i].Rank < m.ranks[j].Rank })
	m.changed()
	return nil
}

func slicesRepeat(s State, n int) []State {
	out := make([]State, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// AddRanks adds ranks whose targets start NEW (the first half of pool
// extend); Extend then makes them UP. One new version.
func (m *PoolMap) AddRanks(specs []RankSpec) error {
	if len(specs) == 0 {
		return nil
	}
	if err := m.addRanks(specs, StateNew); err != nil {
		return err
	}
	m.version++
	return nil
}

// TargetRef names targets: one target of a rank, or all of them when
// Index is AllTargets.
type TargetRef struct {
	Rank  uint32
	Index int
}

// AllTargets as a TargetRef index means every target of the rank.
const AllTargets = -1

// Operations on the map and the transitions each allows (CONTROL.md 7.5).
// Naming a target already in the destination state is a no-op, not an
// error (repeating an exclude). A rank-wide reference also skips targets
// in a skip state, which the operation has nothing to do for (excluding a
// rank one of whose targets is already out).
type op struct {
	name string
	from State // bitmask of accepted states
	to   State
	skip State
}

var (
	opExclude     = op{"exclude", StateUp | StateUpIn, StateDown, StateDown | StateDownOut}
	opDrain       = op{"drain", StateUpIn, StateDrain, StateDrain | StateDown | StateDownOut}
	opReintegrate = op{"reintegrate", StateDown | StateDownOut, StateUp, StateUp | StateUpIn}
	opExtend      = op{"extend", StateNew, StateUp, StateUp | StateUpIn}
	opAddIn       = op{"add-in", StateUp, StateUpIn, StateUpIn}
	opExcludeOut  = op{"exclude-out", StateDown | StateDrain, StateDownOut, StateDownOut}
)

// Exclude marks targets dead: UP/UPIN -> DOWN.
func (m *PoolMap) Exclude(refs ...TargetRef) error { return m.apply(opExclude, refs) }

// Drain starts moving data off targets: UPIN -> DRAIN.
func (m *PoolMap) Drain(refs ...TargetRef) error { return m.apply(opDrain, refs) }

// Reintegrate brings dead targets back to be refilled: DOWN/DOWNOUT -> UP.
func (m *PoolMap) Reintegrate(refs ...TargetRef) error { return m.apply(opReintegrate, refs) }

// Extend makes added targets take data: NEW -> UP.
func (m *PoolMap) Extend(refs ...TargetRef) error { return m.apply(opExtend, refs) }

// AddIn ends a fill: UP -> UPIN (rebuild completion of reintegrate/extend).
func (m *PoolMap) AddIn(refs ...TargetRef) error { return m.apply(opAddIn, refs) }

// ExcludeOut ends a rebuild away from targets: DOWN/DRAIN -> DOWNOUT.
func (m *PoolMap) ExcludeOut(refs ...TargetRef) error { return m.apply(opExcludeOut, refs) }

// RebuildDone applies rebuild completion to the whole map in one version:
// UP -> UPIN and DOWN/DRAIN -> DOWNOUT. It reports whether anything changed.
func (m *PoolMap) RebuildDone() bool {
	changed := false
	for i := range m.ranks {
		for j, s := range m.ranks[i].States {
			switch {
			case s == StateUp:
				m.ranks[i].States[j] = StateUpIn
				changed = true
			case s == StateDown || s == StateDrain:
				m.ranks[i].States[j] = StateDownOut
				changed = true
			}
		}
	}
	if changed {
		m.version++
		m.changed()
	}
	return changed
}

// apply checks every named target first, so an illegal transition leaves
// the map unchanged. Targets the operation has already covered are left
// alone (see op). It bumps the version once if anything changed.
func (m *PoolMap) apply(o op, refs []TargetRef) error {
	type tgt struct{ r, t int }
	var todo []tgt
	for _, ref := range refs {
		ri := m.rankIndex(ref.Rank)
		if ri < 0 {
			return daos.Errorf(daos.ErrNonexist, "pool map %s: no rank %d", o.name, ref.Rank)
		}
		r := &m.ranks[ri]
		lo, hi := ref.Index, ref.Index+1
		if ref.Index == AllTargets {
			lo, hi = 0, len(r.States)
		} else if ref.Index < 0 || ref.Index >= len(r.States) {
			return daos.Errorf(daos.ErrNonexist, "pool map %s: no target %d.%d", o.name, ref.Rank, ref.Index)
		}
		for t := lo; t < hi; t++ {
			s := r.States[t]
			if s == o.to || (ref.Index == AllTargets && s&o.skip != 0) {
				continue
			}
			if s&o.from == 0 {
				return daos.Errorf(daos.ErrInval, "pool map %s: target %d.%d is %s", o.name, ref.Rank, t, s)
			}
			todo = append(todo, tgt{ri, t})
		}
	}
	if len(todo) == 0 {
		return nil
	}
	for _, x := range todo {
		m.ranks[x.r].States[x.t] = o.to
	}
	m.version++
	m.changed()
	return nil
}

// Encoding: "DPM1", version u32, rank count u32, then per rank: rank u32,
// path length u16, path, target count u16, one state byte per target. All
// little-endian; ranks in rank order, so equal maps encode identically.
var pmMagic = []byte("DPM1")

// Encode serialises the map deterministically.
func (m *PoolMap) Encode() []byte {
	n := 12
	for _, r := range m.ranks {
		n += 8 + len(r.FaultPath) + len(r.States)
	}
	b := make([]byte, 0, n)
	b = append(b, pmMagic...)
	b = binary.LittleEndian.AppendUint32(b, m.version)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.ranks)))
	for _, r := range m.ranks {
		b = binary.LittleEndian.AppendUint32(b, r.Rank)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(r.FaultPath)))
		b = append(b, r.FaultPath...)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(r.States)))
		for _, s := range r.States {
			b = append(b, byte(s))
		}
	}
	return b
}

// DecodePoolMap reads Encode's output, refusing anything malformed with
// DER_PROTO.
func DecodePoolMap(b []byte) (*PoolMap, error) {
	bad := func(what string) error { return daos.Errorf(daos.ErrProto, "pool map decode: %s", what) }
	if len(b) < 12 || !bytes.Equal(b[:4], pmMagic) {
		return nil, bad("bad header")
	}
	m := &PoolMap{version: binary.LittleEndian.Uint32(b[4:])}
	nr := binary.LittleEndian.Uint32(b[8:])
	b = b[12:]
	if m.version == 0 {
		return nil, bad("version 0")
	}
	// Each rank takes at least 9 bytes, which bounds the allocation.
	if uint64(nr) > maxRanks || uint64(nr)*9 > uint64(len(b)) {
		return nil, bad("rank count")
	}
	m.ranks = make([]RankInfo, 0, nr)
	for i := uint32(0); i < nr; i++ {
		if len(b) < 6 {
			return nil, bad("truncated rank")
		}
		r := RankInfo{Rank: binary.LittleEndian.Uint32(b)}
		pl := int(binary.LittleEndian.Uint16(b[4:]))
		b = b[6:]
		if len(b) < pl+2 {
			return nil, bad("truncated fault path")
		}
		r.FaultPath = string(b[:pl])
		if !validPath(r.FaultPath) {
			return nil, bad(fmt.Sprintf("rank %d: fault path %q", r.Rank, r.FaultPath))
		}
		nt := int(binary.LittleEndian.Uint16(b[pl:]))
		b = b[pl+2:]
		if nt == 0 || nt > maxTargetsPerRank || len(b) < nt {
			return nil, bad(fmt.Sprintf("rank %d: target count", r.Rank))
		}
		r.States = make([]State, nt)
		for j := range r.States {
			r.States[j] = State(b[j])
			if !r.States[j].valid() {
				return nil, bad(fmt.Sprintf("rank %d target %d: state 0x%x", r.Rank, j, b[j]))
			}
		}
		b = b[nt:]
		if len(m.ranks) > 0 && m.ranks[len(m.ranks)-1].Rank >= r.Rank {
			return nil, bad("ranks out of order")
		}
		m.ranks = append(m.ranks, r)
	}
	if len(b) != 0 {
		return nil, bad("trailing bytes")
	}
	return m, nil
}
