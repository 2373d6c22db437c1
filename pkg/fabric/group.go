package fabric

import (
	"fmt"
	"sort"
	"sync"

	"github.com/daos-go/daos/pkg/daos"
)

// Rank is a DAOS engine's rank in the system.
type Rank uint32

// Group is a rank-addressed view of a set of endpoints: rank → URI, with a
// version that grows as the system map changes, so callers address ranks
// and follow map updates. It is safe for concurrent use.
type Group struct {
	name string

	mu      sync.RWMutex
	version uint32
	members map[Rank]URI
}

// NewGroup makes an empty group (version 0) called name, e.g. "daos_server".
func NewGroup(name string) *Group {
	return &Group{name: name, members: map[Rank]URI{}}
}

// Name is the group's name.
func (g *Group) Name() string { return g.name }

// Update replaces the membership with members at version. A version older
// than the current one is refused with DER_GRPVER (a stale map must not
// undo a newer one); the same version with the same members is accepted.
// Update copies members.
func (g *Group) Update(version uint32, members map[Rank]URI) error {
	for r, u := range members {
		if u.IsZero() {
			return fmt.Errorf("update group %s to version %d: rank %d has no URI: %w", g.name, version, r, daos.ErrInval)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if version < g.version || (version == g.version && version != 0 && !sameMembers(g.members, members)) {
		return fmt.Errorf("update group %s to version %d: it is at version %d: %w", g.name, version, g.version, daos.ErrGrpver)
	}
	m := make(map[Rank]URI, len(members))
	for r, u := range members {
		m[r] = u
	}
	g.version, g.members = version, m
	return nil
}

func sameMembers(a, b map[Rank]URI) bool {
	if len(a) != len(b) {
		return false
	}
	for r, u := range a {
		if b[r] != u {
			return false
		}
	}
	return true
}

// Lookup returns rank's URI and the group version it was read at. An
// unknown rank is DER_OOG.
func (g *Group) Lookup(r Rank) (URI, uint32, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	u, ok := g.members[r]
	if !ok {
		return URI{}, g.version, fmt.Errorf("look up rank %d in group %s (version %d): %w", r, g.name, g.version, daos.ErrOog)
	}
	return u, g.version, nil
}

// Version is the current map version.
func (g *Group) Version() uint32 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.version
}

// Ranks lists the members' ranks in increasing order.
func (g *Group) Ranks() []Rank {
	g.mu.RLock()
	defer g.mu.RUnlock()
	rs := make([]Rank, 0, len(g.members))
	for r := range g.members {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return rs
}
