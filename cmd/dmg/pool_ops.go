package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/pretty"
)

// Pool query mask bits (daos_pool_query's DPI_*).
const (
	queryMaskSpace           = 1 << 0
	queryMaskRebuild         = 1 << 1
	queryMaskEnginesEnabled  = 1 << 2
	queryMaskEnginesDisabled = 1 << 3
	queryMaskEnginesDead     = 1 << 4
)

// poolUsage is one tier's space in pool list/query JSON.
type poolUsage struct {
	TierName  string `json:"tier_name"`
	Size      uint64 `json:"size"`
	Free      uint64 `json:"free"`
	Imbalance uint32 `json:"imbalance"`
}

type poolListEntry struct {
	UUID            string      `json:"uuid"`
	Label           string      `json:"label"`
	SvcReps         []uint32    `json:"svc_reps"`
	State           string      `json:"state"`
	RebuildState    string      `json:"rebuild_state"`
	TotalTargets    uint32      `json:"total_targets,omitempty"`
	DisabledTargets uint32      `json:"disabled_targets,omitempty"`
	Usage           []poolUsage `json:"usage,omitempty"`
	QueryError      string      `json:"query_error_msg,omitempty"`
}

func rebuildState(r *mgmtpb.PoolRebuildStatus) string {
	if r == nil {
		return ""
	}
	return strings.ToLower(r.State.String())
}

func usageOf(q *mgmtpb.PoolQueryResp) []poolUsage {
	var out []poolUsage
	for _, t := range q.TierStats {
		u := poolUsage{TierName: strings.ToUpper(t.MediaType.String()), Size: t.Total, Free: t.Free}
		// Imbalance: how far the fullest target is from the mean, in
		// percent of the per-target share.
		if t.Mean > 0 && t.Mean >= t.Min {
			u.Imbalance = uint32(100 * (t.Mean - t.Min) / t.Mean)
		}
		out = append(out, u)
	}
	return out
}

func usedPct(u poolUsage) string {
	if u.Size == 0 {
		return "-"
	}
	return fmt.Sprintf("%d%%", 100*(u.Size-u.Free)/u.Size)
}

func poolListCommand(g *globals) *cobra.Command {
	var verbose, noQuery, rebuildOnly bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the system's pools",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.ListPools(cmd.Context())
			if err != nil {
				return fmt.Errorf("pool list: %w", err)
			}
			out := struct {
				Pools []poolListEntry `json:"pools"`
			}{Pools: []poolListEntry{}}
			for _, p := range resp.Pools {
				e := poolListEntry{UUID: p.Uuid, Label: p.Label, SvcReps: nonNil(p.SvcReps), State: p.State, RebuildState: p.RebuildState}
				// Only a ready pool has a service to ask.
				if !noQuery && p.State == system.PoolReady {
					q, err := ms.PoolQuery(cmd.Context(), &mgmtpb.PoolQueryReq{Id: p.Uuid, QueryMask: queryMaskSpace | queryMaskRebuild})
					if err != nil {
						e.QueryError = err.Error()
					} else {
						e.TotalTargets, e.DisabledTargets = q.TotalTargets, q.DisabledTargets
						e.Usage = usageOf(q)
						if rs := rebuildState(q.Rebuild); rs != "" {
							e.RebuildState = rs
						}
					}
				}
				if rebuildOnly && e.RebuildState != "busy" {
					continue
				}
				out.Pools = append(out.Pools, e)
			}
			sort.SliceStable(out.Pools, func(i, j int) bool { return out.Pools[i].Label < out.Pools[j].Label })
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(out, func(w io.Writer) error { return printPoolList(w, out.Pools, verbose, noQuery) })
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show UUIDs, service ranks and space per tier")
	cmd.Flags().BoolVarP(&noQuery, "no-query", "n", false, "list the pools without asking each for its space and state")
	cmd.Flags().BoolVarP(&rebuildOnly, "rebuild-only", "r", false, "list only pools that are rebuilding")
	return cmd
}

