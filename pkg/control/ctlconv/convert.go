// Package ctlconv converts between the hardware scan types of
// pkg/hardware and their protobuf forms in ctlpb, both ways, so that the
// server sends scans and dmg prints them (or generates a config from
// them) with the same code as the local daos_server commands.
package ctlconv

import (
	"errors"
	"strings"

	"github.com/daos-go/daos/pkg/control/confgen"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/hardware"
)

// SCMToPB converts an SCM scan; nil stays nil.
func SCMToPB(s *hardware.SCMScan) *ctlpb.ScmScan {
	if s == nil {
		return nil
	}
	out := &ctlpb.ScmScan{Supported: s.Supported}
	for _, r := range s.Regions {
		out.Regions = append(out.Regions, &ctlpb.ScmRegion{Id: r.ID, NumaNode: int32(r.NUMANode), Size: r.SizeBytes, Free: r.FreeBytes})
	}
	for _, n := range s.Namespaces {
		out.Namespaces = append(out.Namespaces, &ctlpb.ScmNamespace{Id: n.ID, Uuid: n.UUID, Mode: n.Mode,
			Blockdev: n.BlockDev, Dev: n.Dev, NumaNode: int32(n.NUMANode), Size: n.SizeBytes})
	}
	return out
}

// SCMFromPB is SCMToPB's inverse.
func SCMFromPB(s *ctlpb.ScmScan) *hardware.SCMScan {
	if s == nil {
		return nil
	}
	out := &hardware.SCMScan{Supported: s.Supported, Regions: []hardware.SCMRegion{}, Namespaces: []hardware.SCMNamespace{}}
	for _, r := range s.Regions {
		out.Regions = append(out.Regions, hardware.SCMRegion{ID: r.Id, NUMANode: int(r.NumaNode), SizeBytes: r.Size, FreeBytes: r.Free})
	}
	for _, n := range s.Namespaces {
		out.Namespaces = append(out.Namespaces, hardware.SCMNamespace{ID: n.Id, UUID: n.Uuid, Mode: n.Mode,
			BlockDev: n.Blockdev, Dev: n.Dev, NUMANode: int(n.NumaNode), SizeBytes: n.Size})
	}
	return out
}

// NVMeToPB converts an NVMe scan; nil stays nil.
func NVMeToPB(s *hardware.NVMeScan) *ctlpb.NvmeScan {
	if s == nil {
		return nil
	}
	out := &ctlpb.NvmeScan{}
	for _, c := range s.Controllers {
		pc := &ctlpb.NvmeController{PciAddr: c.PCIAddr, Model: c.Model, Serial: c.Serial, FwRev: c.FwRev,
			VendorId: c.VendorID, Vendor: c.Vendor, SocketId: int32(c.SocketID), Driver: c.Driver}
		for _, ns := range c.Namespaces {
			pc.Namespaces = append(pc.Namespaces, &ctlpb.NvmeNamespace{Id: int32(ns.ID), Size: ns.SizeBytes, Blockdev: ns.BlockDev})
		}
		out.Controllers = append(out.Controllers, pc)
	}
	for _, d := range s.BlockDevices {
		out.BlockDevices = append(out.BlockDevices, &ctlpb.BlockDevice{Name: d.Name, Path: d.Path, Size: d.SizeBytes,
			Type: d.Type, Controller: d.Controller, NumaNode: int32(d.NUMANode), Model: d.Model, Serial: d.Serial,
			Removable: d.Removable, MountPoints: d.MountPoints})
	}
	return out
}

// NVMeFromPB is NVMeToPB's inverse.
func NVMeFromPB(s *ctlpb.NvmeScan) *hardware.NVMeScan {
	if s == nil {
		return nil
	}
	out := &hardware.NVMeScan{Controllers: []hardware.NVMeController{}, BlockDevices: []hardware.BlockDevice{}}
	for _, c := range s.Controllers {
		hc := hardware.NVMeController{PCIAddr: c.PciAddr, Model: c.Model, Serial: c.Serial, FwRev: c.FwRev,
			VendorID: c.VendorId, Vendor: c.Vendor, SocketID: int(c.SocketId), Driver: c.Driver,
			Namespaces: []hardware.NVMeNamespace{}}
		for _, ns := range c.Namespaces {
			hc.Namespaces = append(hc.Namespaces, hardware.NVMeNamespace{ID: int(ns.Id), SizeBytes: ns.Size, BlockDev: ns.Blockdev})
		}
		out.Controllers = append(out.Controllers, hc)
	}
	for _, d := range s.BlockDevices {
		mounts := d.MountPoints
		if mounts == nil {
			mounts = []string{}
		}
		out.BlockDevices = append(out.BlockDevices, hardware.BlockDevice{Name: d.Name, Path: d.Path, SizeBytes: d.Size,
			Type: d.Type, Controller: d.Controller, NUMANode: int(d.NumaNode), Model: d.Model, Serial: d.Serial,
			Removable: d.Removable, MountPoints: mounts})
	}
	return out
}

