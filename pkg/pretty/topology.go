package pretty

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/daos-go/daos/pkg/hardware"
)

// Topology prints a host's NUMA nodes, each with its CPUs and the PCI
// functions, network interfaces and disks attached to it.
func Topology(w io.Writer, t *hardware.HostTopology) error {
	banner(w, "", t.Host)
	fmt.Fprintf(w, "Memory: %s", Bytes(t.MemTotalBytes))
	if t.HugepagesBytes > 0 {
		fmt.Fprintf(w, " (%s in hugepages)", Bytes(t.HugepagesBytes))
	}
	fmt.Fprintf(w, "\nNUMA nodes: %d\n\n", len(t.Nodes))
	providers := map[string][]string{}
	for _, f := range t.Fabric {
		providers[f.Device] = append(providers[f.Device], f.Provider)
	}
	for _, n := range t.Nodes {
		fmt.Fprintf(w, "NUMA node %d: %d cores, %d threads, CPUs %s, memory %s\n",
			n.ID, n.Cores, n.Threads, orDash(CPUList(n.CPUs)), Bytes(n.MemBytes))
		if err := nodeDevices(w, n, providers); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	for _, e := range t.Errors {
		fmt.Fprintf(w, "Not scanned: %s\n", e)
	}
	return nil
}

func nodeDevices(w io.Writer, n hardware.NodeDevices, providers map[string][]string) error {
	const indent = "        "
	if len(n.PCIDevices) > 0 {
		var rows [][]string
		for _, d := range n.PCIDevices {
			rows = append(rows, []string{d.Address, d.ClassID + d.SubclassID + d.ProgIF,
				orDash(firstOf(d.Vendor, d.VendorID)), orDash(firstOf(d.Product, d.DeviceID)), orDash(d.Driver)})
		}
		fmt.Fprintln(w, "    PCI devices:")
		if err := Table(w, indent, []string{"Address", "Class", "Vendor", "Product", "Driver"}, rows); err != nil {
			return err
		}
	}
	if len(n.Interfaces) > 0 {
		var rows [][]string
		for _, ni := range n.Interfaces {
			state := "down"
			if ni.Up {
				state = "up"
			}
			rows = append(rows, []string{ni.Name, ni.Class, state, orDash(ni.RDMADevice),
				orDash(strings.Join(providers[ni.Name], ", ")), orDash(strings.Join(ni.Addrs, ", "))})
		}
		fmt.Fprintln(w, "    Network interfaces:")
		if err := Table(w, indent, []string{"Interface", "Class", "State", "RDMA Device", "Providers", "Addresses"}, rows); err != nil {
			return err
		}
	}
	if len(n.BlockDevices) > 0 {
		var rows [][]string
		for _, d := range n.BlockDevices {
			rows = append(rows, []string{d.Name, Bytes(d.SizeBytes), orDash(d.Type), orDash(d.Controller),
				orDash(strings.Join(d.MountPoints, ", "))})
		}
		fmt.Fprintln(w, "    Block devices:")
		if err := Table(w, indent, []string{"Device", "Size", "Type", "Controller", "Mounted on"}, rows); err != nil {
			return err
		}
	}
	return nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// CPUList writes CPU IDs as ranges, as the kernel's cpulist files do:
// "0-3,8,10-11".
func CPUList(cpus []int) string {
	ids := append([]int(nil), cpus...)
	sort.Ints(ids)
	var parts []string
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] <= ids[j]+1 {
			j++
		}
		if ids[j] == ids[i] {
			parts = append(parts, strconv.Itoa(ids[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", ids[i], ids[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
