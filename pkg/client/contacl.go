package client

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// ContACL is a container's access control list (ACE strings in DAOS's
// form and order) with its owner and owner group.
type ContACL = poolsvc.ContACLReply

// GetACL reads the container's ACL, owner and group through this handle
// (the handle's credential needs the a permission).
func (c *Container) GetACL(ctx context.Context) (*ContACL, error) {
	p, err := c.service()
	if err != nil {
		return nil, fmt.Errorf("container %s get-acl: %w", c.uuid(), err)
	}
	out := &ContACL{}
	if err := p.query(ctx, poolsvc.Query{What: "cont_acl", ID: uuidString(c.Handle)}, out); err != nil {
		return nil, fmt.Errorf("container %s get-acl: %w", c.uuid(), err)
	}
	return out, nil
}

// aclChange sends a container ACL or owner command through this handle
// (open for writing; A permission for the ACL, o for the owner).
func (c *Container) aclChange(ctx context.Context, what string, cmd *poolsvc.Command) error {
	p, err := c.service()
	if err == nil {
		cmd.Handle = uuidString(c.Handle)
		err = p.apply(ctx, cmd, nil)
	}
	if err != nil {
		return fmt.Errorf("container %s %s: %w", c.uuid(), what, err)
	}
	return nil
}

// checkACEs parses entries before they travel, so a bad one is named.
func checkACEs(entries []string) error {
	for _, e := range entries {
		if _, err := poolsvc.ParseACE(e); err != nil {
			return err
		}
	}
	return nil
}

// OverwriteACL replaces the container's ACL with entries.
func (c *Container) OverwriteACL(ctx context.Context, entries []string) error {
	if err := checkACEs(entries); err != nil {
		return fmt.Errorf("container %s overwrite-acl: %w", c.uuid(), err)
	}
	return c.aclChange(ctx, "overwrite-acl", &poolsvc.Command{Op: poolsvc.OpContACLOverwrite, ACL: entries})
}

// UpdateACL adds entries to the container's ACL; an entry for a
// principal already listed replaces it.
func (c *Container) UpdateACL(ctx context.Context, entries []string) error {
	err := checkACEs(entries)
	if err == nil && len(entries) == 0 {
		err = daos.Errorf(daos.ErrInval, "no ACL entries given")
	}
	if err != nil {
		return fmt.Errorf("container %s update-acl: %w", c.uuid(), err)
	}
	return c.aclChange(ctx, "update-acl", &poolsvc.Command{Op: poolsvc.OpContACLUpdate, ACL: entries})
}

// DeleteACL removes principal's entry ("OWNER@", "GROUP@", "EVERYONE@",
// "u:name@" or "g:name@").
func (c *Container) DeleteACL(ctx context.Context, principal string) error {
	if principal == "" {
		return fmt.Errorf("container %s delete-acl: %w", c.uuid(), daos.Errorf(daos.ErrInval, "no principal given"))
	}
	return c.aclChange(ctx, "delete-acl", &poolsvc.Command{Op: poolsvc.OpContACLDelete, Principal: principal})
}

// SetOwner gives the container a new owner and/or owner group
// (name@[domain]; "" leaves one as it is).
func (c *Container) SetOwner(ctx context.Context, owner, group string) error {
	props := map[string]string{}
	for k, v := range map[string]string{"owner": owner, "group": group} {
		if v == "" {
			continue
		}
		if !poolsvc.ValidPrincipalName(v) {
			return fmt.Errorf("container %s set-owner: %w", c.uuid(), daos.Errorf(daos.ErrInval, "invalid %s %q: want name@[domain]", k, v))
		}
		props[k] = v
	}
	if len(props) == 0 {
		return fmt.Errorf("container %s set-owner: %w", c.uuid(), daos.Errorf(daos.ErrInval, "neither an owner nor a group given"))
	}
	return c.aclChange(ctx, "set-owner", &poolsvc.Command{Op: poolsvc.OpContSetOwner, Props: props})
}
