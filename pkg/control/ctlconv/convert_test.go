package ctlconv

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/confgen"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/hardware"
)

func TestRoundTrip(t *testing.T) {
	scm := &hardware.SCMScan{Supported: true,
		Regions:    []hardware.SCMRegion{{ID: "region0", NUMANode: 1, SizeBytes: 10, FreeBytes: 5}},
		Namespaces: []hardware.SCMNamespace{{ID: "namespace0.0", UUID: "u", Mode: "fsdax", BlockDev: "pmem0", Dev: "/dev/pmem0", SizeBytes: 8}}}
	require.Equal(t, scm, SCMFromPB(SCMToPB(scm)))

	nvme := &hardware.NVMeScan{
		Controllers: []hardware.NVMeController{{PCIAddr: "0000:01:00.0", Model: "m", Serial: "s", FwRev: "f",
			VendorID: "0x8086", Vendor: "Intel", SocketID: 1, Driver: "nvme",
			Namespaces: []hardware.NVMeNamespace{{ID: 1, SizeBytes: 1 << 40, BlockDev: "nvme0n1"}}}},
		BlockDevices: []hardware.BlockDevice{{Name: "vda", Path: "/dev/vda", SizeBytes: 1 << 30, Type: "HDD",
			Controller: "virtio", MountPoints: []string{"/"}}},
	}
	require.Equal(t, nvme, NVMeFromPB(NVMeToPB(nvme)))

	net := &hardware.NetworkScan{
		Interfaces: []hardware.NetInterface{{Name: "lo", Class: "loopback", Up: true, MTU: 65536, Addrs: []string{"127.0.0.1/8"}}},
		Fabric:     []hardware.FabricInterface{{Provider: "ofi+tcp", Device: "lo"}},
		Providers:  []string{"ofi+tcp"}, NUMACount: 1,
	}
	require.Equal(t, net, NetworkFromPB(NetworkToPB(net)))
	require.Nil(t, SCMToPB(nil))
	require.Nil(t, NVMeFromPB(nil))
}

func TestTopologyRoundTrip(t *testing.T) {
	topo := &hardware.Topology{NUMANodes: []hardware.NUMANode{{ID: 0, Cores: 8, Threads: 16, MemBytes: 1 << 34},
		{ID: 1, Cores: 8, Threads: 16, MemBytes: 1 << 34}}, MemTotalBytes: 1 << 35, HugepagesBytes: 1 << 30}
	require.Equal(t, topo, TopologyFromPB(TopologyToPB(topo)))
	require.Nil(t, TopologyToPB(nil))
	require.Nil(t, TopologyFromPB(nil))
}

func TestInventoryFromPB(t *testing.T) {
	net := &hardware.NetworkScan{Interfaces: []hardware.NetInterface{{Name: "eth0", Class: "ether", Up: true, Addrs: []string{}}},
		Fabric: []hardware.FabricInterface{}, Providers: []string{}}
	scm := &hardware.SCMScan{Supported: true, Regions: []hardware.SCMRegion{},
		Namespaces: []hardware.SCMNamespace{{ID: "namespace0.0", Mode: "fsdax", BlockDev: "pmem0", Dev: "/dev/pmem0"}}}
	nvme := &hardware.NVMeScan{Controllers: []hardware.NVMeController{{PCIAddr: "0000:81:00.0", SocketID: 1,
		Namespaces: []hardware.NVMeNamespace{}}}, BlockDevices: []hardware.BlockDevice{}}
	topo := &hardware.Topology{NUMANodes: []hardware.NUMANode{{ID: 0, Cores: 4}}, MemTotalBytes: 1 << 34}
	storage := &ctlpb.StorageScanResp{Scm: SCMToPB(scm), Nvme: NVMeToPB(nvme)}

	inv, err := InventoryFromPB(NetworkToPB(net), storage, TopologyToPB(topo))
	require.NoError(t, err)
	require.Equal(t, confgen.Inventory{Topology: topo, Network: net, SCM: scm, NVMe: nvme}, inv)

	// A host whose scan failed in part gives no inventory: a config
	// without those devices would be wrong.
	storage.NvmeError = "scan NVMe: no PCI bus"
	_, err = InventoryFromPB(NetworkToPB(net), storage, TopologyToPB(topo))
	require.EqualError(t, err, "scan NVMe: no PCI bus")

	inv, err = InventoryFromPB(nil, nil, nil)
	require.NoError(t, err)
	require.Equal(t, confgen.Inventory{}, inv, "missing replies stay missing; Generate says what it lacks")
}
