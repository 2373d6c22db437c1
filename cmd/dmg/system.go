package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/hostlist"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/control/sharedpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/pretty"
)

// systemCommand is the `dmg system` group: calls on the management
// service, answered by whichever server of the host list is reached first.
func systemCommand(g *globals) *cobra.Command {
	sys := &cobra.Command{Use: "system", Short: "Manage the DAOS system (members, properties, attributes)"}
	sys.AddCommand(
		systemQueryCommand(g),
		systemStopCommand(g),
		systemStartCommand(g),
		systemExcludeCommand(g, false),
		systemExcludeCommand(g, true),
		leaderQueryCommand(g),
		systemCleanupCommand(g),
		systemGetPropCommand(g),
		systemSetPropCommand(g),
		systemGetAttrCommand(g),
		systemSetAttrCommand(g),
		systemDelAttrCommand(g),
		systemListPoolsCommand(g),
		systemPoolsMemberCommand(g, false), systemPoolsMemberCommand(g, true),
	)
	return sys
}

// rankHosts are the -r/--ranks and --rank-hosts flags that pick members.
type rankHosts struct {
	ranks, hosts string
}

func (rh *rankHosts) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&rh.ranks, "ranks", "r", "", "ranks to act on, e.g. 0-3,5 (default all)")
	cmd.Flags().StringVar(&rh.hosts, "rank-hosts", "", "act on the ranks of these hosts, e.g. node[1-4] (default all)")
}

// parse checks the flags and returns them normalised as the request
// fields take them. The error names the flag.
func (rh *rankHosts) parse(required bool) (ranks, hosts string, err error) {
	if rh.ranks != "" && rh.hosts != "" {
		return "", "", errors.New("--ranks and --rank-hosts cannot be used together")
	}
	if required && strings.TrimSpace(rh.ranks) == "" && strings.TrimSpace(rh.hosts) == "" {
		return "", "", errors.New("give the ranks with -r/--ranks or the hosts with --rank-hosts")
	}
	if rh.ranks != "" {
		set, err := ranklist.Parse(rh.ranks)
		if err != nil {
			return "", "", fmt.Errorf("-r/--ranks: %w", err)
		}
		ranks = set.String()
	}
	if rh.hosts != "" {
		set, err := hostlist.Parse(rh.hosts)
		if err != nil {
			return "", "", fmt.Errorf("--rank-hosts: %w", err)
		}
		hosts = set.String()
	}
	return ranks, hosts, nil
}

// absentError reports ranks or hosts the management service does not
// know, as DAOS does; nil when there are none.
func absentError(ranks, hosts string) error {
	var parts []string
	if ranks != "" {
		parts = append(parts, "Unknown rank(s): "+ranks)
	}
	if hosts != "" {
		parts = append(parts, "Unknown host(s): "+hosts)
	}
	if len(parts) == 0 {
		return nil
	}
	return errors.New(strings.Join(parts, "; "))
}

// stateTitle prints a state as the text tables do ("Joined"); the wire
// and JSON use lower case.
func stateTitle(s string) string {
	if st, err := system.ParseState(s); err == nil {
		return st.String()
	}
	return s
}

// stateJSON is the lower-case name for JSON.
func stateJSON(s string) string {
	if st, err := system.ParseState(s); err == nil {
		return st.JSONName()
	}
	return strings.ToLower(s)
}

// systemMember is one member in `system query -j`, DAOS's field names.
type systemMember struct {
	Addr                    string   `json:"addr"`
	State                   string   `json:"state"`
	FaultDomain             string   `json:"fault_domain"`
	Rank                    uint32   `json:"rank"`
	Incarnation             uint64   `json:"incarnation"`
	UUID                    string   `json:"uuid"`
	FabricURI               string   `json:"fabric_uri"`
	SecondaryFabricURIs     []string `json:"secondary_fabric_uris"`
	FabricContexts          uint32   `json:"fabric_contexts"`
	SecondaryFabricContexts []uint32 `json:"secondary_fabric_contexts"`
	Info                    string   `json:"info"`
	LastUpdate              string   `json:"last_update"`
}

type systemQueryResp struct {
	Members   []systemMember `json:"members"`
	Providers []string       `json:"providers"`
	SelfHeal  string         `json:"sys_self_heal_policy"`
}

