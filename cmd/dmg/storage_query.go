package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/pretty"
)

// usageCaller is the client call `storage query usage` makes; the fan-out
// client has it.
type usageCaller interface {
	StorageUsage(ctx context.Context) []ctlclient.HostResult[*ctlpb.StorageUsageResp]
}

// usableNote is printed for -u: usable space is free space less what the
// engines' allocators cannot hand out (blobstore clusters, metadata, and
// with MD-on-SSD the mem-ratio share), and only the engines' pool service
// knows that.
const usableNote = "usable space cannot be computed yet: it needs each engine's per-device pool " +
	"allocation, which comes with the engines' pool service (not there yet); the free columns show raw free space"

func storageQueryCommand(g *globals) *cobra.Command {
	q := &cobra.Command{Use: "query", Short: "Query the servers' storage"}
	q.AddCommand(storageUsageCommand(g))
	q.AddCommand(listDevicesCommand(g), listPoolsCommand(g))
	return q
}

// usageTier is one tier in the JSON host storage map.
type usageTier struct {
	Tier       uint32   `json:"tier"`
	Class      string   `json:"class"`
	Roles      []string `json:"roles,omitempty"`
	Devices    []string `json:"devices"`
	TotalBytes uint64   `json:"total_bytes"`
	AvailBytes uint64   `json:"avail_bytes"`
	// AvailKnown is false when free space could not be worked out; Note
	// says why.
	AvailKnown bool   `json:"avail_known"`
	Note       string `json:"note,omitempty"`
	Error      string `json:"error,omitempty"`
}

type usageEngine struct {
	Index     uint32      `json:"engine_index"`
	Formatted bool        `json:"formatted"`
	UUID      string      `json:"uuid,omitempty"`
	Rank      *uint32     `json:"rank,omitempty"`
	MDOnSSD   bool        `json:"md_on_ssd"`
	Pools     *uint32     `json:"pools,omitempty"`
	SCM       *usageTier  `json:"scm,omitempty"`
	NVMe      []usageTier `json:"nvme"`
	Note      string      `json:"note,omitempty"`
	Error     string      `json:"error,omitempty"`
}

// hostUsage is a host set's storage: the totals the table shows and the
// engines they come from.
type hostUsage struct {
	ScmTotal  uint64        `json:"scm_total_bytes"`
	ScmFree   uint64        `json:"scm_avail_bytes"`
	NvmeTotal uint64        `json:"nvme_total_bytes"`
	NvmeFree  uint64        `json:"nvme_avail_bytes"`
	NvmeKnown bool          `json:"nvme_avail_known"`
	Engines   []usageEngine `json:"engines"`
}

type usageGroup struct {
	Hosts   string     `json:"hosts"`
	Storage *hostUsage `json:"storage"`
}