// NetworkToPB converts a network scan.
func NetworkToPB(s *hardware.NetworkScan) *ctlpb.NetworkScanResp {
	out := &ctlpb.NetworkScanResp{Providers: s.Providers, ProviderError: s.ProviderError, NumaCount: int32(s.NUMACount)}
	for _, i := range s.Interfaces {
		out.Interfaces = append(out.Interfaces, &ctlpb.NetInterface{Name: i.Name, Class: i.Class, Up: i.Up,
			Mtu: int32(i.MTU), Addrs: i.Addrs, NumaNode: int32(i.NUMANode), RdmaDevice: i.RDMADevice})
	}
	for _, f := range s.Fabric {
		out.Fabric = append(out.Fabric, &ctlpb.FabricInterface{Provider: f.Provider, Device: f.Device,
			NumaNode: int32(f.NUMANode), Priority: int32(f.Priority)})
	}
	return out
}

// NetworkFromPB is NetworkToPB's inverse.
func NetworkFromPB(s *ctlpb.NetworkScanResp) *hardware.NetworkScan {
	out := &hardware.NetworkScan{Interfaces: []hardware.NetInterface{}, Fabric: []hardware.FabricInterface{},
		Providers: s.Providers, ProviderError: s.ProviderError, NUMACount: int(s.NumaCount)}
	if out.Providers == nil {
		out.Providers = []string{}
	}
	for _, i := range s.Interfaces {
		addrs := i.Addrs
		if addrs == nil {
			addrs = []string{}
		}
		out.Interfaces = append(out.Interfaces, hardware.NetInterface{Name: i.Name, Class: i.Class, Up: i.Up,
			MTU: int(i.Mtu), Addrs: addrs, NUMANode: int(i.NumaNode), RDMADevice: i.RdmaDevice})
	}
	for _, f := range s.Fabric {
		out.Fabric = append(out.Fabric, hardware.FabricInterface{Provider: f.Provider, Device: f.Device,
			NUMANode: int(f.NumaNode), Priority: int(f.Priority)})
	}
	return out
}

// TopologyToPB converts a topology scan; nil stays nil.
func TopologyToPB(t *hardware.Topology) *ctlpb.TopologyScanResp {
	if t == nil {
		return nil
	}
	out := &ctlpb.TopologyScanResp{MemTotalBytes: t.MemTotalBytes, HugepagesBytes: t.HugepagesBytes}
	for _, n := range t.NUMANodes {
		out.NumaNodes = append(out.NumaNodes, &ctlpb.NumaNode{Id: int32(n.ID), Cores: int32(n.Cores),
			Threads: int32(n.Threads), MemBytes: n.MemBytes})
	}
	return out
}

// TopologyFromPB is TopologyToPB's inverse.
func TopologyFromPB(t *ctlpb.TopologyScanResp) *hardware.Topology {
	if t == nil {
		return nil
	}
	out := &hardware.Topology{NUMANodes: []hardware.NUMANode{}, MemTotalBytes: t.MemTotalBytes, HugepagesBytes: t.HugepagesBytes}
	for _, n := range t.NumaNodes {
		out.NUMANodes = append(out.NUMANodes, hardware.NUMANode{ID: int(n.Id), Cores: int(n.Cores),
			Threads: int(n.Threads), MemBytes: n.MemBytes})
	}
	return out
}

// InventoryFromPB assembles what config generation needs from one host's
// three scan replies. It fails when the host said half of its storage
// scan failed: a config proposed without that half would silently leave
// the devices out.
func InventoryFromPB(net *ctlpb.NetworkScanResp, st *ctlpb.StorageScanResp, topo *ctlpb.TopologyScanResp) (confgen.Inventory, error) {
	var inv confgen.Inventory
	if st != nil {
		var failed []string
		for _, e := range []string{st.ScmError, st.NvmeError} {
			if e != "" {
				failed = append(failed, e)
			}
		}
		if len(failed) > 0 {
			return inv, errors.New(strings.Join(failed, "; "))
		}
		inv.SCM, inv.NVMe = SCMFromPB(st.Scm), NVMeFromPB(st.Nvme)
	}
	if net != nil {
		inv.Network = NetworkFromPB(net)
	}
	inv.Topology = TopologyFromPB(topo)
	return inv, nil
}