func systemQueryCommand(g *globals) *cobra.Command {
	var (
		rh         rankHosts
		verbose    bool
		notOK      bool
		withStates string
	)
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Show the state of the system's ranks",
		Long: `Query asks the management service for the system's members. Without -v
ranks are grouped by state; -v shows one row per rank. --not-ok shows
ranks in any state but Joined; --with-states shows ranks in the listed
states (e.g. --with-states Stopped,Errored).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ranks, hosts, err := rh.parse(false)
			if err != nil {
				return err
			}
			mask := system.AllStates
			switch {
			case notOK && withStates != "":
				return errors.New("--not-ok and --with-states cannot be used together")
			case notOK:
				mask &^= system.StateJoined
			case withStates != "":
				if mask, err = system.ParseStateMask(withStates); err != nil {
					return fmt.Errorf("--with-states: %w", err)
				}
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.SystemQuery(cmd.Context(), &mgmtpb.SystemQueryReq{Ranks: ranks, Hosts: hosts, StateMask: uint32(mask)})
			if err != nil {
				return fmt.Errorf("system query: %w", err)
			}
			out := systemQueryResp{Members: []systemMember{}, Providers: resp.Providers}
			if out.Providers == nil {
				out.Providers = []string{}
			}
			// The policy is extra information: a server that cannot give
			// it must not fail the query.
			if props, err := ms.SystemGetProp(cmd.Context(), []string{"self_heal"}); err == nil {
				out.SelfHeal = props["self_heal"]
			}
			members := append([]*mgmtpb.SystemMember(nil), resp.Members...)
			sort.SliceStable(members, func(i, j int) bool { return members[i].Rank < members[j].Rank })
			for _, m := range members {
				sm := systemMember{Addr: m.Addr, State: stateJSON(m.State), FaultDomain: m.FaultDomain,
					Rank: m.Rank, Incarnation: m.Incarnation, UUID: m.Uuid, FabricURI: m.FabricUri,
					SecondaryFabricURIs: m.SecondaryFabricUris, FabricContexts: m.FabricContexts,
					SecondaryFabricContexts: []uint32{}, Info: m.Info, LastUpdate: m.LastUpdate}
				if sm.SecondaryFabricURIs == nil {
					sm.SecondaryFabricURIs = []string{}
				}
				out.Members = append(out.Members, sm)
			}
			absent := absentError(resp.Absentranks, resp.Absenthosts)
			if g.json {
				if absent != nil {
					return fmt.Errorf("system query: %w", absent)
				}
				return cmdutil.WriteJSON(cmd.OutOrStdout(), out, nil)
			}
			w := cmd.OutOrStdout()
			if verbose {
				err = printMembersVerbose(w, out.Members)
			} else {
				err = printMembers(w, out.Members)
			}
			if err != nil {
				return err
			}
			return absent
		},
	}
	rh.add(cmd)
	f := cmd.Flags()
	f.BoolVarP(&verbose, "verbose", "v", false, "one row per rank with UUID, address, fault domain and reason")
	f.BoolVar(&notOK, "not-ok", false, "only ranks that are not Joined")
	f.StringVar(&withStates, "with-states", "", "only ranks in these states, e.g. Stopped,Errored")
	return cmd
}

// printMembers groups ranks by state: "[0-2] Joined".
func printMembers(w io.Writer, members []systemMember) error {
	if len(members) == 0 {
		_, err := fmt.Fprintln(w, "Query matches no ranks in system")
		return err
	}
	sets := map[string]*ranklist.Set{}
	var order []string
	for _, m := range members {
		st := stateTitle(m.State)
		if sets[st] == nil {
			sets[st] = ranklist.Of()
			order = append(order, st)
		}
		sets[st].Add(m.Rank)
	}
	rows := make([][]string, 0, len(order))
	for _, st := range order {
		rows = append(rows, []string{sets[st].RangedString(), st})
	}
	if err := pretty.Table(w, "", []string{"Rank", "State"}, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

func printMembersVerbose(w io.Writer, members []systemMember) error {
	if len(members) == 0 {
		_, err := fmt.Fprintln(w, "Query matches no ranks in system")
		return err
	}
	rows := make([][]string, 0, len(members))
	for _, m := range members {
		rows = append(rows, []string{fmt.Sprint(m.Rank), dash(m.UUID), dash(m.Addr), dash(m.FaultDomain),
			stateTitle(m.State), m.Info})
	}
	if err := pretty.Table(w, "", []string{"Rank", "UUID", "Control Address", "Fault Domain", "State", "Reason"}, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

// rankResult is one rank's outcome in JSON, DAOS's field names.
type rankResult struct {
	Rank    uint32 `json:"rank"`
	Action  string `json:"action"`
	Errored bool   `json:"errored"`
	Msg     string `json:"msg"`
	State   string `json:"state"`
	Addr    string `json:"addr"`
}

type rankResults struct {
	Results     []rankResult `json:"results"`
	AbsentRanks string       `json:"absent_ranks"`
	AbsentHosts string       `json:"absent_hosts"`
}

func toRankResults(in []*sharedpb.RankResult, absentRanks, absentHosts string) rankResults {
	out := rankResults{Results: []rankResult{}, AbsentRanks: absentRanks, AbsentHosts: absentHosts}
	for _, r := range in {
		out.Results = append(out.Results, rankResult{Rank: r.Rank, Action: r.Action, Errored: r.Errored,
			Msg: r.Msg, State: stateJSON(r.State), Addr: r.Addr})
	}
	sort.SliceStable(out.Results, func(i, j int) bool { return out.Results[i].Rank < out.Results[j].Rank })
	return out
}

// resultGroup is the ranks that had the same action and outcome.
type resultGroup struct {
	ranks  *ranklist.Set
	action string
	result string
	failed bool
}

func groupResults(results []rankResult) []*resultGroup {
	var groups []*resultGroup
	index := map[string]*resultGroup{}
	for _, r := range results {
		res := "OK"
		if r.Errored {
			res = r.Msg
			if res == "" {
				res = "failed"
			}
		}
		key := r.Action + "\x00" + res + "\x00" + fmt.Sprint(r.Errored)
		gr := index[key]
		if gr == nil {
			gr = &resultGroup{ranks: ranklist.Of(), action: r.Action, result: res, failed: r.Errored}
			index[key] = gr
			groups = append(groups, gr)
		}
		gr.ranks.Add(r.Rank)
	}
	return groups
}

// outputResults prints rank results (table or JSON) and fails when a rank
// errored or asked-for ranks or hosts were unknown.
func outputResults(cmd *cobra.Command, g *globals, what string, res rankResults) error {
	groups := groupResults(res.Results)
	var failures []string
	for _, gr := range groups {
		if gr.failed {
			failures = append(failures, fmt.Sprintf("%s %s: %s", gr.ranks.RangedString(), gr.action, gr.result))
		}
	}
	var errs []error
	if len(failures) > 0 {
		errs = append(errs, fmt.Errorf("%s failed on some ranks: %s", what, strings.Join(failures, "; ")))
	}
	if absent := absentError(res.AbsentRanks, res.AbsentHosts); absent != nil {
		errs = append(errs, fmt.Errorf("%s: %w", what, absent))
	}
	failed := errors.Join(errs...)
	if g.json {
		if failed != nil {
			return failed // the envelope carries the error
		}
		return cmdutil.WriteJSON(cmd.OutOrStdout(), res, nil)
	}
	w := cmd.OutOrStdout()
	if len(groups) == 0 {
		fmt.Fprintln(w, "No ranks were acted on")
		return failed
	}
	rows := make([][]string, 0, len(groups))
	for _, gr := range groups {
		rows = append(rows, []string{gr.ranks.RangedString(), gr.action, gr.result})
	}
	if err := pretty.Table(w, "", []string{"Rank", "Operation", "Result"}, rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return failed
}

func systemStopCommand(g *globals) *cobra.Command {
	var (
		rh                 rankHosts
		force, ignoreAdmin bool
		full               bool
	)
	cmd := &cobra.Command{
		Use:   "stop",
		Short: "Stop the system's ranks",
		Long: `Stop prepares the chosen ranks (all by default) for shutdown and then stops
their engines. --force stops them even if preparation fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ranks, hosts, err := rh.parse(false)
			if err != nil {
				return err
			}
			if full && (ranks != "" || hosts != "") {
				return errors.New("--full stops the whole system: it cannot be used with --ranks or --rank-hosts")
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.SystemStop(cmd.Context(), &mgmtpb.SystemStopReq{Prep: true, Kill: true, Force: force,
				Ranks: ranks, Hosts: hosts, IgnoreAdminExcluded: ignoreAdmin})
			if err != nil {
				return fmt.Errorf("system stop: %w", err)
			}
			return outputResults(cmd, g, "system stop", toRankResults(resp.Results, resp.Absentranks, resp.Absenthosts))
		},
	}
	rh.add(cmd)
	f := cmd.Flags()
	f.BoolVar(&force, "force", false, "stop ranks even if they cannot be prepared for shutdown")
	f.BoolVar(&ignoreAdmin, "ignore-admin-excluded", false, "also act on administratively excluded ranks")
	f.BoolVar(&full, "full", false, "stop the whole system")
	_ = f.MarkHidden("full")
	return cmd
}

