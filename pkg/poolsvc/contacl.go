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
	// and Props["group"] (Command.Owner and Group are the admin's and
	// are cleared from client commands).
	OpContSetOwner = "cont_set_owner"
)

// contACLOps maps the client container ACL commands to the ACL changes
// aclChange makes through a container handle.
var contACLOps = map[string]string{
	OpContACLOverwrite: OpACLOverwrite,
	OpContACLUpdate:    OpACLUpdate,
	OpContACLDelete:    OpACLDelete,
}

// applyContACL runs the container ACL and owner commands; handled is
// false for any other command.
func (t *txn) applyContACL(c *Command) (handled bool, err error) {
	if c.Op == OpContSetOwner {
		return true, t.contSetOwner(c)
	}
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

func (t *txn) contSetOwner(c *Command) error {
	for k := range c.Props {
		if k != "owner" && k != "group" {
			return daos.Errorf(daos.ErrInval, "set container owner: %q is neither owner nor group", k)
		}
	}
	owner, group := c.Props["owner"], c.Props["group"]
	if owner == "" && group == "" {
		return daos.Errorf(daos.ErrInval, "set container owner: neither an owner nor a group given")
	}
	if c.Handle == "" {
		return daos.Errorf(daos.ErrNoHdl, "set container owner: no container handle given")
	}
	ct, err := t.contForChange(c.Handle, PermSetOwner)
	if err != nil {
		return err
	}
	if owner != "" {
		if err := checkPrincipal(owner, "owner"); err != nil {
			return err
		}
	}
	if group != "" {
		if err := checkPrincipal(group, "group"); err != nil {
			return err
		}
	}
	if owner != "" {
		ct.Owner = owner
	}
	if group != "" {
		ct.Group = group
	}
	return nil
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
