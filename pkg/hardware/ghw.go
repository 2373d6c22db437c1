package hardware

import (
	"fmt"
	"sort"

	"github.com/jaypipes/ghw"
)

// pciDevices lists PCI functions with ghw, which names vendors and
// products from the pci.ids database (Debian package pci.ids). ghw fails
// when that database is missing; then the IDs are read from sysfs alone.
func pciDevices(sysfsRoot string) func() ([]PCIDevice, error) {
	return func() ([]PCIDevice, error) {
		devs, err := ghwPCIDevices()
		if err != nil {
			return sysfsPCIDevices(sysfsRoot)
		}
		return devs, nil
	}
}

func ghwPCIDevices() ([]PCIDevice, error) {
	info, err := ghw.PCI(ghw.WithDisableWarnings())
	if err != nil {
		return nil, fmt.Errorf("ghw PCI: %w", err)
	}
	out := make([]PCIDevice, 0, len(info.Devices))
	for _, d := range info.Devices {
		pd := PCIDevice{Address: d.Address, Driver: d.Driver}
		if d.Node != nil {
			pd.NUMANode = max(d.Node.ID, 0)
		}
		if d.Class != nil {
			pd.ClassID = d.Class.ID
		}
		if d.Subclass != nil {
			pd.SubclassID = d.Subclass.ID
		}
		if d.ProgrammingInterface != nil {
			pd.ProgIF = d.ProgrammingInterface.ID
		}
		if d.Vendor != nil {
			pd.VendorID, pd.Vendor = d.Vendor.ID, known(d.Vendor.Name)
		}
		if d.Product != nil {
			pd.DeviceID, pd.Product = d.Product.ID, known(d.Product.Name)
		}
		out = append(out, pd)
	}
	return out, nil
}

// ghwBlockDevices lists disks with ghw.
func ghwBlockDevices() ([]BlockDevice, error) {
	info, err := ghw.Block(ghw.WithDisableWarnings())
	if err != nil {
		return nil, fmt.Errorf("ghw block: %w", err)
	}
	out := make([]BlockDevice, 0, len(info.Disks))
	for _, d := range info.Disks {
		out = append(out, BlockDevice{
			Name:       d.Name,
			SizeBytes:  d.SizeBytes,
			Type:       d.DriveType.String(),
			Controller: d.StorageController.String(),
			NUMANode:   max(d.NUMANodeID, 0),
			Model:      known(d.Model),
			Serial:     known(d.SerialNumber),
			Removable:  d.IsRemovable,
		})
	}
	return out, nil
}

// ghwTopology lists NUMA nodes with their core counts.
func ghwTopology() ([]NUMANode, error) {
	info, err := ghw.Topology(ghw.WithDisableWarnings())
	if err != nil {
		return nil, fmt.Errorf("ghw topology: %w", err)
	}
	out := make([]NUMANode, 0, len(info.Nodes))
	for _, n := range info.Nodes {
		node := NUMANode{ID: n.ID, Cores: len(n.Cores)}
		for _, c := range n.Cores {
			node.Threads += len(c.LogicalProcessors)
			node.CPUs = append(node.CPUs, c.LogicalProcessors...)
		}
		sort.Ints(node.CPUs)
		if n.Memory != nil && n.Memory.TotalUsableBytes > 0 {
			node.MemBytes = uint64(n.Memory.TotalUsableBytes)
		}
		out = append(out, node)
	}
	return out, nil
}

// known turns ghw's "unknown" placeholder into an empty string.
func known(s string) string {
	if s == "unknown" {
		return ""
	}
	return s
}