func systemStartCommand(g *globals) *cobra.Command {
	var (
		rh          rankHosts
		ignoreAdmin bool
	)
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the system's stopped ranks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ranks, hosts, err := rh.parse(false)
			if err != nil {
				return err
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.SystemStart(cmd.Context(), &mgmtpb.SystemStartReq{Ranks: ranks, Hosts: hosts,
				IgnoreAdminExcluded: ignoreAdmin})
			if err != nil {
				return fmt.Errorf("system start: %w", err)
			}
			return outputResults(cmd, g, "system start", toRankResults(resp.Results, resp.Absentranks, resp.Absenthosts))
		},
	}
	rh.add(cmd)
	cmd.Flags().BoolVar(&ignoreAdmin, "ignore-admin-excluded", false, "also act on administratively excluded ranks")
	return cmd
}

// systemExcludeCommand is `system exclude`, or with clear
// `system clear-exclude`.
func systemExcludeCommand(g *globals, clear bool) *cobra.Command {
	var rh rankHosts
	use, short, what := "exclude", "Exclude ranks from the system (AdminExcluded)", "system exclude"
	if clear {
		use, short, what = "clear-exclude", "Clear the administrative exclusion of ranks", "system clear-exclude"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ranks, hosts, err := rh.parse(true)
			if err != nil {
				return err
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.SystemExclude(cmd.Context(), &mgmtpb.SystemExcludeReq{Ranks: ranks, Hosts: hosts, Clear: clear})
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			return outputResults(cmd, g, what, toRankResults(resp.Results, "", ""))
		},
	}
	rh.add(cmd)
	return cmd
}

