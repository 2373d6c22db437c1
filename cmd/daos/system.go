package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/agentclient"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/rpc"
)

// agentSession is what daos asks daos_agent directly.
type agentSession interface {
	AttachInfo() *mgmtpb.GetAttachInfoResp
	ListPools(ctx context.Context) ([]*mgmtpb.ListPoolsResp_Pool, error)
	// Endpoint is the session's fabric endpoint, for net-test.
	Endpoint() *rpc.Endpoint
}

// attacher attaches to system sys through the agent; done ends the
// session.
type attacher func(ctx context.Context, sys string) (s agentSession, done func(), err error)

type liveAgent struct{ *agentclient.Session }

func (a liveAgent) AttachInfo() *mgmtpb.GetAttachInfoResp { return a.Info }
func (a liveAgent) Endpoint() *rpc.Endpoint               { return a.EP }

func liveAttach(ctx context.Context, sys string) (agentSession, func(), error) {
	s, err := agentclient.Attach(ctx, sys)
	if err != nil {
		return nil, nil, err
	}
	return liveAgent{s}, func() { s.Close() }, nil
}

// withAgent attaches, runs fn and ends the session.
func (g *globals) withAgent(cmd *cobra.Command, fn func(ctx context.Context, s agentSession) error) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), opTimeout)
	defer cancel()
	s, done, err := g.attach(ctx, g.sysName)
	if err != nil {
		return err
	}
	defer done()
	return fn(ctx, s)
}

// systemCommand is `daos system`.
func systemCommand(g *globals) *cobra.Command {
	sys := &cobra.Command{Use: "system", Short: "Query the DAOS system through daos_agent"}
	sys.AddCommand(&cobra.Command{
		Use:   "query",
		Short: "Show the system's engine ranks and their fabric addresses (the agent's attach info)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withAgent(cmd, func(_ context.Context, s agentSession) error {
				out := newSystemInfo(s.AttachInfo())
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(out, func(w io.Writer) error {
					return printSystemInfo(w, out)
				})
			})
		},
	})
	return sys
}

// serverVersionCommand is `daos server-version`: the servers' version as
// the agent's attach info carries it.
func serverVersionCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "server-version",
		Short: "Print the DAOS servers' version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withAgent(cmd, func(_ context.Context, s agentSession) error {
				b := newSystemInfo(s.AttachInfo()).Build
				if b == nil {
					return daos.Errorf(daos.ErrNonexist, "server-version: the servers did not report a version")
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(b, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "daos_server version %d.%d.%d\n", b.Major, b.Minor, b.Patch)
					return err
				})
			})
		},
	}
}

// systemInfo is `daos system query`'s answer.
type systemInfo struct {
	Sys         string     `json:"system_name"`
	Provider    string     `json:"fabric_provider"`
	Interface   string     `json:"fabric_interface,omitempty"`
	MSRanks     []uint32   `json:"access_point_ranks"`
	Ranks       []rankURI  `json:"rank_uris"`
	MapVersion  uint32     `json:"map_version,omitempty"`
	DataVersion uint64     `json:"data_version,omitempty"`
	Build       *buildInfo `json:"build_info,omitempty"`
}

type rankURI struct {
	Rank uint32 `json:"rank"`
	URI  string `json:"uri"`
}

type buildInfo struct {
	Major uint32 `json:"major"`
	Minor uint32 `json:"minor"`
	Patch uint32 `json:"patch"`
}

func newSystemInfo(info *mgmtpb.GetAttachInfoResp) *systemInfo {
	out := &systemInfo{Sys: info.GetSys(), Provider: info.GetClientNetHint().GetProvider(),
		Interface: info.GetClientNetHint().GetInterface(), MSRanks: info.GetMsRanks(),
		MapVersion: info.GetMapVersion(), DataVersion: info.GetDataVersion(), Ranks: []rankURI{}}
	if out.MSRanks == nil {
		out.MSRanks = []uint32{}
	}
	for _, r := range info.GetRankUris() {
		out.Ranks = append(out.Ranks, rankURI{Rank: r.Rank, URI: r.Uri})
	}
	sort.Slice(out.Ranks, func(i, j int) bool { return out.Ranks[i].Rank < out.Ranks[j].Rank })
	if b := info.GetBuildInfo(); b != nil {
		out.Build = &buildInfo{Major: b.Major, Minor: b.Minor, Patch: b.Patch}
	}
	return out
}

