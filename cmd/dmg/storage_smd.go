package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/pretty"
)

// smdCaller is the call `storage query list-devices` and `list-pools`
// make; the fan-out client has it.
type smdCaller interface {
	SmdQuery(ctx context.Context, req *ctlpb.SmdQueryReq) []ctlclient.HostResult[*ctlpb.SmdQueryResp]
}

// smdHealth is a device's health in the JSON host map. Unavailable names
// what the engine cannot know; those figures are absent, not zero.
type smdHealth struct {
	TotalBytes     uint64   `json:"total_bytes"`
	AllocatedBytes uint64   `json:"allocated_bytes"`
	FreeBytes      uint64   `json:"avail_bytes"`
	UsedBytes      uint64   `json:"used_bytes"`
	Unavailable    []string `json:"unavailable,omitempty"`
}

type smdDevice struct {
	UUID   string     `json:"uuid"`
	Rank   *uint32    `json:"rank,omitempty"`
	Engine uint32     `json:"engine_index"`
	TgtIDs []int32    `json:"tgt_ids"`
	State  string     `json:"dev_state"`
	TrAddr string     `json:"tr_addr"`
	Roles  []string   `json:"roles"`
	Class  string     `json:"class"`
	Tier   uint32     `json:"tier"`
	Health *smdHealth `json:"health,omitempty"`
	Note   string     `json:"note,omitempty"`
}

type smdPool struct {
	UUID    string   `json:"uuid"`
	Label   string   `json:"label,omitempty"`
	Rank    *uint32  `json:"rank,omitempty"`
	Engine  uint32   `json:"engine_index"`
	TgtIDs  []int32  `json:"tgt_ids"`
	Blobs   []string `json:"blobs,omitempty"`
	DevUUID string   `json:"dev_uuid,omitempty"`
}

type smdInfo struct {
	Devices []smdDevice `json:"devices,omitempty"`
	Pools   []smdPool   `json:"pools,omitempty"`
}

type smdGroup struct {
	Hosts   string `json:"hosts"`
	Storage struct {
		SmdInfo smdInfo `json:"smd_info"`
	} `json:"storage"`
}

// smdFlags are the flags both commands share.
type smdFlags struct {
	ranks, uuid string
}

func (f *smdFlags) add(cmd *cobra.Command, uuidHelp string) {
	cmd.Flags().StringVarP(&f.ranks, "rank", "r", "", "only the engines of these ranks (e.g. 0-2,5)")
	cmd.Flags().StringVarP(&f.uuid, "uuid", "u", "", uuidHelp)
}

// query checks the flags and asks the hosts.
func (f *smdFlags) query(cmd *cobra.Command, g *globals, req *ctlpb.SmdQueryReq) ([]ctlclient.HostResult[*ctlpb.SmdQueryResp], error) {
	if f.ranks != "" {
		if _, err := ranklist.Parse(f.ranks); err != nil {
			return nil, fmt.Errorf("--rank %q: %w", f.ranks, err)
		}
	}
	if f.uuid != "" && !uuidLike(f.uuid) {
		return nil, fmt.Errorf("--uuid %q: not a UUID", f.uuid)
	}
	req.Ranks, req.Uuid = f.ranks, strings.ToLower(f.uuid)
	c, err := g.client()
	if err != nil {
		return nil, err
	}
	sc, ok := c.(smdCaller)
	if !ok {
		return nil, errors.New("storage query: this client cannot query the engines' devices")
	}
	return sc.SmdQuery(cmd.Context(), req), nil
}

func uuidLike(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range strings.ToLower(s) {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case (c < '0' || c > '9') && (c < 'a' || c > 'f'):
			return false
		}
	}
	return true
}

func rankPtr(r *ctlpb.RankSmd) *uint32 {
	if !r.HasRank {
		return nil
	}
	n := r.Rank
	return &n
}

func rankLabel(r *uint32) string {
	if r == nil {
		return "none"
	}
	return fmt.Sprint(*r)
}