type leaderQueryResp struct {
	Leader       string   `json:"current_leader"`
	Replicas     []string `json:"replicas"`
	DownReplicas []string `json:"down_replicas"`
}

func leaderQueryCommand(g *globals) *cobra.Command {
	var down bool
	cmd := &cobra.Command{
		Use:   "leader-query",
		Short: "Show the management service leader and replicas",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.LeaderQuery(cmd.Context(), &mgmtpb.LeaderQueryReq{})
			if err != nil {
				return fmt.Errorf("system leader-query: %w", err)
			}
			out := leaderQueryResp{Leader: resp.CurrentLeader, Replicas: resp.Replicas, DownReplicas: resp.DownReplicas}
			if out.Replicas == nil {
				out.Replicas = []string{}
			}
			if out.DownReplicas == nil {
				out.DownReplicas = []string{}
			}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(out, func(w io.Writer) error {
				fmt.Fprintf(w, "Current Leader: %s\n", dash(out.Leader))
				fmt.Fprintf(w, "   Replica Set: %s\n", dash(strings.Join(out.Replicas, ", ")))
				if down {
					list := strings.Join(out.DownReplicas, ", ")
					if list == "" {
						list = "none"
					}
					fmt.Fprintf(w, " Down Replicas: %s\n", list)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&down, "down-replicas", "N", false, "also show replicas that do not answer")
	return cmd
}

type cleanupResult struct {
	Status int32  `json:"status"`
	Msg    string `json:"msg"`
	PoolID string `json:"pool_id"`
	Count  uint32 `json:"count"`
}

type cleanupResp struct {
	Results []cleanupResult `json:"results"`
}

func systemCleanupCommand(g *globals) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "cleanup <machine>",
		Short: "Evict the pool handles a client machine left open",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			machine := strings.TrimSpace(args[0])
			if machine == "" {
				return errors.New("system cleanup: give the machine name")
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.SystemCleanup(cmd.Context(), machine)
			if err != nil {
				return fmt.Errorf("system cleanup: %w", err)
			}
			out := cleanupResp{Results: []cleanupResult{}}
			var errs []error
			for _, r := range resp.Results {
				out.Results = append(out.Results, cleanupResult{Status: r.Status, Msg: r.Msg, PoolID: r.PoolId, Count: r.Count})
				if r.Status != 0 {
					// Wrapping the DER code lets the envelope show it.
					errs = append(errs, fmt.Errorf("pool %s: %s: %w", r.PoolId, r.Msg, daos.FromCode(int(r.Status))))
				}
			}
			var failed error
			if len(errs) > 0 {
				failed = fmt.Errorf("system cleanup: %w", errors.Join(errs...))
			}
			if g.json {
				if failed != nil {
					return failed
				}
				return cmdutil.WriteJSON(cmd.OutOrStdout(), out, nil)
			}
			w := cmd.OutOrStdout()
			if len(out.Results) == 0 {
				fmt.Fprintf(w, "No pool handles of machine %s to clean up; nothing was cleaned up\n", machine)
				return nil
			}
			header := []string{"Pool", "Handles Revoked"}
			if verbose {
				header = append(header, "Status", "Message")
			}
			rows := make([][]string, 0, len(out.Results))
			for _, r := range out.Results {
				row := []string{r.PoolID, fmt.Sprint(r.Count)}
				if verbose {
					row = append(row, fmt.Sprint(r.Status), dash(r.Msg))
				}
				rows = append(rows, row)
			}
			if err := pretty.Table(w, "", header, rows); err != nil {
				return err
			}
			fmt.Fprintln(w)
			return failed
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "also show each pool's status and message")
	return cmd
}

// splitKeys reads "a,b" (possibly spread over several arguments).
func splitKeys(args []string) []string {
	var keys []string
	for _, a := range args {
		for _, k := range strings.Split(a, ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// parsePairs reads "k:v,k:v". Values keep any ';' (multi-valued
// properties such as self_heal:exclude;pool_rebuild) and anything after
// the first ':'.
func parsePairs(what string, args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		for _, item := range strings.Split(a, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			k, v, ok := strings.Cut(item, ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || k == "" || v == "" {
				return nil, fmt.Errorf("%s %q: want key:value", what, item)
			}
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("%s %q given twice", what, k)
			}
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %ss given (want key:value,...)", what)
	}
	return out, nil
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func sortedPairs(m map[string]string) []nameValue {
	out := make([]nameValue, 0, len(m))
	for k, v := range m {
		out = append(out, nameValue{Name: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func printPairs(w io.Writer, pairs []nameValue, none string) error {
	if len(pairs) == 0 {
		_, err := fmt.Fprintln(w, none)
		return err
	}
	rows := make([][]string, 0, len(pairs))
	for _, p := range pairs {
		rows = append(rows, []string{p.Name, p.Value})
	}
	if err := pretty.Table(w, "", []string{"Name", "Value"}, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

func systemGetPropCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "get-prop [key,...]",
		Short: "Show system properties (all by default)",
		RunE: func(cmd *cobra.Command, args []string) error {
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			props, err := ms.SystemGetProp(cmd.Context(), splitKeys(args))
			if err != nil {
				return fmt.Errorf("system get-prop: %w", err)
			}
			out := struct {
				Properties []nameValue `json:"properties"`
			}{sortedPairs(props)}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(out, func(w io.Writer) error {
				return printPairs(w, out.Properties, "No system properties")
			})
		},
	}
}

func systemSetPropCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "set-prop key:value[,key:value...]",
		Short: "Set system properties (e.g. self_heal:exclude;pool_rebuild)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			props, err := parsePairs("property", args)
			if err != nil {
				return fmt.Errorf("system set-prop: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			if err := ms.SystemSetProp(cmd.Context(), props); err != nil {
				return fmt.Errorf("system set-prop: %w", err)
			}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(nil, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, "System properties set")
				return err
			})
		},
	}
}

func systemGetAttrCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "get-attr [key,...]",
		Short: "Show system attributes (all by default)",
		RunE: func(cmd *cobra.Command, args []string) error {
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			attrs, err := ms.SystemGetAttr(cmd.Context(), splitKeys(args))
			if err != nil {
				return fmt.Errorf("system get-attr: %w", err)
			}
			if attrs == nil {
				attrs = map[string]string{}
			}
			out := struct {
				Attributes map[string]string `json:"attributes"`
			}{attrs}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(out, func(w io.Writer) error {
				return printPairs(w, sortedPairs(attrs), "No system attributes")
			})
		},
	}
}

func systemSetAttrCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "set-attr key:value[,key:value...]",
		Short: "Set system attributes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			attrs, err := parsePairs("attribute", args)
			if err != nil {
				return fmt.Errorf("system set-attr: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			if err := ms.SystemSetAttr(cmd.Context(), attrs); err != nil {
				return fmt.Errorf("system set-attr: %w", err)
			}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(nil, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, "System attributes set")
				return err
			})
		},
	}
}

func systemDelAttrCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "del-attr key[,key...]",
		Short: "Delete system attributes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			keys := splitKeys(args)
			if len(keys) == 0 {
				return errors.New("system del-attr: give the attribute name")
			}
			// An empty value asks the management service to delete the key.
			attrs := make(map[string]string, len(keys))
			for _, k := range keys {
				attrs[k] = ""
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			if err := ms.SystemSetAttr(cmd.Context(), attrs); err != nil {
				return fmt.Errorf("system del-attr: %w", err)
			}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(nil, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, "System attributes deleted")
				return err
			})
		},
	}
}

func systemListPoolsCommand(g *globals) *cobra.Command {
	// DAOS's system list-pools is pool list, flags and output alike.
	cmd := poolListCommand(g)
	cmd.Use, cmd.Aliases, cmd.Short = "list-pools", nil, "List the system's pools (as pool list does)"
	return cmd
}
