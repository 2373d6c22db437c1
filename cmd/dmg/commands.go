package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ctlconv"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/hardware"
	"github.com/daos-go/daos/pkg/pretty"
)

// hostsFailed is the command's error when some hosts failed; their errors
// are printed (text) or listed in the message (JSON).
func hostsFailed(errs map[string]hostError) error {
	if len(errs) == 0 {
		return nil
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+": "+errs[k].Error)
	}
	return errors.New("some hosts failed: " + strings.Join(parts, "; "))
}

// output prints a fan-out result: JSON with host_errors, or text followed
// by the error table.
func output(cmd *cobra.Command, g *globals, resp any, errs map[string]hostError, text func(io.Writer) error) error {
	failed := hostsFailed(errs)
	if g.json {
		if failed != nil {
			// The envelope carries what the others answered and the error.
			return cmdutil.WithResponse(resp, failed)
		}
		return cmdutil.WriteJSON(cmd.OutOrStdout(), resp, nil)
	}
	w := cmd.OutOrStdout()
	if err := text(w); err != nil {
		return err
	}
	if err := pretty.HostErrors(w, errorTexts(errs)); err != nil {
		return err
	}
	return failed
}

type storageGroup struct {
	Hosts   string                `json:"hosts"`
	Storage *hardware.StorageScan `json:"storage"`
}

func storageScanCommand(g *globals) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Scan SCM and NVMe storage on the servers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			res := c.StorageScan(cmd.Context())
			groups, errs := collect(res, func(r *ctlpb.StorageScanResp) string {
				b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(r)
				return string(b)
			})
			storageMap := map[string]storageGroup{}
			var scans []storageGroup
			for _, gr := range groups {
				set := groupHosts(gr.hosts)
				sg := storageGroup{Hosts: set, Storage: &hardware.StorageScan{Host: set,
					SCM: ctlconv.SCMFromPB(gr.resp.Scm), NVMe: ctlconv.NVMeFromPB(gr.resp.Nvme)}}
				storageMap[set] = sg
				scans = append(scans, sg)
				for _, e := range []string{gr.resp.ScmError, gr.resp.NvmeError} {
					if e != "" {
						errs[set+" "+e] = hostError{Hosts: set, Error: e}
					}
				}
			}
			resp := map[string]any{"host_errors": errs, "host_storage_map": storageMap}
			return output(cmd, g, resp, errs, func(w io.Writer) error {
				if verbose {
					for _, s := range scans {
						if err := pretty.StorageScan(w, s.Storage); err != nil {
							return err
						}
						fmt.Fprintln(w)
					}
					return nil
				}
				var rows [][]string
				for _, s := range scans {
					rows = append(rows, []string{s.Hosts, scmTotal(s.Storage.SCM), nvmeTotal(s.Storage.NVMe)})
				}
				if len(rows) == 0 {
					return nil
				}
				err := pretty.Table(w, "", []string{"Hosts", "SCM Total", "NVMe Total"}, rows)
				fmt.Fprintln(w)
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every device")
	return cmd
}

func scmTotal(s *hardware.SCMScan) string {
	if s == nil {
		return "-"
	}
	var total uint64
	for _, ns := range s.Namespaces {
		total += ns.SizeBytes
	}
	return fmt.Sprintf("%s (%d namespaces)", pretty.Bytes(total), len(s.Namespaces))
}

func nvmeTotal(s *hardware.NVMeScan) string {
	if s == nil {
		return "-"
	}
	var total uint64
	for _, c := range s.Controllers {
		for _, ns := range c.Namespaces {
			total += ns.SizeBytes
		}
	}
	return fmt.Sprintf("%s (%d controllers)", pretty.Bytes(total), len(s.Controllers))
}

type formatEngine struct {
	Index  uint32 `json:"engine_index"`
	UUID   string `json:"uuid"`
	Status int32  `json:"status"`
	Error  string `json:"error,omitempty"`
}

type hostFormat struct {
	Addr    string         `json:"addr"`
	Engines []formatEngine `json:"engines"`
}

func storageFormatCommand(g *globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "format",
		Short: "Format the servers' engine storage and start the engines",
		Long: `Format formats the SCM and NVMe of every engine of every host in the host
list, writes each engine's superblock and starts the engines. Storage that
is already formatted is refused unless --force, which stops running engines
and reformats them (their data is lost).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			res := c.StorageFormat(cmd.Context(), force)
			var hosts []hostFormat
			_, errs := collect(res, func(*ctlpb.StorageFormatResp) string { return "" })
			var rows [][]string
			for _, r := range res {
				if r.Err != nil {
					continue
				}
				hf := hostFormat{Addr: r.Host, Engines: []formatEngine{}}
				for _, e := range r.Resp.Engines {
					hf.Engines = append(hf.Engines, formatEngine{Index: e.Index, UUID: e.Uuid, Status: e.Status, Error: e.Error})
					if e.Status != 0 {
						msg := fmt.Sprintf("engine %d: %s", e.Index, e.Error)
						errs[r.Host+" "+msg] = hostError{Hosts: r.Host, Error: msg}
						continue
					}
					rows = append(rows, []string{r.Host, fmt.Sprint(e.Index), e.Uuid})
				}
				hosts = append(hosts, hf)
			}
			resp := map[string]any{"host_errors": errs, "host_format": hosts}
			return output(cmd, g, resp, errs, func(w io.Writer) error {
				if len(rows) == 0 {
					return nil
				}
				fmt.Fprintln(w, "Format Summary:")
				err := pretty.Table(w, "  ", []string{"Host", "Engine", "UUID"}, rows)
				fmt.Fprintln(w)
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "reformat formatted storage, stopping running engines")
	return cmd
}

func networkScanCommand(g *globals) *cobra.Command {
	var provider string
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "List the servers' network interfaces and fabric providers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if provider != "all" {
				if _, err := fabric.ParseProvider(provider); err != nil {
					return fmt.Errorf("--provider: %w", err)
				}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			res := c.NetworkScan(cmd.Context(), provider)
			groups, errs := collect(res, func(r *ctlpb.NetworkScanResp) string {
				b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(r)
				return string(b)
			})
			netMap := map[string]*hardware.NetworkScan{}
			type set struct {
				hosts string
				scan  *hardware.NetworkScan
			}
			var sets []set
			for _, gr := range groups {
				h := groupHosts(gr.hosts)
				s := ctlconv.NetworkFromPB(gr.resp)
				netMap[h] = s
				sets = append(sets, set{h, s})
			}
			resp := map[string]any{"host_errors": errs, "host_fabric_map": netMap}
			return output(cmd, g, resp, errs, func(w io.Writer) error {
				for _, s := range sets {
					if err := pretty.NetworkScan(w, s.hosts, s.scan); err != nil {
						return err
					}
					fmt.Fprintln(w)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&provider, "provider", "p", "all", `only list this provider ("ofi+tcp", ...) or "all"`)
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