// collectSmd groups hosts with the same answer; an engine that could not
// answer is a host error naming its rank.
func collectSmd(res []ctlclient.HostResult[*ctlpb.SmdQueryResp], byRank bool, each func(set string, gr *smdGroup, r *ctlpb.RankSmd)) ([]*smdGroup, map[string]hostError) {
	groups, errs := collect(res, func(r *ctlpb.SmdQueryResp) string {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(r)
		return string(b)
	})
	var out []*smdGroup
	for _, gr := range groups {
		if byRank && len(gr.resp.Ranks) == 0 {
			continue // none of the requested ranks is on these hosts
		}
		set := groupHosts(gr.hosts)
		sg := &smdGroup{Hosts: set}
		for _, r := range gr.resp.Ranks {
			if r.Error != "" {
				key := fmt.Sprintf("%s engine %d", set, r.EngineIndex)
				if r.HasRank {
					key = fmt.Sprintf("%s rank %d", set, r.Rank)
				}
				errs[key] = hostError{Hosts: set, Error: r.Error}
				continue
			}
			each(set, sg, r)
		}
		out = append(out, sg)
	}
	return out, errs
}

func smdMap(groups []*smdGroup) map[string]*smdGroup {
	m := map[string]*smdGroup{}
	for _, g := range groups {
		m[g.Hosts] = g
	}
	return m
}

func listDevicesCommand(g *globals) *cobra.Command {
	var (
		f           smdFlags
		health      bool
		showEvicted bool
	)
	cmd := &cobra.Command{
		Use:   "list-devices",
		Short: "List the engines' NVMe devices (their SMD device tables)",
		Long: `list-devices shows, for every running engine of the hosts, the bdev tier
devices it uses: the device UUID its engine keeps for it, its transport
address (PCI address or file path), roles, the targets whose data is on
it, and its state. -b adds what the engine knows of each device's health:
for emulated devices that is its size and what pools hold on it; SMART
figures such as temperatures are reported as unavailable, never made up.
An engine that is not running is reported as an error for its rank.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := f.query(cmd, g, &ctlpb.SmdQueryReq{OmitPools: true, IncludeBioHealth: health})
			if err != nil {
				return err
			}
			groups, errs := collectSmd(res, f.ranks != "", func(_ string, sg *smdGroup, r *ctlpb.RankSmd) {
				for _, d := range r.Devices {
					if showEvicted && d.State != "EVICTED" {
						continue
					}
					sg.Storage.SmdInfo.Devices = append(sg.Storage.SmdInfo.Devices, deviceFromPB(r, d))
				}
			})
			resp := map[string]any{"host_errors": errs, "host_storage_map": smdMap(groups)}
			return output(cmd, g, resp, errs, func(w io.Writer) error {
				for _, sg := range groups {
					printDevices(w, sg, health)
				}
				return nil
			})
		},
	}
	f.add(cmd, "only the device with this UUID")
	cmd.Flags().BoolVarP(&health, "health", "b", false, "include each device's health figures")
	cmd.Flags().BoolVarP(&showEvicted, "show-evicted", "e", false, "only devices in the EVICTED state")
	return cmd
}

func deviceFromPB(r *ctlpb.RankSmd, d *ctlpb.SmdDevice) smdDevice {
	sd := smdDevice{UUID: d.Uuid, Rank: rankPtr(r), Engine: r.EngineIndex, TgtIDs: d.TgtIds, State: d.State,
		TrAddr: d.TrAddr, Roles: d.Roles, Class: d.Class, Tier: d.Tier, Note: d.Note}
	if sd.TgtIDs == nil {
		sd.TgtIDs = []int32{}
	}
	if sd.Roles == nil {
		sd.Roles = []string{}
	}
	if h := d.Health; h != nil {
		sd.Health = &smdHealth{TotalBytes: h.TotalBytes, AllocatedBytes: h.AllocatedBytes, FreeBytes: h.FreeBytes,
			UsedBytes: h.UsedBytes, Unavailable: h.Unavailable}
	}
	return sd
}

func targetList(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func rolesText(roles []string) string {
	if len(roles) == 0 {
		return "NA"
	}
	return strings.Join(roles, ",")
}

func printDevices(w io.Writer, sg *smdGroup, health bool) {
	pretty.HostBanner(w, sg.Hosts)
	devs := sg.Storage.SmdInfo.Devices
	if len(devs) == 0 {
		fmt.Fprintln(w, "  No devices found")
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w, "  Devices")
	for _, d := range devs {
		fmt.Fprintf(w, "    UUID:%s [TrAddr:%s Class:%s Tier:%d]\n", d.UUID, d.TrAddr, d.Class, d.Tier)
		// LED state needs a VMD-capable controller; emulated devices have none.
		fmt.Fprintf(w, "      Roles:%s Targets:%s Rank:%s State:%s LED:N/A\n",
			rolesText(d.Roles), targetList(d.TgtIDs), rankLabel(d.Rank), d.State)
		if d.Note != "" {
			fmt.Fprintf(w, "      Note: %s\n", d.Note)
		}
		if health && d.Health != nil {
			h := d.Health
			fmt.Fprintln(w, "      Health Stats:")
			fmt.Fprintf(w, "        Total Size:%s\n", pretty.Bytes(h.TotalBytes))
			fmt.Fprintf(w, "        Allocated To Pools:%s\n", pretty.Bytes(h.AllocatedBytes))
			fmt.Fprintf(w, "        Avail Size:%s\n", pretty.Bytes(h.FreeBytes))
			fmt.Fprintf(w, "        Used By Values:%s\n", pretty.Bytes(h.UsedBytes))
			for _, u := range h.Unavailable {
				fmt.Fprintf(w, "        Unavailable: %s\n", u)
			}
		}
	}
	fmt.Fprintln(w)
}

func listPoolsCommand(g *globals) *cobra.Command {
	var (
		f       smdFlags
		verbose bool
	)
	cmd := &cobra.Command{
		Use:   "list-pools",
		Short: "List the pools with shards on the engines' targets",
		Long: `list-pools shows, for every running engine of the hosts, the pools that
have shards on its targets: the pool UUID (and label, when the management
service can be asked), the target indices and, with -v, the device and
the per-target files ("blobs") holding the pool's NVMe data. An engine
that is not running is reported as an error for its rank.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := f.query(cmd, g, &ctlpb.SmdQueryReq{OmitDevices: true})
			if err != nil {
				return err
			}
			labels := poolLabels(cmd.Context(), g)
			groups, errs := collectSmd(res, f.ranks != "", func(_ string, sg *smdGroup, r *ctlpb.RankSmd) {
				for _, p := range r.Pools {
					sg.Storage.SmdInfo.Pools = append(sg.Storage.SmdInfo.Pools, smdPool{UUID: p.Uuid, Label: labels[p.Uuid],
						Rank: rankPtr(r), Engine: r.EngineIndex, TgtIDs: p.TgtIds, Blobs: p.Blobs, DevUUID: p.DevUuid})
				}
			})
			resp := map[string]any{"host_errors": errs, "host_storage_map": smdMap(groups)}
			return output(cmd, g, resp, errs, func(w io.Writer) error {
				for _, sg := range groups {
					printPools(w, sg, verbose)
				}
				return nil
			})
		},
	}
	f.add(cmd, "only the pool with this UUID")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show each pool's device and blobs")
	return cmd
}

