package poolsvc

import "github.com/daos-go/daos/pkg/daos"

// poolAttrs applies set_attrs / del_attrs. The admin path (an engine for
// the control plane) names no handle; a client's command names the pool
// handle it acts through (Admit insists), and that handle must be open and
// connected for writing (RW or EX), as daos_pool_set_attr and
// daos_pool_del_attr need.
func (t *txn) poolAttrs(c *Command) error {
	if c.Handle != "" {
		h, err := t.poolHandle(c.Handle)
		if err != nil {
			return err
		}
		if h.Flags&(FlagRW|FlagEX) == 0 {
			return daos.Errorf(daos.ErrNoPerm, "pool %s: handle %s is read-only: attributes cannot be changed through it",
				t.r.UUID, c.Handle)
		}
	}
	if c.Op == OpSetAttrs {
		return setAttrs(t.r.Attrs, c.Attrs)
	}
	return delAttrs(t.r.Attrs, c.Names)
}

// handleBoundOps are client operations that only make sense through a
// handle (a pool handle for attributes, a container handle for
// set-owner); Admit refuses them without one, since the state takes a
// command with no handle as the admin's.
var handleBoundOps = map[string]bool{OpSetAttrs: true, OpDelAttrs: true, OpContSetOwner: true}

// PoolAttrs gives the pool's user attributes; DER_UNINIT before create.
func (s *State) PoolAttrs() (map[string][]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.created(); err != nil {
		return nil, err
	}
	return cloneAttrs(s.st.Attrs), nil
}
