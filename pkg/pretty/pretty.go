// Package pretty renders command results as the text tables DAOS tools
// print. It only formats; it never gathers data.
package pretty

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/daos-go/daos/pkg/hardware"
)

// banner writes a title underlined and overlined with dashes, indented.
func banner(w io.Writer, indent, title string) {
	line := strings.Repeat("-", len(title))
	fmt.Fprintf(w, "%s%s\n%s%s\n%s%s\n\n", indent, line, indent, title, indent, line)
}

// Table writes rows under a header, columns aligned, indented.
func Table(w io.Writer, indent string, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	under := make([]string, len(header))
	for i, h := range header {
		under[i] = strings.Repeat("-", len(h))
	}
	fmt.Fprintf(tw, "%s%s\t\n", indent, strings.Join(header, "\t"))
	fmt.Fprintf(tw, "%s%s\t\n", indent, strings.Join(under, "\t"))
	for _, r := range rows {
		fmt.Fprintf(tw, "%s%s\t\n", indent, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// NetworkScan prints a host's providers and interfaces grouped by NUMA node.
func NetworkScan(w io.Writer, host string, scan *hardware.NetworkScan) error {
	banner(w, "", host)
	if scan.ProviderError != "" {
		fmt.Fprintf(w, "    Providers unknown: %s\n\n", scan.ProviderError)
	}
	byNUMA := make(map[int]map[string][]string)
	for _, f := range scan.Fabric {
		if byNUMA[f.NUMANode] == nil {
			byNUMA[f.NUMANode] = make(map[string][]string)
		}
		byNUMA[f.NUMANode][f.Provider] = append(byNUMA[f.NUMANode][f.Provider], f.Device)
	}
	nodes := make([]int, 0, len(byNUMA))
	for n := range byNUMA {
		nodes = append(nodes, n)
	}
	sort.Ints(nodes)
	for _, n := range nodes {
		banner(w, "    ", fmt.Sprintf("NUMA Socket %d", n))
		var rows [][]string
		for _, p := range scan.Providers {
			if devs := byNUMA[n][p]; len(devs) > 0 {
				sort.Strings(devs)
				rows = append(rows, []string{p, strings.Join(devs, ", ")})
			}
		}
		if err := Table(w, "        ", []string{"Provider", "Interfaces"}, rows); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if len(scan.Fabric) == 0 && scan.ProviderError == "" {
		fmt.Fprintf(w, "    No fabric interfaces found.\n\n")
	}
	var rows [][]string
	for _, ni := range scan.Interfaces {
		state := "down"
		if ni.Up {
			state = "up"
		}
		rows = append(rows, []string{ni.Name, ni.Class, state, fmt.Sprint(ni.NUMANode),
			orDash(ni.RDMADevice), orDash(strings.Join(ni.Addrs, ", "))})
	}
	fmt.Fprintln(w, "    Network interfaces:")
	return Table(w, "        ", []string{"Interface", "Class", "State", "NUMA", "RDMA Device", "Addresses"}, rows)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
