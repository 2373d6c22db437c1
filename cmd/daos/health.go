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
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/daos"
)

// healthCommand is `daos health`.
func healthCommand(g *globals) *cobra.Command {
	h := &cobra.Command{Use: "health", Short: "Check the health of the system and of the pools and containers this user can access"}
	h.AddCommand(healthCheckCommand(g), netTestCommand(g))
	return h
}

// healthReport is `daos health check`'s answer.
type healthReport struct {
	System   *systemInfo   `json:"system"`
	Pools    []*poolHealth `json:"pools"`
	Problems []string      `json:"problems"`
}

type poolHealth struct {
	UUID            string       `json:"uuid"`
	Label           string       `json:"label,omitempty"`
	State           string       `json:"state"`
	TotalTargets    int          `json:"total_targets"`
	DisabledTargets int          `json:"disabled_targets"`
	Rebuild         string       `json:"rebuild_state"`
	Containers      []contHealth `json:"containers"`
	Error           string       `json:"error,omitempty"`
}

type contHealth struct {
	UUID   string `json:"uuid"`
	Label  string `json:"label,omitempty"`
	Health string `json:"health"`
}

func (p *poolHealth) name() string { return orWord(p.Label, p.UUID) }

// healthCheckCommand is `daos health check`: the system as the agent
// knows it, then every pool this user can connect to (targets disabled,
// rebuild state) and its containers' health, with a list of what needs an
// admin's attention. As text it fails (exit status) when anything does;
// as JSON the problems are part of the reply.
func healthCheckCommand(g *globals) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Report the system's, pools' and containers' health",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep := &healthReport{Problems: []string{}}
			err := g.withAgent(cmd, func(ctx context.Context, s agentSession) error {
				rep.System = newSystemInfo(s.AttachInfo())
				if len(rep.System.Ranks) == 0 {
					rep.Problems = append(rep.Problems, "the agent knows no engine ranks")
				}
				pools, err := s.ListPools(ctx)
				if err != nil {
					return fmt.Errorf("list pools: %w", err)
				}
				for _, lp := range pools {
					ph := &poolHealth{UUID: lp.Uuid, Label: lp.Label, State: lp.State, Rebuild: lp.RebuildState, Containers: []contHealth{}}
					ok, err := g.poolHealth(ctx, ph)
					switch {
					case err != nil:
						ph.Error = err.Error()
						rep.Problems = append(rep.Problems, fmt.Sprintf("pool %s: %v", ph.name(), err))
					case !ok:
						continue // not this user's to see
					}
					rep.Pools = append(rep.Pools, ph)
					rep.Problems = append(rep.Problems, ph.problems()...)
				}
				return nil
			})
			if err != nil {
				return err
			}
			sort.Slice(rep.Pools, func(i, j int) bool { return rep.Pools[i].name() < rep.Pools[j].name() })
			perr := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(rep, func(w io.Writer) error {
				return printHealth(w, rep, verbose || g.verbose)
			})
			if perr != nil {
				return perr
			}
			// As text the problems also fail the command (for scripts);
			// as JSON they are in the reply, which is one envelope.
			if len(rep.Problems) > 0 && !g.json {
				return daos.Errorf(daos.ErrMisc, "health check found %d problem(s)", len(rep.Problems))
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every container, not only unhealthy ones")
	return cmd
}

