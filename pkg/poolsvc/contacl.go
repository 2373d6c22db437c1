package poolsvc

import (
	"github.com/daos-go/daos/pkg/daos"
)

// Container ACL and ownership commands a client sends through an open
// container handle (Command.Handle), as daos container
// overwrite-acl/update-acl/delete-acl/set-owner do. The handle must be
// open for writing; its credential needs the container ACL's A
// permission for ACL changes and o for an owner change.
const (
	OpContACLOverwrite = "cont_acl_overwrite"
	OpContACLUpdate    = "cont_acl_update"
	OpContACLDelete    = "cont_acl_delete"
	// OpContSetOwner takes the new owner and/or group in Props["owner"]
	// and Props["group"] from a client, through its container handle.
	// Without a handle it is the admin's (dmg container set-owner, sent
	// by an engine for the management service): the container named by
	// Command.Cont, the new owner and/or group in Command.Owner and
	// Group, and no ACL check, since the admin need not be able to open
	// the container. Admit refuses the handle-less form from clients and
	// clears Owner and Group from theirs.
	OpContSetOwner = "cont_set_owner"
)

// contACLOps maps the client container ACL commands to the ACL changes
// aclChange makes through a container handle.
var contACLOps = map[string]string{
	OpContACLOverwrite: OpACLOverwrite,
	OpContACLUpdate:    OpACLUpdate,
	OpContACLDelete:    OpACLDelete,
}

// applyContACL runs the container ACL commands; handled is false for any
// other command.
func (t *txn) applyContACL(c *Command) (handled bool, err error) {
	op, ok := contACLOps[c.Op]
	if !ok {
		return false, nil
	}
	// Without a container handle aclChange would change the pool's
	// ACL: a container command never may.
	if c.Handle == "" {
		return true, daos.Errorf(daos.ErrNoHdl, "%s: no container handle given", c.Op)
	}
	if op == OpACLDelete && c.Principal == "" {
		return true, daos.Errorf(daos.ErrInval, "delete container ACL entry: no principal given")
	}
	cc := *c
	cc.Op = op
	return true, t.aclChange(&cc)
}

// ContOwnerChange is the result of an admin's cont_set_owner: the
// container and its owner and group before and after, for the engine's
// log. A client's set-owner has no result.
type ContOwnerChange struct {
	Cont     string `json:"cont"`
	Label    string `json:"label,omitempty"`
	OldOwner string `json:"old_owner"`
	OldGroup string `json:"old_group"`
	Owner    string `json:"owner"`
	Group    string `json:"group"`
}

func (t *txn) contSetOwner(c *Command) (any, error) {
	if c.Handle == "" && len(c.Props) == 0 {
		return t.contSetOwnerAdmin(c)
	}
	for k := range c.Props {
		if k != "owner" && k != "group" {
			return nil, daos.Errorf(daos.ErrInval, "set container owner: %q is neither owner nor group", k)
		}
	}
	owner, group := c.Props["owner"], c.Props["group"]
	if owner == "" && group == "" {
		return nil, daos.Errorf(daos.ErrInval, "set container owner: neither an owner nor a group given")
	}
	if c.Handle == "" {
		return nil, daos.Errorf(daos.ErrNoHdl, "set container owner: no container handle given")
	}
	ct, err := t.contForChange(c.Handle, PermSetOwner)
	if err != nil {
		return nil, err
	}
	return nil, ct.setOwner(owner, group)
}

// contSetOwnerAdmin is the admin's set-owner: the container by label or
// UUID, without a handle or a permission check.
func (t *txn) contSetOwnerAdmin(c *Command) (any, error) {
	if c.Owner == "" && c.Group == "" {
		return nil, daos.Errorf(daos.ErrInval, "set container owner: neither an owner nor a group given")
	}
	ct, err := t.findCont(c.Cont)
	if err != nil {
		return nil, err
	}
	ch := &ContOwnerChange{Cont: ct.UUID, Label: ct.Label, OldOwner: ct.Owner, OldGroup: ct.Group}
	if err := ct.setOwner(c.Owner, c.Group); err != nil {
		return nil, err
	}
	ch.Owner, ch.Group = ct.Owner, ct.Group
	return ch, nil
}

// setOwner checks and sets a new owner and/or group ("" keeps one).
func (ct *contRec) setOwner(owner, group string) error {
	return changeOwner(owner, group, &ct.Owner, &ct.Group)
}

// ContACLReply answers a "cont_acl" query: a container's ACL (ACE
// strings in DAOS's order), owner and group.
type ContACLReply struct {
	Cont  string   `json:"cont"`
	ACL   []string `json:"acl"`
	Owner string   `json:"owner"`
	Group string   `json:"group"`
}

// ContACL reads the ACL of the container open under container handle h;
// the handle's credential needs the a permission (DAOS's get-acl).
func (s *State) ContACL(h string) (*ContACLReply, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.reader()
	ct, ch, err := t.contByHandle(h)
	if err != nil {
		return nil, err
	}
	if t.contPerms(ct, ch.Cred)&PermGetACL == 0 {
		return nil, daos.Errorf(daos.ErrNoPerm, "container %s: %s may not read its ACL", ct.UUID, ch.Cred.User)
	}
	acl, err := ParseACL(ct.ACL)
	if err != nil {
		return nil, err
	}
	out := acl.Strings()
	if out == nil {
		out = []string{}
	}
	return &ContACLReply{Cont: ct.UUID, ACL: out, Owner: ct.Owner, Group: ct.Group}, nil
}

// PoolACLReply answers a "pool_acl" query: the pool's ACL (ACE strings in
// DAOS's order), owner and group.
type PoolACLReply struct {
	ACL   []string `json:"acl"`
	Owner string   `json:"owner"`
	Group string   `json:"group"`
}

// PoolACL reads the pool's ACL for the holder of pool handle h: any
// connected handle may, as a pool query's properties include the ACL.
func (s *State) PoolACL(h string) (*PoolACLReply, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.st.Handles[h]; !ok {
		return nil, daos.Errorf(daos.ErrNoHdl, "no pool handle %q", h)
	}
	acl, err := ParseACL(s.st.ACL)
	if err != nil {
		return nil, err
	}
	out := acl.Strings()
	if out == nil {
		out = []string{}
	}
	return &PoolACLReply{ACL: out, Owner: s.st.Owner, Group: s.st.Group}, nil
}