func printPoolList(w io.Writer, pools []poolListEntry, verbose, noQuery bool) error {
	if len(pools) == 0 {
		_, err := fmt.Fprintln(w, "No pools in system")
		return err
	}
	var header []string
	var rows [][]string
	tier := func(e poolListEntry, i int) (size, used, imb string) {
		if i >= len(e.Usage) {
			return "-", "-", "-"
		}
		u := e.Usage[i]
		return siBytes(u.Size), usedPct(u), fmt.Sprintf("%d%%", u.Imbalance)
	}
	disabled := func(e poolListEntry) string {
		if e.TotalTargets == 0 {
			return "-"
		}
		return fmt.Sprintf("%d/%d", e.DisabledTargets, e.TotalTargets)
	}
	switch {
	case noQuery && !verbose:
		header = []string{"Pool", "State"}
	case noQuery:
		header = []string{"Label", "UUID", "State", "SvcReps"}
	case !verbose:
		header = []string{"Pool", "Size", "State", "Used", "Imbalance", "Disabled"}
	default:
		header = []string{"Label", "UUID", "State", "SvcReps", "SCM Size", "SCM Used", "SCM Imbalance",
			"NVME Size", "NVME Used", "NVME Imbalance", "Disabled", "Rebuild State"}
	}
	var errs []string
	for _, e := range pools {
		reps := ranklist.Of(e.SvcReps...).RangedString()
		switch {
		case noQuery && !verbose:
			rows = append(rows, []string{dash(e.Label), e.State})
		case noQuery:
			rows = append(rows, []string{dash(e.Label), e.UUID, e.State, reps})
		case !verbose:
			var total uint64
			for _, u := range e.Usage {
				total += u.Size
			}
			size, used, imb := "-", "-", "-"
			if len(e.Usage) > 0 {
				size = siBytes(total)
				_, used, imb = tier(e, len(e.Usage)-1)
			}
			rows = append(rows, []string{dash(e.Label), size, e.State, used, imb, disabled(e)})
		default:
			s0, u0, i0 := tier(e, 0)
			s1, u1, i1 := tier(e, 1)
			rows = append(rows, []string{dash(e.Label), e.UUID, e.State, reps, s0, u0, i0, s1, u1, i1, disabled(e), dash(e.RebuildState)})
		}
		if e.QueryError != "" {
			errs = append(errs, fmt.Sprintf("Query on pool %q unsuccessful, error: %q", e.Label, e.QueryError))
		}
	}
	if err := pretty.Table(w, "", header, rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, e := range errs {
		fmt.Fprintln(w, e)
	}
	return nil
}

func poolQueryCommand(g *globals) *cobra.Command {
	var healthOnly, showEnabled, noSelfHeal bool
	cmd := &cobra.Command{
		Use:   "query <label|UUID>",
		Short: "Show a pool's state, health and space",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool query: %w", err)
			}
			mask := uint64(queryMaskSpace | queryMaskRebuild | queryMaskEnginesDisabled | queryMaskEnginesDead)
			if healthOnly {
				mask &^= queryMaskSpace
			}
			if showEnabled {
				mask |= queryMaskEnginesEnabled
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			q, err := ms.PoolQuery(cmd.Context(), &mgmtpb.PoolQueryReq{Id: id, QueryMask: mask})
			if err != nil {
				return fmt.Errorf("pool query: %w", err)
			}
			out := poolQueryJSON(q)
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(out, func(w io.Writer) error {
				if err := printPoolQuery(w, q, healthOnly, showEnabled); err != nil {
					return err
				}
				if !noSelfHeal {
					selfHealNote(cmd, ms, id, w)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&healthOnly, "health-only", "t", false, "show only the health (no space)")
	cmd.Flags().BoolVarP(&showEnabled, "show-enabled", "e", false, "also list the enabled ranks")
	cmd.Flags().BoolVar(&noSelfHeal, "no-self-heal-check", false, "do not compare the pool's self_heal with the system's")
	return cmd
}

// tierStatsJSON is pool query's tier_stats as DAOS's dmg prints them:
// per medium the total and free bytes and the free space of the fullest
// and emptiest target and its mean (pool list has its own shape).
func tierStatsJSON(q *mgmtpb.PoolQueryResp) []map[string]any {
	out := []map[string]any{}
	for _, t := range q.TierStats {
		out = append(out, map[string]any{"media_type": strings.ToLower(t.MediaType.String()),
			"total": t.Total, "free": t.Free, "min": t.Min, "max": t.Max, "mean": t.Mean})
	}
	return out
}

func poolQueryJSON(q *mgmtpb.PoolQueryResp) map[string]any {
	out := map[string]any{
		"uuid": q.Uuid, "label": q.Label, "state": q.State.String(), "total_targets": q.TotalTargets,
		"active_targets": q.ActiveTargets, "disabled_targets": q.DisabledTargets, "total_engines": q.TotalEngines,
		"version": q.Version, "svc_ldr": q.SvcLdr, "svc_reps": nonNil(q.SvcReps), "pool_layout_ver": q.PoolLayoutVer,
		"upgrade_layout_ver": q.UpgradeLayoutVer, "query_mask": q.QueryMask, "mem_file_bytes": q.MemFileBytes,
		"enabled_ranks": q.EnabledRanks, "disabled_ranks": q.DisabledRanks, "dead_ranks": q.DeadRanks,
		"tier_stats": tierStatsJSON(q),
	}
	if q.Rebuild != nil {
		out["rebuild"] = map[string]any{"status": q.Rebuild.Status, "state": rebuildState(q.Rebuild),
			"objects": q.Rebuild.Objects, "records": q.Rebuild.Records}
	}
	return out
}

// selfHealNote warns when the pool's self_heal asks for something the
// system's self_heal switches off (pool_exclude, pool_rebuild), since
// both must allow it. A property that cannot be read skips the check.
func selfHealNote(cmd *cobra.Command, ms *ctlclient.Mgmt, id string, w io.Writer) {
	sys, err := ms.SystemGetProp(cmd.Context(), []string{"self_heal"})
	if err != nil {
		return
	}
	d, err := system.LookupPoolProp("self_heal")
	if err != nil {
		return
	}
	resp, err := ms.PoolGetProp(cmd.Context(), &mgmtpb.PoolGetPropReq{Id: id, Properties: []*mgmtpb.PoolProperty{{Number: d.Number}}})
	if err != nil || len(resp.Properties) == 0 {
		return
	}
	pool := strings.Split(d.Format(resp.Properties[0]), ";")
	sysSet := map[string]bool{}
	for _, v := range strings.Split(sys["self_heal"], ";") {
		sysSet[strings.TrimSpace(v)] = true
	}
	for _, v := range pool {
		switch {
		case v == "exclude" && !sysSet["pool_exclude"]:
			fmt.Fprintf(w, "Note: pool self_heal has exclude, but the system self_heal (%s) lacks pool_exclude: targets will not be excluded automatically\n", sys["self_heal"])
		case (v == "rebuild" || v == "delay_rebuild") && !sysSet["pool_rebuild"]:
			fmt.Fprintf(w, "Note: pool self_heal has %s, but the system self_heal (%s) lacks pool_rebuild: rebuild will not start automatically\n", v, sys["self_heal"])
		}
	}
}

func printPoolQuery(w io.Writer, q *mgmtpb.PoolQueryResp, healthOnly, showEnabled bool) error {
	fmt.Fprintf(w, "Pool %s, ntarget=%d, disabled=%d, leader=%d, version=%d, state=%s\n",
		q.Uuid, q.TotalTargets, q.DisabledTargets, q.SvcLdr, q.Version, q.State)
	if q.PoolLayoutVer < q.UpgradeLayoutVer {
		fmt.Fprintf(w, "Pool layout out of date (%d < %d) -- see `dmg pool upgrade` for details.\n", q.PoolLayoutVer, q.UpgradeLayoutVer)
	}
	fmt.Fprintln(w, "Pool health info:")
	if showEnabled && q.EnabledRanks != "" {
		fmt.Fprintf(w, "- Enabled ranks: %s\n", q.EnabledRanks)
	}
	if q.DisabledRanks != "" {
		fmt.Fprintf(w, "- Disabled ranks: %s\n", q.DisabledRanks)
	}
	if q.DeadRanks != "" {
		fmt.Fprintf(w, "- Dead ranks: %s\n", q.DeadRanks)
	}
	if q.DisabledTargets > 0 {
		fmt.Fprintln(w, "- Data redundancy: degraded")
	}
	if r := q.Rebuild; r != nil {
		switch {
		case r.Status != 0:
			fmt.Fprintf(w, "- Rebuild failed, status=%d\n", r.Status)
		case r.State == mgmtpb.PoolRebuildStatus_BUSY:
			fmt.Fprintf(w, "- Rebuild busy, %d objs, %d recs\n", r.Objects, r.Records)
		default:
			fmt.Fprintf(w, "- Rebuild %s, %d objs, %d recs\n", rebuildState(r), r.Objects, r.Records)
		}
	}
	if healthOnly {
		return nil
	}
	fmt.Fprintln(w, "Pool space info:")
	fmt.Fprintf(w, "- Target count:%d\n", q.ActiveTargets)
	for i, t := range q.TierStats {
		fmt.Fprintf(w, "- Storage tier %d (%s):\n", i, strings.ToUpper(t.MediaType.String()))
		fmt.Fprintf(w, "  Total size: %s\n", siBytes(t.Total))
		fmt.Fprintf(w, "  Free: %s, min:%s, max:%s, mean:%s\n", siBytes(t.Free), siBytes(t.Min), siBytes(t.Max), siBytes(t.Mean))
	}
	return nil
}

// doneMessage prints DAOS's "<cmd> command succeeded" in text mode.
func doneMessage(cmd *cobra.Command, g *globals, msg string) error {
	p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
	return p.Print(nil, func(w io.Writer) error {
		_, err := fmt.Fprintln(w, msg)
		return err
	})
}

func poolDestroyCommand(g *globals) *cobra.Command {
	var recursive, force bool
	cmd := &cobra.Command{
		Use:   "destroy <label|UUID>",
		Short: "Destroy a pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool destroy: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			if _, err := ms.PoolDestroy(cmd.Context(), &mgmtpb.PoolDestroyReq{Id: id, Recursive: recursive, Force: force}); err != nil {
				return fmt.Errorf("pool destroy: %w", err)
			}
			return doneMessage(cmd, g, "Pool-destroy command succeeded")
		},
	}
	cmd.Flags().BoolVarP(&recursive, "recursive", "r", false, "destroy the pool even if it has containers")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "destroy the pool even if it has open handles")
	return cmd
}

func poolEvictCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "evict <label|UUID>",
		Short: "Close every open handle of a pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool evict: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			if _, err := ms.PoolEvict(cmd.Context(), &mgmtpb.PoolEvictReq{Id: id}); err != nil {
				return fmt.Errorf("pool evict: %w", err)
			}
			return doneMessage(cmd, g, "Pool-evict command succeeded")
		},
	}
}

type poolPropJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Value       string `json:"value"`
}

func poolGetPropCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "get-prop <label|UUID> [name,...]",
		Short: "Show pool properties (all by default)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args[:1])
			if err != nil {
				return fmt.Errorf("pool get-prop: %w", err)
			}
			names := splitKeys(args[1:])
			if len(names) == 0 {
				names = system.PoolPropNames()
			}
			req := &mgmtpb.PoolGetPropReq{Id: id}
			seen := map[uint32]bool{}
			for _, n := range names {
				d, err := system.LookupPoolProp(n)
				if err != nil {
					return fmt.Errorf("pool get-prop: %w", err)
				}
				if !seen[d.Number] {
					seen[d.Number] = true
					req.Properties = append(req.Properties, &mgmtpb.PoolProperty{Number: d.Number})
				}
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.PoolGetProp(cmd.Context(), req)
			if err != nil {
				return fmt.Errorf("pool get-prop: %w", err)
			}
			out := []poolPropJSON{}
			for _, p := range resp.Properties {
				d, ok := system.PoolPropByNumber(p.Number)
				if !ok {
					continue // a property this dmg does not know
				}
				out = append(out, poolPropJSON{Name: d.Name, Description: d.Help, Value: d.Format(p)})
			}
			pr := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return pr.Print(out, func(w io.Writer) error {
				fmt.Fprintf(w, "Pool %s properties:\n", id)
				rows := make([][]string, 0, len(out))
				for _, p := range out {
					rows = append(rows, []string{fmt.Sprintf("%s (%s)", p.Description, p.Name), p.Value})
				}
				if err := pretty.Table(w, "", []string{"Name", "Value"}, rows); err != nil {
					return err
				}
				_, err := fmt.Fprintln(w)
				return err
			})
		},
	}
}

func poolSetPropCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "set-prop <label|UUID> name:value[,name:value...]",
		Short: "Set pool properties",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args[:1])
			if err != nil {
				return fmt.Errorf("pool set-prop: %w", err)
			}
			pairs, err := parsePairs("property", args[1:])
			if err != nil {
				return fmt.Errorf("pool set-prop: %w", err)
			}
			props, err := encodeProps(pairs, false)
			if err != nil {
				return fmt.Errorf("pool set-prop: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			if _, err := ms.PoolSetProp(cmd.Context(), &mgmtpb.PoolSetPropReq{Id: id, Properties: props}); err != nil {
				return fmt.Errorf("pool set-prop: %w", err)
			}
			return doneMessage(cmd, g, "pool set-prop succeeded")
		},
	}
}

type aclJSON struct {
	Entries    []string `json:"entries"`
	OwnerUser  string   `json:"owner_user,omitempty"`
	OwnerGroup string   `json:"owner_group,omitempty"`
}

func aclOf(r *mgmtpb.ACLResp) aclJSON {
	a := r.GetACL()
	return aclJSON{Entries: nonNil(a.GetEntries()), OwnerUser: a.GetOwnerUser(), OwnerGroup: a.GetOwnerGroup()}
}

// formatACL is the ACL file format: optional comments, then one ACE a line.
func formatACL(a aclJSON, verbose bool) string {
	var b strings.Builder
	if a.OwnerUser != "" {
		fmt.Fprintf(&b, "# Owner: %s\n", a.OwnerUser)
	}
	if a.OwnerGroup != "" {
		fmt.Fprintf(&b, "# Owner-Group: %s\n", a.OwnerGroup)
	}
	b.WriteString("# Entries:\n")
	if len(a.Entries) == 0 {
		b.WriteString("#   None\n")
	}
	for _, e := range a.Entries {
		if verbose {
			fmt.Fprintf(&b, "# %s\n", describeACE(e))
		}
		b.WriteString(e + "\n")
	}
	return b.String()
}

