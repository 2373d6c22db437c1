package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// aclOps are the container ACL and owner calls, made through the open
// container handle.
type aclOps interface {
	GetACL(ctx context.Context) (*client.ContACL, error)
	OverwriteACL(ctx context.Context, entries []string) error
	UpdateACL(ctx context.Context, entries []string) error
	DeleteACL(ctx context.Context, principal string) error
	SetOwner(ctx context.Context, owner, group string) error
}

// aclInfo is the ACL commands' answer.
type aclInfo struct {
	ACL   []string `json:"acl"`
	Owner string   `json:"owner_user"`
	Group string   `json:"owner_group"`
}

func newACLInfo(a *client.ContACL) *aclInfo {
	out := &aclInfo{ACL: a.ACL, Owner: a.Owner, Group: a.Group}
	if out.ACL == nil {
		out.ACL = []string{}
	}
	return out
}

// formatACL prints an ACL as DAOS's ACL files hold it; verbose adds the
// owner and group as comments.
func formatACL(a *aclInfo, verbose bool) string {
	var b strings.Builder
	if verbose {
		fmt.Fprintf(&b, "# Owner: %s\n# Owner Group: %s\n", a.Owner, a.Group)
	}
	b.WriteString("# Entries:\n")
	if len(a.ACL) == 0 {
		b.WriteString("#   None\n")
	}
	for _, e := range a.ACL {
		b.WriteString(e + "\n")
	}
	return b.String()
}

// readACLFile reads ACEs, one a line; blank lines and # comments are
// skipped. Every entry is checked, and a bad one is named by line.
func readACLFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, daos.Errorf(daos.ErrInval, "--acl-file: %v", err)
	}
	defer f.Close()
	var aces []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := poolsvc.ParseACE(line); err != nil {
			return nil, fmt.Errorf("--acl-file %s line %d: %w", path, n, err)
		}
		aces = append(aces, line)
	}
	if err := sc.Err(); err != nil {
		return nil, daos.Errorf(daos.ErrInval, "--acl-file %s: %v", path, err)
	}
	if len(aces) == 0 {
		return nil, daos.Errorf(daos.ErrInval, "--acl-file %s has no entries", path)
	}
	return aces, nil
}

// withACL opens the container (RW when write) and runs fn on its ACL
// calls, then prints the ACL as it stands (what DAOS's ACL commands
// show), read through the same handle.
func (g *globals) withACL(cmd *cobra.Command, args []string, write bool, fn func(ctx context.Context, a aclOps) error,
	print func(w io.Writer, a *aclInfo) error) error {
	pool, cont, err := contArgs(args)
	if err != nil {
		return err
	}
	return g.withCont(cmd, pool, cont, write, func(ctx context.Context, _ poolHandle, c contHandle) error {
		a, ok := c.(aclOps)
		if !ok {
			return daos.Errorf(daos.ErrNotsupported, "container ACLs are not available through this handle")
		}
		if fn != nil {
			if err := fn(ctx, a); err != nil {
				return err
			}
		}
		got, err := a.GetACL(ctx)
		if err != nil {
			return err
		}
		info := newACLInfo(got)
		return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(info, func(w io.Writer) error {
			return print(w, info)
		})
	})
}

func printACLText(verbose bool) func(w io.Writer, a *aclInfo) error {
	return func(w io.Writer, a *aclInfo) error {
		_, err := io.WriteString(w, formatACL(a, verbose))
		return err
	}
}