func storageUsageCommand(g *globals) *cobra.Command {
	var (
		showUsable bool
		memRatio   string
	)
	cmd := &cobra.Command{
		Use:   "usage",
		Short: "Show the total and free SCM and NVMe space of the servers",
		Long: `Usage shows, per host, the total, free and used space of the SCM and NVMe
tiers of its formatted engines, as each daos_server measures them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ratio, err := parseMemRatio(cmd.Flags().Changed("mem-ratio"), memRatio)
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			uc, ok := c.(usageCaller)
			if !ok {
				return errors.New("storage query usage: this client cannot ask for storage usage")
			}
			res := uc.StorageUsage(cmd.Context())
			groups, errs := collect(res, func(r *ctlpb.StorageUsageResp) string {
				b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(r)
				return string(b)
			})
			usageMap := map[string]usageGroup{}
			var sets []usageGroup
			var notes []string
			mdOnSSD := false
			for _, gr := range groups {
				set := groupHosts(gr.hosts)
				hu := hostUsageFromPB(gr.resp)
				for _, e := range hu.Engines {
					mdOnSSD = mdOnSSD || e.MDOnSSD
					for _, msg := range engineProblems(e) {
						errs[set+" "+msg] = hostError{Hosts: set, Error: msg}
					}
					notes = append(notes, engineNotes(set, e)...)
				}
				if gr.resp.Note != "" {
					notes = append(notes, set+": "+gr.resp.Note)
				}
				ug := usageGroup{Hosts: set, Storage: hu}
				usageMap[set] = ug
				sets = append(sets, ug)
			}
			if showUsable {
				notes = append(notes, usableNote)
			}
			if ratio != nil {
				switch {
				case !showUsable:
					notes = append(notes, "--mem-ratio only changes usable space (-u/--show-usable)")
				case !mdOnSSD:
					notes = append(notes, "--mem-ratio applies to MD-on-SSD engines (bdev_roles); none was found")
				}
			}
			resp := map[string]any{"host_errors": errs, "host_storage_map": usageMap}
			if len(notes) > 0 {
				resp["notes"] = notes
			}
			return output(cmd, g, resp, errs, func(w io.Writer) error {
				return printUsage(w, sets, notes)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&showUsable, "show-usable", "u", false, "show usable space (free space an allocation can actually use)")
	f.StringVar(&memRatio, "mem-ratio", "", "MD-on-SSD: the share of pool metadata held in memory, as a percentage 0-100 (e.g. 50%)")
	return cmd
}

// parseMemRatio reads a percentage in (0, 100], with or without "%".
func parseMemRatio(set bool, s string) (*float64, error) {
	if !set {
		return nil, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")), 64)
	if err != nil {
		return nil, fmt.Errorf("--mem-ratio %q: not a percentage (like 50 or 50%%)", s)
	}
	if !(v > 0 && v <= 100) {
		return nil, fmt.Errorf("--mem-ratio %q: must be greater than 0%% and at most 100%%", s)
	}
	return &v, nil
}

func tierFromPB(t *ctlpb.TierUsage) usageTier {
	return usageTier{Tier: t.Tier, Class: t.Class, Roles: t.Roles, Devices: t.Devices, TotalBytes: t.TotalBytes,
		AvailBytes: t.FreeBytes, AvailKnown: t.FreeKnown, Note: t.Note, Error: t.Error}
}

// hostUsageFromPB adds up a host's engines. Tiers that could not be
// measured add nothing; NVMe free space is known only when every NVMe
// tier's is.
func hostUsageFromPB(r *ctlpb.StorageUsageResp) *hostUsage {
	hu := &hostUsage{NvmeKnown: true, Engines: []usageEngine{}}
	for _, e := range r.Engines {
		ue := usageEngine{Index: e.Index, Formatted: e.Formatted, UUID: e.Uuid, MDOnSSD: e.MdOnSsd,
			Note: e.Note, Error: e.Error, NVMe: []usageTier{}}
		if e.HasRank {
			rank := e.Rank
			ue.Rank = &rank
		}
		if e.PoolsKnown {
			n := e.Pools
			ue.Pools = &n
		}
		if e.Scm != nil {
			t := tierFromPB(e.Scm)
			ue.SCM = &t
			if t.Error == "" {
				hu.ScmTotal += t.TotalBytes
				hu.ScmFree += t.AvailBytes
			}
		}
		for _, n := range e.Nvme {
			t := tierFromPB(n)
			ue.NVMe = append(ue.NVMe, t)
			if t.Error != "" {
				continue
			}
			hu.NvmeTotal += t.TotalBytes
			hu.NvmeFree += t.AvailBytes
			hu.NvmeKnown = hu.NvmeKnown && t.AvailKnown
		}
		hu.Engines = append(hu.Engines, ue)
	}
	return hu
}

// engineProblems are the engine's and its tiers' errors.
func engineProblems(e usageEngine) []string {
	var out []string
	if e.Error != "" {
		out = append(out, fmt.Sprintf("engine %d: %s", e.Index, e.Error))
	}
	tiers := e.NVMe
	if e.SCM != nil {
		tiers = append([]usageTier{*e.SCM}, tiers...)
	}
	for _, t := range tiers {
		if t.Error != "" {
			out = append(out, fmt.Sprintf("engine %d tier %d (%s): %s", e.Index, t.Tier, t.Class, t.Error))
		}
	}
	return out
}

// engineNotes are the remarks that explain the numbers.
func engineNotes(hosts string, e usageEngine) []string {
	var out []string
	if e.Note != "" {
		out = append(out, fmt.Sprintf("%s: engine %d: %s", hosts, e.Index, e.Note))
	}
	if e.SCM != nil && e.SCM.Note != "" {
		out = append(out, fmt.Sprintf("%s: engine %d SCM: %s", hosts, e.Index, e.SCM.Note))
	}
	for _, t := range e.NVMe {
		if t.Note != "" {
			out = append(out, fmt.Sprintf("%s: engine %d NVMe tier %d: %s", hosts, e.Index, t.Tier, t.Note))
		}
	}
	return out
}

// percentUsed is DAOS's "N %" used figure; "N/A" without a total.
func percentUsed(total, free uint64) string {
	if total == 0 {
		return "N/A"
	}
	used := total - min(free, total)
	return fmt.Sprintf("%d %%", used*100/total)
}

func printUsage(w io.Writer, sets []usageGroup, notes []string) error {
	var rows [][]string
	for _, s := range sets {
		u := s.Storage
		nvmeFree, nvmeUsed := pretty.Bytes(u.NvmeFree), percentUsed(u.NvmeTotal, u.NvmeFree)
		if !u.NvmeKnown {
			nvmeFree, nvmeUsed = "unknown", "N/A"
		}
		rows = append(rows, []string{s.Hosts,
			pretty.Bytes(u.ScmTotal), pretty.Bytes(u.ScmFree), percentUsed(u.ScmTotal, u.ScmFree),
			pretty.Bytes(u.NvmeTotal), nvmeFree, nvmeUsed})
	}
	if len(rows) > 0 {
		header := []string{"Hosts", "SCM-Total", "SCM-Free", "SCM-Used", "NVMe-Total", "NVMe-Free", "NVMe-Used"}
		if err := pretty.Table(w, "", header, rows); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "Notes:")
		for _, n := range notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
		fmt.Fprintln(w)
	}
	return nil
}
