package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// containerCommand is the `dmg container` (`dmg cont`) group: what an
// administrator does to containers through the management service,
// without opening them. Users manage their own containers with daos.
func containerCommand(g *globals) *cobra.Command {
	cont := &cobra.Command{Use: "container", Aliases: []string{"cont"}, Short: "Manage containers as an administrator"}
	cont.AddCommand(contSetOwnerCommand(g))
	return cont
}

// contArg checks a <label|UUID> container argument.
func contArg(arg string) (string, error) {
	id := strings.TrimSpace(arg)
	if id == "" {
		return "", errors.New("give the container's label or UUID")
	}
	if system.IsUUID(id) {
		return id, nil
	}
	if err := system.CheckPoolLabel(id); err != nil {
		return "", fmt.Errorf("container label: %w", err)
	}
	return id, nil
}

// ownerFlag makes a -u/-g value a principal as DAOS does: a bare name
// gets its trailing "@".
func ownerFlag(flag, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	p := principalName(v)
	if !poolsvc.ValidPrincipalName(p) {
		return "", daos.Errorf(daos.ErrInval, "%s %q: want name or name@[domain]", flag, v)
	}
	return p, nil
}

// contSetOwnerCommand is `dmg container set-owner <pool> <container>`.
func contSetOwnerCommand(g *globals) *cobra.Command {
	var usr, grp string
	cmd := &cobra.Command{
		Use:   "set-owner <pool> <container> [-u <user>] [-g <group>]",
		Short: "Change a container's owner user and/or group",
		Long: `Set-owner gives a container a new owner user and/or owner group (at least
one of -u and -g). The pool service makes the change for the management
service, so the administrator need not be able to open the container; a
user who can open it may use 'daos container set-owner' instead. Pool and
container are given by label or UUID; a name without "@" gets one (bob
becomes bob@).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if usr == "" && grp == "" {
				return errors.New("container set-owner: at least one of -u/--user or -g/--group must be given")
			}
			pool, err := poolArg(args[:1])
			if err != nil {
				return fmt.Errorf("container set-owner: %w", err)
			}
			cont, err := contArg(args[1])
			if err != nil {
				return fmt.Errorf("container set-owner: %w", err)
			}
			owner, err := ownerFlag("--user", usr)
			if err != nil {
				return fmt.Errorf("container set-owner: %w", err)
			}
			group, err := ownerFlag("--group", grp)
			if err != nil {
				return fmt.Errorf("container set-owner: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			_, err = ms.ContSetOwner(cmd.Context(), &mgmtpb.ContSetOwnerReq{PoolId: pool, ContId: cont,
				OwnerUser: owner, OwnerGroup: group})
			if err != nil {
				// The service's own refusals already say what failed.
				if strings.HasPrefix(err.Error(), "container set-owner:") {
					return err
				}
				return fmt.Errorf("container set-owner: %w", err)
			}
			return doneMessage(cmd, g, "Container-set-owner command SUCCEEDED")
		},
	}
	cmd.Flags().StringVarP(&usr, "user", "u", "", "new owner user (name or name@domain)")
	cmd.Flags().StringVarP(&grp, "group", "g", "", "new owner group (name or name@domain)")
	return cmd
}
