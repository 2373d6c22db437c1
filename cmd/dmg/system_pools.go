package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/daos"
)

// systemPoolResult is what `system drain|reintegrate` did to one pool.
type systemPoolResult struct {
	Pool   string `json:"pool"`
	Ranks  string `json:"ranks"`
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"`
}

// systemPoolsMemberCommand is `system drain` or, with reint, `system
// reintegrate`: the ranks are drained from every pool they are in, or
// their down targets reintegrated into every pool that has them, as DAOS's
// system-wide forms of the pool commands do, for taking engines out for
// maintenance and back.
func systemPoolsMemberCommand(g *globals, reint bool) *cobra.Command {
	use, short, what := "drain", "Drain ranks from every pool that has them", "system drain"
	if reint {
		use, short, what = "reintegrate", "Reintegrate ranks' down targets into every pool that has them", "system reintegrate"
	}
	var rh rankHosts
	cmd := &cobra.Command{
		Use:     use,
		Aliases: aliasesFor(reint),
		Short:   short,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ranks, hosts, err := rh.parse(true)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			want, err := ranksOf(cmd.Context(), ms, ranks, hosts)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			pools, err := ms.ListPools(cmd.Context())
			if err != nil {
				return fmt.Errorf("%s: list pools: %w", what, err)
			}
			var results []systemPoolResult
			for _, p := range pools.GetPools() {
				name := p.Label
				if name == "" {
					name = p.Uuid
				}
				q, err := ms.PoolQuery(cmd.Context(), &mgmtpb.PoolQueryReq{Id: p.Uuid, QueryMask: queryMaskEnginesEnabled | queryMaskEnginesDisabled})
				if err != nil {
					results = append(results, systemPoolResult{Pool: name, Status: int(daos.Code(err)), Error: err.Error()})
					continue
				}
				// Drain the pools where the rank is in; reintegrate every
				// pool that has the rank at all (a rank with one target
				// down still counts as enabled): its targets already in
				// are left as they are.
				have := q.GetEnabledRanks()
				if reint {
					have = strings.Trim(have+","+q.GetDisabledRanks(), ",")
				}
				hit, err := intersectRanks(want, have)
				if err != nil {
					results = append(results, systemPoolResult{Pool: name, Status: int(daos.ErrProto), Error: err.Error()})
					continue
				}
				if len(hit) == 0 {
					continue
				}
				if reint {
					_, err = ms.PoolReintegrate(cmd.Context(), &mgmtpb.PoolReintReq{Id: p.Uuid, Ranks: hit})
				} else {
					_, err = ms.PoolDrain(cmd.Context(), &mgmtpb.PoolDrainReq{Id: p.Uuid, Ranks: hit})
				}
				r := systemPoolResult{Pool: name, Ranks: ranklist.Of(hit...).String()}
				if err != nil {
					r.Status, r.Error = int(daos.Code(err)), err.Error()
				}
				results = append(results, r)
			}
			sort.Slice(results, func(i, j int) bool { return results[i].Pool < results[j].Pool })
			if err := (cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}).Print(results, func(w io.Writer) error {
				return printSystemPools(w, what, results)
			}); err != nil {
				return err
			}
			var failed []string
			for _, r := range results {
				if r.Error != "" {
					failed = append(failed, r.Pool)
				}
			}
			if len(failed) > 0 && !g.json {
				return fmt.Errorf("%s failed on pool(s) %s", what, strings.Join(failed, ", "))
			}
			return nil
		},
	}
	rh.add(cmd)
	return cmd
}

func aliasesFor(reint bool) []string {
	if reint {
		return []string{"reint"}
	}
	return nil
}

// ranksOf is the ranks asked for, hosts resolved through the system's
// members; a rank or host the system does not have is an error.
func ranksOf(ctx context.Context, ms *ctlclient.Mgmt, ranks, hosts string) (*ranklist.Set, error) {
	if ranks != "" {
		want, err := ranklist.Parse(ranks)
		if err != nil {
			return nil, err
		}
		resp, err := ms.SystemQuery(ctx, &mgmtpb.SystemQueryReq{})
		if err != nil {
			return nil, fmt.Errorf("system query: %w", err)
		}
		known := ranklist.Of()
		for _, m := range resp.GetMembers() {
			known.Add(m.Rank)
		}
		for _, r := range want.Ranks() {
			if !known.Contains(r) {
				return nil, daos.Errorf(daos.ErrNonexist, "rank %d is not a member of the system", r)
			}
		}
		return want, nil
	}
	resp, err := ms.SystemQuery(ctx, &mgmtpb.SystemQueryReq{Hosts: hosts})
	if err != nil {
		return nil, fmt.Errorf("system query: %w", err)
	}
	if resp.GetAbsenthosts() != "" {
		return nil, daos.Errorf(daos.ErrNonexist, "host(s) %s are not in the system", resp.GetAbsenthosts())
	}
	set := ranklist.Of()
	for _, m := range resp.GetMembers() {
		set.Add(m.Rank)
	}
	if set.Len() == 0 {
		return nil, daos.Errorf(daos.ErrNonexist, "no ranks on host(s) %s", hosts)
	}
	return set, nil
}

// intersectRanks is the ranks of want in the rank set expression have.
func intersectRanks(want *ranklist.Set, have string) ([]uint32, error) {
	if strings.TrimSpace(have) == "" {
		return nil, nil
	}
	hs, err := ranklist.Parse(have)
	if err != nil {
		return nil, fmt.Errorf("pool query gave ranks %q: %w", have, err)
	}
	var out []uint32
	for _, r := range want.Ranks() {
		if hs.Contains(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

func printSystemPools(w io.Writer, what string, rs []systemPoolResult) error {
	if len(rs) == 0 {
		_, err := fmt.Fprintf(w, "%s: no pool has those ranks\n", what)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-36s %-12s %s\n", "Pool", "Ranks", "Result")
	fmt.Fprintf(&b, "%-36s %-12s %s\n", "----", "-----", "------")
	for _, r := range rs {
		res := "OK"
		if r.Error != "" {
			res = r.Error
		}
		fmt.Fprintf(&b, "%-36s %-12s %s\n", r.Pool, orDash(r.Ranks), res)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
