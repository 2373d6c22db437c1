package poolsvc

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/daos-go/daos/pkg/daos"
)

// ClientQuery answers a read a client sent directly. Engines read
// anything through Query; a client reads only through a handle it holds,
// and sees of a container what that handle's credential may see, as in
// DAOS: pool reads need a connected pool handle; a container's ACL needs
// the get-ACL right (a), its properties, owner and group the get-prop
// right (t) unless the handle is open on that container (an open hands
// the properties I/O needs to its holder anyway), its snapshots and
// attributes the read right (r) unless the handle is open on it.
func (m *Machine) ClientQuery(b []byte) ([]byte, error) {
	var q Query
	if err := json.Unmarshal(b, &q); err != nil {
		return nil, daos.Errorf(daos.ErrProto, "pool service query: %v", err)
	}
	s := m.State
	var out any
	var err error
	switch q.What {
	case "info", "props", "map", "attrs", "targets":
		if err := s.checkPoolHandle(q.Handle); err != nil {
			return nil, fmt.Errorf("pool service query %s: %w", q.What, err)
		}
		return m.Query(b)
	case "cont_acl", "pool_acl":
		// ID is the handle itself, which the answer checks.
		return m.Query(b)
	case "containers":
		out, err = s.containersFor(q.Handle)
	case "container":
		out, err = s.containerFor(q.ID, q.Handle)
	case "snapshots":
		out, err = s.contRead(q.ID, q.Handle, "list its snapshots", func(ct *contRec) any { return slices.Clone(ct.Snaps) })
	case "cont_attrs":
		out, err = s.contRead(q.ID, q.Handle, "read its attributes", func(ct *contRec) any { return cloneAttrs(ct.Attrs) })
	default:
		return nil, daos.Errorf(daos.ErrNoPerm, "pool service query %q: not one a client may send", q.What)
	}
	return encodeAnswer(q.What, out, err)
}

func (s *State) checkPoolHandle(h string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.reader().poolHandle(h)
	return err
}

// contAccess finds container id for the holder of handle h, a container
// handle open on it or a pool handle: the container, what h's credential
// may do on it, and whether h is open on it.
func (t *txn) contAccess(id, h string) (*contRec, Perm, bool, error) {
	if ct, ch, err := t.contByHandle(h); err == nil {
		if id != "" && id != ct.UUID && id != ct.Label {
			return nil, 0, false, daos.Errorf(daos.ErrNoHdl, "container handle %s is open on container %s, not %q", h, ct.UUID, id)
		}
		return ct, t.contPerms(ct, ch.Cred), true, nil
	}
	ph, err := t.poolHandle(h)
	if err != nil {
		return nil, 0, false, daos.Errorf(daos.ErrNoHdl, "pool %s: %q is neither a pool nor a container handle", t.r.UUID, h)
	}
	ct, err := t.findCont(id)
	if err != nil {
		return nil, 0, false, err
	}
	return ct, t.contPerms(ct, ph.Cred), false, nil
}

// containerFor is a container's info as the holder of h may see it.
func (s *State) containerFor(id, h string) (*ContInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ct, perms, open, err := s.reader().contAccess(id, h)
	if err != nil {
		return nil, err
	}
	return redactInfo(ct.info(), perms, open), nil
}

// containersFor lists every container (DAOS lists them all to a
// connected handle), each as the pool handle h's credential may see it.
func (s *State) containersFor(h string) ([]*ContInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.reader()
	ph, err := t.poolHandle(h)
	if err != nil {
		return nil, err
	}
	out := make([]*ContInfo, 0, len(s.st.Conts))
	for _, k := range sortedKeys(s.st.Conts) {
		ct := s.st.Conts[k]
		out = append(out, redactInfo(ct.info(), t.contPerms(ct, ph.Cred), false))
	}
	return out, nil
}

// redactInfo drops from ci what a credential with perms may not read.
func redactInfo(ci *ContInfo, perms Perm, open bool) *ContInfo {
	if perms&PermGetACL == 0 {
		ci.ACL = nil
	}
	if !open && perms&PermGetProp == 0 {
		kept := map[string]string{}
		for _, k := range []string{"label", "status"} {
			if v, ok := ci.Props[k]; ok {
				kept[k] = v
			}
		}
		ci.Props = kept
		// The status stays: whether a container lost data is no secret,
		// and health checks list it.
		ci.Owner, ci.Group, ci.Type = "", "", ""
		ci.Snapshots, ci.NumSnaps, ci.AllocedOID = nil, 0, 0
	}
	return ci
}

// contRead reads from container id what fn returns, for the holder of a
// handle open on it or of a pool handle whose credential may read it.
func (s *State) contRead(id, h, what string, fn func(*contRec) any) (any, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.reader()
	ct, perms, open, err := t.contAccess(id, h)
	if err != nil {
		return nil, err
	}
	if !open && perms&PermRead == 0 {
		return nil, daos.Errorf(daos.ErrNoPerm, "container %s: this handle's user may not %s", ct.UUID, what)
	}
	return fn(ct), nil
}
