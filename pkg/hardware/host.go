package hardware

import (
	"context"
	"fmt"
	"sort"
)

// NodeDevices is one NUMA node with the devices attached to it.
type NodeDevices struct {
	NUMANode
	PCIDevices   []PCIDevice    `json:"pci_devices"`
	Interfaces   []NetInterface `json:"net_interfaces"`
	BlockDevices []BlockDevice  `json:"block_devices"`
}

// HostTopology is what dump-topology shows: the NUMA nodes and, on each,
// the PCI functions, network interfaces and disks the scanners placed
// there, plus the fabric providers found on those interfaces.
type HostTopology struct {
	Host           string            `json:"host"`
	MemTotalBytes  uint64            `json:"mem_total"`
	HugepagesBytes uint64            `json:"hugepages_total"`
	Nodes          []NodeDevices     `json:"numa_nodes"`
	Fabric         []FabricInterface `json:"fabric_interfaces"`
	// Errors name the sources that could not be read; the rest is still
	// reported, since a partial picture is what an admin debugging a
	// host needs.
	Errors []string `json:"errors,omitempty"`
}

// HostScanners are the scanners a topology dump combines; it adds no
// discovery of its own.
type HostScanners struct {
	Topology TopologyScanner
	Network  NetworkScanner
	Storage  StorageScanner
}

// ScanHost reads the topology and places every device on its NUMA node.
// Only a failed CPU/memory scan is an error; other sources that fail are
// listed in Errors. A device on a node the topology does not list (a
// kernel reporting affinity ghw missed) gets a node entry of its own.
func (s HostScanners) ScanHost(ctx context.Context, host string) (*HostTopology, error) {
	topo, err := s.Topology.Scan(ctx)
	if err != nil {
		return nil, err
	}
	out := &HostTopology{Host: host, MemTotalBytes: topo.MemTotalBytes, HugepagesBytes: topo.HugepagesBytes,
		Fabric: []FabricInterface{}}
	index := map[int]int{}
	node := func(id int) *NodeDevices {
		i, ok := index[id]
		if !ok {
			i = len(out.Nodes)
			index[id] = i
			out.Nodes = append(out.Nodes, NodeDevices{NUMANode: NUMANode{ID: id, CPUs: []int{}},
				PCIDevices: []PCIDevice{}, Interfaces: []NetInterface{}, BlockDevices: []BlockDevice{}})
		}
		return &out.Nodes[i]
	}
	for _, n := range topo.NUMANodes {
		nd := node(n.ID)
		nd.NUMANode = n
		if nd.CPUs == nil {
			nd.CPUs = []int{}
		}
	}
	if s.Storage.PCIDevices != nil {
		if pci, err := s.Storage.PCIDevices(); err != nil {
			out.Errors = append(out.Errors, fmt.Sprintf("PCI devices: %v", err))
		} else {
			sort.Slice(pci, func(i, j int) bool { return pci[i].Address < pci[j].Address })
			for _, d := range pci {
				nd := node(d.NUMANode)
				nd.PCIDevices = append(nd.PCIDevices, d)
			}
		}
	}
	if s.Storage.BlockDevices != nil && s.Storage.PCIDevices != nil {
		if nv, err := s.Storage.ScanNVMe(ctx); err != nil {
			out.Errors = append(out.Errors, err.Error())
		} else {
			for _, d := range nv.BlockDevices {
				nd := node(d.NUMANode)
				nd.BlockDevices = append(nd.BlockDevices, d)
			}
		}
	}
	if s.Network.Links != nil {
		if ns, err := s.Network.Scan(ctx, "all"); err != nil {
			out.Errors = append(out.Errors, err.Error())
		} else {
			for _, ni := range ns.Interfaces {
				nd := node(ni.NUMANode)
				nd.Interfaces = append(nd.Interfaces, ni)
			}
			out.Fabric = ns.Fabric
			if ns.ProviderError != "" {
				out.Errors = append(out.Errors, "fabric providers: "+ns.ProviderError)
			}
		}
	}
	sort.Slice(out.Nodes, func(i, j int) bool { return out.Nodes[i].ID < out.Nodes[j].ID })
	return out, nil
}