// poolHealth fills in what a read-only connection to the pool tells; false
// (no error) for a pool this user may not connect to.
func (g *globals) poolHealth(ctx context.Context, ph *poolHealth) (bool, error) {
	p, done, err := g.connect(ctx, g.sysName, ph.UUID, client.RO)
	if err != nil {
		if errors.Is(err, daos.ErrNoPerm) {
			return false, nil
		}
		return true, fmt.Errorf("connect: %w", err)
	}
	defer done()
	defer func() { _ = p.Disconnect(context.WithoutCancel(ctx)) }()
	info, err := p.Query(ctx)
	if err != nil {
		return true, fmt.Errorf("query: %w", err)
	}
	ph.TotalTargets, ph.DisabledTargets = info.TotalTargets, info.DisabledTargets
	if info.State != "" {
		ph.State = info.State
	}
	if info.Rebuild != "" {
		ph.Rebuild = info.Rebuild
	}
	conts, err := p.ListContainers(ctx)
	if err != nil {
		return true, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range conts {
		ci := newContInfo(p.UUID(), c)
		ph.Containers = append(ph.Containers, contHealth{UUID: ci.ContainerUUID, Label: ci.ContainerLabel, Health: ci.Health})
	}
	sort.Slice(ph.Containers, func(i, j int) bool {
		return orWord(ph.Containers[i].Label, ph.Containers[i].UUID) < orWord(ph.Containers[j].Label, ph.Containers[j].UUID)
	})
	return true, nil
}

// problems lists what about the pool needs attention.
func (p *poolHealth) problems() []string {
	var out []string
	if p.Error != "" {
		return nil // reported where it happened
	}
	if p.DisabledTargets > 0 {
		out = append(out, fmt.Sprintf("pool %s: %d of %d targets disabled", p.name(), p.DisabledTargets, p.TotalTargets))
	}
	if s := strings.ToLower(p.State); s != "" && s != "ready" {
		out = append(out, fmt.Sprintf("pool %s: state %s", p.name(), p.State))
	}
	if r := strings.ToLower(p.Rebuild); r != "" && r != "idle" && r != "done" {
		out = append(out, fmt.Sprintf("pool %s: rebuild %s", p.name(), p.Rebuild))
	}
	for _, c := range p.Containers {
		if !strings.EqualFold(c.Health, "HEALTHY") {
			out = append(out, fmt.Sprintf("pool %s: container %s is %s (daos container set-prop ... status:healthy once checked)",
				p.name(), orWord(c.Label, c.UUID), c.Health))
		}
	}
	return out
}

func printHealth(w io.Writer, r *healthReport, verbose bool) error {
	var b strings.Builder
	s := r.System
	fmt.Fprintf(&b, "System Information\n  System Name     : %s\n  Fabric Provider : %s\n", s.Sys, s.Provider)
	if s.Build != nil {
		fmt.Fprintf(&b, "  Server Version  : %d.%d.%d\n", s.Build.Major, s.Build.Minor, s.Build.Patch)
	}
	ranks := make([]uint32, 0, len(s.Ranks))
	for _, rk := range s.Ranks {
		ranks = append(ranks, rk.Rank)
	}
	fmt.Fprintf(&b, "  Engine Ranks    : %s\n  Access Points   : %s\n", ranklist.Of(ranks...).RangedString(), ranklist.Of(s.MSRanks...).RangedString())
	fmt.Fprintf(&b, "Pool Status (%d)\n", len(r.Pools))
	for _, p := range r.Pools {
		if p.Error != "" {
			fmt.Fprintf(&b, "  %s: unreachable: %s\n", p.name(), p.Error)
			continue
		}
		healthy := 0
		for _, c := range p.Containers {
			if strings.EqualFold(c.Health, "HEALTHY") {
				healthy++
			}
		}
		fmt.Fprintf(&b, "  %s: %s, %d targets (%d disabled), rebuild %s, %d containers (%d healthy)\n",
			p.name(), orWord(p.State, "unknown"), p.TotalTargets, p.DisabledTargets, orWord(p.Rebuild, "unknown"), len(p.Containers), healthy)
		for _, c := range p.Containers {
			if verbose || !strings.EqualFold(c.Health, "HEALTHY") {
				fmt.Fprintf(&b, "    %s: %s\n", orWord(c.Label, c.UUID), c.Health)
			}
		}
	}
	if len(r.Problems) == 0 {
		b.WriteString("Health check passed\n")
	} else {
		fmt.Fprintf(&b, "Problems (%d)\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  %s\n", p)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