func describeACE(ace string) string {
	f := strings.Split(ace, ":")
	if len(f) != 4 {
		return ace
	}
	kind := map[byte]string{'A': "Allow", 'L': "Audit", 'U': "Alarm"}
	var perms []string
	names := map[rune]string{'r': "Read", 'w': "Write", 'c': "Create-Container", 'd': "Delete-Container",
		't': "Get-Prop", 'T': "Set-Prop", 'a': "Get-ACL", 'A': "Set-ACL", 'o': "Set-Owner"}
	for _, c := range f[3] {
		perms = append(perms, names[c])
	}
	k := f[0]
	if len(k) > 0 {
		k = kind[k[0]]
	}
	return fmt.Sprintf("%s %s: %s", k, f[2], strings.Join(perms, " "))
}

func printACL(cmd *cobra.Command, g *globals, r *mgmtpb.ACLResp, verbose bool) error {
	a := aclOf(r)
	p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
	return p.Print(a, func(w io.Writer) error {
		_, err := io.WriteString(w, formatACL(a, verbose))
		return err
	})
}

func poolGetACLCommand(g *globals) *cobra.Command {
	var outFile string
	var force, verbose bool
	cmd := &cobra.Command{
		Use:   "get-acl <label|UUID>",
		Short: "Show a pool's access control list",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool get-acl: %w", err)
			}
			if outFile != "" && !force {
				if _, err := os.Stat(outFile); err == nil {
					return daos.Errorf(daos.ErrExist, "pool get-acl: %s already exists (use -f to overwrite it)", outFile)
				}
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.PoolGetACL(cmd.Context(), &mgmtpb.GetACLReq{Id: id})
			if err != nil {
				return fmt.Errorf("pool get-acl: %w", err)
			}
			if outFile == "" {
				return printACL(cmd, g, resp, verbose)
			}
			if err := os.WriteFile(outFile, []byte(formatACL(aclOf(resp), verbose)), 0o644); err != nil {
				return fmt.Errorf("pool get-acl: %w", err)
			}
			return doneMessage(cmd, g, "Wrote ACL to output file: "+outFile)
		},
	}
	cmd.Flags().StringVarP(&outFile, "outfile", "O", "", "write the ACL to this file")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "overwrite the output file if it exists")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "add a description of each entry")
	return cmd
}