// contGetACLCommand is `daos container get-acl <pool> <cont>`.
func contGetACLCommand(g *globals) *cobra.Command {
	var outFile string
	var force, verbose bool
	cmd := &cobra.Command{
		Use:   "get-acl <pool> <container>",
		Short: "Show a container's access control list",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if outFile != "" && !force {
				if _, err := os.Stat(outFile); err == nil {
					return daos.Errorf(daos.ErrExist, "--outfile %s exists; add -f/--force to overwrite it", outFile)
				}
			}
			return g.withACL(cmd, args, false, nil, func(w io.Writer, a *aclInfo) error {
				text := formatACL(a, verbose || g.verbose)
				if outFile == "" {
					_, err := io.WriteString(w, text)
					return err
				}
				if err := os.WriteFile(outFile, []byte(text), 0o644); err != nil {
					return fmt.Errorf("--outfile: %w", err)
				}
				_, err := fmt.Fprintf(w, "Wrote ACL to output file: %s\n", outFile)
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&outFile, "outfile", "O", "", "write the ACL to this file")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "overwrite --outfile if it exists")
	cmd.Flags().BoolVarP(&verbose, "verbose", "V", false, "show the owner and group too")
	return cmd
}

// contOverwriteACLCommand is `daos container overwrite-acl <pool> <cont>`.
func contOverwriteACLCommand(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:     "overwrite-acl <pool> <container>",
		Aliases: []string{"replace"},
		Short:   "Replace a container's access control list",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			entries, err := readACLFile(file)
			if err != nil {
				return err
			}
			return g.withACL(cmd, args, true, func(ctx context.Context, a aclOps) error {
				return a.OverwriteACL(ctx, entries)
			}, printACLText(g.verbose))
		},
	}
	cmd.Flags().StringVarP(&file, "acl-file", "f", "", "file with the new access control entries (required)")
	_ = cmd.MarkFlagRequired("acl-file")
	return cmd
}

// contUpdateACLCommand is `daos container update-acl <pool> <cont>`.
func contUpdateACLCommand(g *globals) *cobra.Command {
	var file, entry string
	cmd := &cobra.Command{
		Use:   "update-acl <pool> <container>",
		Short: "Add or change entries of a container's access control list",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var entries []string
			switch {
			case file != "" && entry != "":
				return daos.Errorf(daos.ErrInval, "update-acl: give either -e/--entry or -f/--acl-file, not both")
			case file != "":
				var err error
				if entries, err = readACLFile(file); err != nil {
					return err
				}
			case entry != "":
				if _, err := poolsvc.ParseACE(entry); err != nil {
					return fmt.Errorf("--entry: %w", err)
				}
				entries = []string{entry}
			default:
				return daos.Errorf(daos.ErrInval, "update-acl: give the entries with -e/--entry or -f/--acl-file")
			}
			return g.withACL(cmd, args, true, func(ctx context.Context, a aclOps) error {
				return a.UpdateACL(ctx, entries)
			}, printACLText(g.verbose))
		},
	}
	cmd.Flags().StringVarP(&file, "acl-file", "f", "", "file with access control entries to add or change")
	cmd.Flags().StringVarP(&entry, "entry", "e", "", "one access control entry to add or change")
	return cmd
}

// contDeleteACLCommand is `daos container delete-acl <pool> <cont>`.
func contDeleteACLCommand(g *globals) *cobra.Command {
	var principal string
	cmd := &cobra.Command{
		Use:   "delete-acl <pool> <container>",
		Short: "Remove a principal's entry from a container's access control list",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := checkACLPrincipal(principal)
			if err != nil {
				return err
			}
			return g.withACL(cmd, args, true, func(ctx context.Context, a aclOps) error {
				return a.DeleteACL(ctx, p)
			}, printACLText(g.verbose))
		},
	}
	cmd.Flags().StringVarP(&principal, "principal", "P", "", "principal whose entry goes: u:name@, g:name@, OWNER@, GROUP@ or EVERYONE@ (required)")
	_ = cmd.MarkFlagRequired("principal")
	return cmd
}

// checkACLPrincipal checks --principal's form.
func checkACLPrincipal(p string) (string, error) {
	p = strings.TrimSpace(p)
	switch p {
	case "OWNER@", "GROUP@", "EVERYONE@":
		return p, nil
	}
	if name, ok := strings.CutPrefix(p, "u:"); ok && poolsvc.ValidPrincipalName(name) {
		return p, nil
	}
	if name, ok := strings.CutPrefix(p, "g:"); ok && poolsvc.ValidPrincipalName(name) {
		return p, nil
	}
	return "", daos.Errorf(daos.ErrInval, "--principal %q: want u:name@, g:name@, OWNER@, GROUP@ or EVERYONE@", p)
}