// poolLabels asks the management service for the pools' labels. Without
// it (unreachable, or no leader) pools are listed by UUID alone.
func poolLabels(ctx context.Context, g *globals) map[string]string {
	out := map[string]string{}
	m, err := g.mgmt()
	if err != nil {
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := m.ListPools(ctx)
	if err != nil {
		return out
	}
	for _, p := range resp.Pools {
		out[strings.ToLower(p.Uuid)] = p.Label
	}
	return out
}

func printPools(w io.Writer, sg *smdGroup, verbose bool) {
	pretty.HostBanner(w, sg.Hosts)
	pools := sg.Storage.SmdInfo.Pools
	if len(pools) == 0 {
		fmt.Fprintln(w, "  No pools found")
		fmt.Fprintln(w)
		return
	}
	sort.SliceStable(pools, func(i, j int) bool { return pools[i].UUID < pools[j].UUID })
	fmt.Fprintln(w, "  Pools")
	for i, p := range pools {
		if i == 0 || pools[i-1].UUID != p.UUID {
			if p.Label != "" {
				fmt.Fprintf(w, "    UUID:%s Label:%s\n", p.UUID, p.Label)
			} else {
				fmt.Fprintf(w, "    UUID:%s\n", p.UUID)
			}
		}
		fmt.Fprintf(w, "      Rank:%s Targets:%s", rankLabel(p.Rank), targetList(p.TgtIDs))
		if verbose {
			dev := p.DevUUID
			if dev == "" {
				dev = "none (no NVMe space here)"
			}
			fmt.Fprintf(w, " Device:%s Blobs:[%s]", dev, strings.Join(p.Blobs, " "))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}