func poolOverwriteACLCommand(g *globals) *cobra.Command {
	var aclFile string
	cmd := &cobra.Command{
		Use:   "overwrite-acl <label|UUID> -a <file>",
		Short: "Replace a pool's access control list with a file's",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool overwrite-acl: %w", err)
			}
			aces, err := readACLFile(aclFile)
			if err != nil {
				return fmt.Errorf("pool overwrite-acl: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.PoolOverwriteACL(cmd.Context(), &mgmtpb.ModifyACLReq{Id: id, ACL: aces})
			if err != nil {
				return fmt.Errorf("pool overwrite-acl: %w", err)
			}
			return printACL(cmd, g, resp, false)
		},
	}
	cmd.Flags().StringVarP(&aclFile, "acl-file", "a", "", "file with the new access control entries (required)")
	_ = cmd.MarkFlagRequired("acl-file")
	return cmd
}

func poolUpdateACLCommand(g *globals) *cobra.Command {
	var aclFile, entry string
	cmd := &cobra.Command{
		Use:   "update-acl <label|UUID> -a <file> | -e <entry>",
		Short: "Add or change entries of a pool's access control list",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool update-acl: %w", err)
			}
			var aces []string
			switch {
			case aclFile != "" && entry != "":
				return errors.New("pool update-acl: give either -a/--acl-file or -e/--entry, not both")
			case aclFile != "":
				if aces, err = readACLFile(aclFile); err != nil {
					return fmt.Errorf("pool update-acl: %w", err)
				}
			case entry != "":
				if err := checkACE(entry); err != nil {
					return fmt.Errorf("pool update-acl: %w", err)
				}
				aces = []string{entry}
			default:
				return errors.New("pool update-acl: give the entries with -a/--acl-file or -e/--entry")
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.PoolUpdateACL(cmd.Context(), &mgmtpb.ModifyACLReq{Id: id, ACL: aces})
			if err != nil {
				return fmt.Errorf("pool update-acl: %w", err)
			}
			return printACL(cmd, g, resp, false)
		},
	}
	cmd.Flags().StringVarP(&aclFile, "acl-file", "a", "", "file with access control entries to add or change")
	cmd.Flags().StringVarP(&entry, "entry", "e", "", "one access control entry to add or change")
	return cmd
}

func poolDeleteACLCommand(g *globals) *cobra.Command {
	var principal string
	cmd := &cobra.Command{
		Use:   "delete-acl <label|UUID> -p <principal>",
		Short: "Remove a principal's entry from a pool's access control list",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool delete-acl: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.PoolDeleteACL(cmd.Context(), &mgmtpb.DeleteACLReq{Id: id, Principal: principal})
			if err != nil {
				return fmt.Errorf("pool delete-acl: %w", err)
			}
			return printACL(cmd, g, resp, false)
		},
	}
	cmd.Flags().StringVarP(&principal, "principal", "p", "", "principal whose entry to remove, e.g. u:bob@, g:admins@, OWNER@ (required)")
	_ = cmd.MarkFlagRequired("principal")
	return cmd
}