func printSystemInfo(w io.Writer, s *systemInfo) error {
	var b strings.Builder
	fmt.Fprintf(&b, "System: %s\nFabric provider: %s\n", s.Sys, s.Provider)
	if s.Interface != "" {
		fmt.Fprintf(&b, "Fabric interface: %s\n", s.Interface)
	}
	fmt.Fprintf(&b, "Access point ranks: %s\n", ranklist.Of(s.MSRanks...).RangedString())
	if s.Build != nil {
		fmt.Fprintf(&b, "Server version: %d.%d.%d\n", s.Build.Major, s.Build.Minor, s.Build.Patch)
	}
	fmt.Fprintf(&b, "Rank URIs (%d):\n", len(s.Ranks))
	for _, r := range s.Ranks {
		fmt.Fprintf(&b, "  %-5d %s\n", r.Rank, r.URI)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// poolListEntry is one row of `daos pool list`.
type poolListEntry struct {
	UUID            string   `json:"uuid"`
	Label           string   `json:"label,omitempty"`
	SvcReps         []uint32 `json:"svc_reps,omitempty"`
	State           string   `json:"state"`
	TotalTargets    int      `json:"total_targets,omitempty"`
	DisabledTargets int      `json:"disabled_targets,omitempty"`
	Containers      *uint64  `json:"containers,omitempty"`
	Rebuild         string   `json:"rebuild_state,omitempty"`
}

// poolListCommand is `daos pool list`: the system's pools (from the
// management service, through the agent) that this user can connect to.
// Each pool is connected read-only; a refused one is left out. With
// -n/--no-query every pool is listed and none connected.
func poolListCommand(g *globals) *cobra.Command {
	var verbose, noQuery bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the pools this user can access",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out []*poolListEntry
			err := g.withAgent(cmd, func(ctx context.Context, s agentSession) error {
				pools, err := s.ListPools(ctx)
				if err != nil {
					return err
				}
				out = make([]*poolListEntry, 0, len(pools))
				for _, p := range pools {
					e := &poolListEntry{UUID: p.Uuid, Label: p.Label, SvcReps: p.SvcReps, State: p.State, Rebuild: p.RebuildState}
					if !noQuery {
						ok, err := g.queryListed(ctx, e)
						if err != nil {
							fmt.Fprintf(cmd.ErrOrStderr(), "pool %s: %v\n", orWord(e.Label, e.UUID), err)
						}
						if !ok {
							continue
						}
					}
					out = append(out, e)
				}
				return nil
			})
			if err != nil {
				return err
			}
			sort.Slice(out, func(i, j int) bool {
				if out[i].Label != out[j].Label {
					return out[i].Label < out[j].Label
				}
				return out[i].UUID < out[j].UUID
			})
			// The JSON reply wraps the list as dmg's does ({"pools": [...]}),
			// which DAOS keeps so that scripts read both alike.
			listed := struct {
				Pools []*poolListEntry `json:"pools"`
			}{append([]*poolListEntry{}, out...)}
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(listed, func(w io.Writer) error {
				return printPoolList(w, out, verbose || g.verbose, noQuery)
			})
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show more about each pool")
	cmd.Flags().BoolVarP(&noQuery, "no-query", "n", false, "list every pool without connecting to check access")
	return cmd
}

// queryListed connects to a listed pool read-only and fills in what its
// query says. It reports false for a pool this user may not connect to
// (no error then) or could not reach (with the error).
func (g *globals) queryListed(ctx context.Context, e *poolListEntry) (bool, error) {
	p, done, err := g.connect(ctx, g.sysName, e.UUID, client.RO)
	if err != nil {
		if errors.Is(err, daos.ErrNoPerm) || errors.Is(err, daos.ErrNonexist) {
			return false, nil
		}
		return false, err
	}
	defer done()
	info, qErr := p.Query(ctx)
	dErr := p.Disconnect(ctx)
	if qErr != nil {
		return false, qErr
	}
	e.TotalTargets, e.DisabledTargets = info.TotalTargets, info.DisabledTargets
	n := uint64(info.Containers)
	e.Containers = &n
	if info.State != "" {
		e.State = info.State
	}
	if info.Rebuild != "" {
		e.Rebuild = info.Rebuild
	}
	if dErr != nil {
		dErr = fmt.Errorf("disconnect: %w", dErr)
	}
	return true, dErr
}

func printPoolList(w io.Writer, pools []*poolListEntry, verbose, noQuery bool) error {
	if len(pools) == 0 {
		_, err := fmt.Fprintln(w, "No pools in system")
		return err
	}
	var b strings.Builder
	switch {
	case noQuery:
		fmt.Fprintf(&b, "%-36s %-20s %s\n", "Pool UUID", "Label", "State")
	case verbose:
		fmt.Fprintf(&b, "%-36s %-20s %-10s %-10s %-8s %-10s %s\n", "Pool UUID", "Label", "State", "SvcReps", "Targets", "Disabled", "Containers")
	default:
		fmt.Fprintf(&b, "%-20s %-10s %-8s %s\n", "Pool", "State", "Targets", "Disabled")
	}
	for _, p := range pools {
		switch {
		case noQuery:
			fmt.Fprintf(&b, "%-36s %-20s %s\n", p.UUID, orWord(p.Label, "-"), p.State)
		case verbose:
			var conts uint64
			if p.Containers != nil {
				conts = *p.Containers
			}
			fmt.Fprintf(&b, "%-36s %-20s %-10s %-10s %-8d %-10d %d\n", p.UUID, orWord(p.Label, "-"), p.State,
				ranklist.Of(p.SvcReps...).RangedString(), p.TotalTargets, p.DisabledTargets, conts)
		default:
			fmt.Fprintf(&b, "%-20s %-10s %-8d %d\n", orWord(p.Label, p.UUID), p.State, p.TotalTargets, p.DisabledTargets)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
