package confgen

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/daos-go/daos/pkg/control/hostlist"
)

// HostInventory is one host's inventory, as dmg gathers them.
type HostInventory struct {
	Host string
	Inventory
}

// aspect is one part of the hardware Generate reads, written for the
// admin: its value says what a host has.
type aspect struct {
	name, value string
}

// signature lists what Generate reads of inv under opts. Hosts with equal
// signatures get the same config, whatever else differs (IP addresses,
// serial numbers, unused interfaces). Memory is left out: it is merged
// by Common instead, since identical machines differ in MemTotal by a few
// MiB.
func signature(inv Inventory, opts Options) []aspect {
	class := opts.NetClass
	if class == "" {
		class = NetClassInfiniband
	}
	var out []aspect
	ifaces := map[string]bool{}
	var names []string
	if inv.Network != nil {
		for _, ni := range inv.Network.Interfaces {
			if ni.Up && ni.Class == classOf[class] {
				ifaces[ni.Name] = true
				names = append(names, fmt.Sprintf("%s (NUMA %d)", ni.Name, ni.NUMANode))
			}
		}
	}
	out = append(out, aspect{"up " + class + " interfaces", list(names)})
	if opts.Provider == "" {
		var fabric []string
		if inv.Network != nil {
			for _, f := range inv.Network.Fabric {
				if p := configProvider(f.Provider); ifaces[f.Device] && !skip(p) {
					fabric = append(fabric, fmt.Sprintf("%s on %s (priority %d)", p, f.Device, f.Priority))
				}
			}
		}
		out = append(out, aspect{"fabric providers", list(fabric)})
	}
	if !opts.UseTmpfsSCM && opts.ControlMetadataPath == "" {
		var pmem []string
		if inv.SCM != nil {
			for _, ns := range inv.SCM.Namespaces {
				if ns.Mode == "fsdax" && ns.BlockDev != "" {
					pmem = append(pmem, fmt.Sprintf("%s (NUMA %d)", ns.Dev, ns.NUMANode))
				}
			}
		}
		out = append(out, aspect{"PMem namespaces", list(pmem)})
	}
	if !opts.SCMOnly {
		var ssds []string
		if inv.NVMe != nil {
			for _, c := range inv.NVMe.Controllers {
				ssds = append(ssds, fmt.Sprintf("%s (NUMA %d)", c.PCIAddr, c.SocketID))
			}
		}
		out = append(out, aspect{"NVMe SSDs", list(ssds)})
	}
	var cores []string
	if inv.Topology != nil {
		for _, n := range inv.Topology.NUMANodes {
			cores = append(cores, fmt.Sprintf("node %d: %d", n.ID, n.Cores))
		}
	}
	return append(out, aspect{"cores per NUMA node", list(cores)})
}

// list sorts and joins a signature's items.
func list(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	sort.Strings(items)
	return strings.Join(items, ", ")
}

// Common returns the one inventory to generate a config from for all the
// hosts. They must have the same hardware wherever Generate looks, or the
// error names each group of alike hosts and what it has where they
// differ. Of the memory, the smallest total and the largest hugepage
// reservation are taken, so that RAM disks sized from them fit on every
// host; a note says so when the hosts differ. hosts are not modified.
func Common(hosts []HostInventory, opts Options) (Inventory, []string, error) {
	if len(hosts) == 0 {
		return Inventory{}, nil, errors.New("generate config: no hosts to generate a config for")
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, h := range hosts {
		sig := signature(h.Inventory, opts)
		var key strings.Builder
		for _, a := range sig {
			key.WriteString(a.name + "=" + a.value + "\n")
		}
		g := byKey[key.String()]
		if g == nil {
			g = &group{sig: sig}
			byKey[key.String()] = g
			groups = append(groups, g)
		}
		g.hosts = append(g.hosts, h.Host)
	}
	if len(groups) > 1 {
		return Inventory{}, nil, differs(groups)
	}
	inv, note := mergeMemory(hosts)
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	return inv, notes, nil
}

// group is hosts with the same signature, in the order they came.
type group struct {
	hosts []string
	sig   []aspect
}

// differs describes groups of hosts whose signatures differ, showing only
// the aspects that are not the same in every group. (Signatures made
// with the same options have the same aspects in the same order.)
func differs(groups []*group) error {
	first := groups[0].sig
	differ := make([]bool, len(first))
	var names []string
	for i, a := range first {
		for _, g := range groups[1:] {
			if g.sig[i].value != a.value {
				differ[i] = true
			}
		}
		if differ[i] {
			names = append(names, a.name)
		}
	}
	var parts []string
	for _, g := range groups {
		var shown []string
		for i, a := range g.sig {
			if differ[i] {
				shown = append(shown, fmt.Sprintf("%s [%s]", a.name, a.value))
			}
		}
		parts = append(parts, hostlist.Compress(g.hosts)+": "+strings.Join(shown, ", "))
	}
	return fmt.Errorf("generate config: the hosts' hardware differs (%s), and one config fits only hosts that are alike: %s; "+
		"generate a config for each group of hosts (-l)", strings.Join(names, ", "), strings.Join(parts, "; "))
}

// mergeMemory copies the first host's inventory with the smallest memory
// total and the largest hugepage reservation of all hosts.
func mergeMemory(hosts []HostInventory) (Inventory, string) {
	inv := hosts[0].Inventory
	if inv.Topology == nil {
		return inv, ""
	}
	topo := *inv.Topology
	lo, hi := hosts[0], hosts[0]
	for _, h := range hosts[1:] {
		t := h.Topology
		if t == nil {
			continue
		}
		if t.MemTotalBytes < lo.Topology.MemTotalBytes {
			lo = h
		}
		if t.MemTotalBytes > hi.Topology.MemTotalBytes {
			hi = h
		}
		topo.HugepagesBytes = max(topo.HugepagesBytes, t.HugepagesBytes)
	}
	topo.MemTotalBytes = lo.Topology.MemTotalBytes
	inv.Topology = &topo
	if lo.Topology.MemTotalBytes == hi.Topology.MemTotalBytes {
		return inv, ""
	}
	return inv, fmt.Sprintf("the hosts' memory differs (%d MiB on %s to %d MiB on %s): RAM-disk SCM is sized for the smallest",
		lo.Topology.MemTotalBytes>>20, lo.Host, hi.Topology.MemTotalBytes>>20, hi.Host)
}
