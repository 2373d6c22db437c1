package ctlconv

import (
	"testing"

	"github.com/stretchr/testify/require"

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