// ownerLookup resolves local users and groups for set-owner; tests
// substitute it.
var ownerLookup = struct {
	user      func(name string) error
	group     func(name string) error
	userByID  func(id string) (string, error)
	groupByID func(id string) (string, error)
}{
	user:  func(n string) error { _, err := user.Lookup(n); return err },
	group: func(n string) error { _, err := user.LookupGroup(n); return err },
	userByID: func(id string) (string, error) {
		u, err := user.LookupId(id)
		if err != nil {
			return "", err
		}
		return u.Username, nil
	},
	groupByID: func(id string) (string, error) {
		g, err := user.LookupGroupId(id)
		if err != nil {
			return "", err
		}
		return g.Name, nil
	},
}

// ownerPrincipal turns a -u/-g (or --uid/--gid) value into a name@
// principal; unless noCheck, the name must be a local user or group.
func ownerPrincipal(flag, name, id string, noCheck bool, byID func(string) (string, error), check func(string) error) (string, error) {
	if name != "" && id != "" {
		return "", daos.Errorf(daos.ErrInval, "give %s or its numeric id, not both", flag)
	}
	if id != "" {
		n, err := byID(id)
		if err != nil {
			return "", daos.Errorf(daos.ErrInval, "%s id %s: %v", flag, id, err)
		}
		name = n
	}
	if name == "" {
		return "", nil
	}
	if !strings.Contains(name, "@") {
		name += "@"
	}
	if !poolsvc.ValidPrincipalName(name) {
		return "", daos.Errorf(daos.ErrInval, "%s %q: want name or name@[domain]", flag, name)
	}
	if !noCheck {
		local, _, _ := strings.Cut(name, "@")
		if err := check(local); err != nil {
			var unknownUser user.UnknownUserError
			var unknownGroup user.UnknownGroupError
			if errors.As(err, &unknownUser) || errors.As(err, &unknownGroup) {
				return "", daos.Errorf(daos.ErrInval, "%s %q is not known on this node (--no-check skips the check)", flag, local)
			}
			return "", daos.Errorf(daos.ErrInval, "%s %q: %v (--no-check skips the check)", flag, local, err)
		}
	}
	return name, nil
}

// contSetOwnerCommand is `daos container set-owner <pool> <cont>`.
func contSetOwnerCommand(g *globals) *cobra.Command {
	var usr, grp, uid, gid string
	var noCheck bool
	cmd := &cobra.Command{
		Use:     "set-owner <pool> <container>",
		Aliases: []string{"chown"},
		Short:   "Change a container's owner user and/or group",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			owner, err := ownerPrincipal("--user", usr, uid, noCheck, ownerLookup.userByID, ownerLookup.user)
			if err != nil {
				return err
			}
			group, err := ownerPrincipal("--group", grp, gid, noCheck, ownerLookup.groupByID, ownerLookup.group)
			if err != nil {
				return err
			}
			if owner == "" && group == "" {
				return daos.Errorf(daos.ErrInval, "set-owner: give a new owner (-u/--user, --uid) and/or group (-g/--group, --gid)")
			}
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			return g.withCont(cmd, pool, cont, true, func(ctx context.Context, _ poolHandle, c contHandle) error {
				a, ok := c.(aclOps)
				if !ok {
					return daos.Errorf(daos.ErrNotsupported, "container ownership is not available through this handle")
				}
				if err := a.SetOwner(ctx, owner, group); err != nil {
					return err
				}
				res := map[string]string{"owner_user": owner, "owner_group": group}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(res, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Successfully set owner for container %s\n", c.UUIDString())
					return err
				})
			})
		},
	}
	cmd.Flags().StringVarP(&usr, "user", "u", "", "new owner user (name or name@domain)")
	cmd.Flags().StringVarP(&grp, "group", "g", "", "new owner group (name or name@domain)")
	cmd.Flags().StringVar(&uid, "uid", "", "new owner user by local numeric id")
	cmd.Flags().StringVar(&gid, "gid", "", "new owner group by local numeric id")
	cmd.Flags().BoolVar(&noCheck, "no-check", false, "do not check that the user and group exist on this node")
	return cmd
}
