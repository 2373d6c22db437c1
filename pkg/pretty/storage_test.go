package pretty

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/hardware"
)

func TestSCMScanNone(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, SCMScan(&b, &hardware.SCMScan{}))
	require.Contains(t, b.String(), "no persistent-memory (libnvdimm) bus")
	b.Reset()
	require.NoError(t, SCMScan(&b, &hardware.SCMScan{Supported: true}))
	require.Equal(t, "No SCM: no persistent-memory regions or namespaces found. Use class ram SCM.\n", b.String())
}

func TestSCMScanTable(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, SCMScan(&b, &hardware.SCMScan{Supported: true,
		Regions:    []hardware.SCMRegion{{ID: "region0", SizeBytes: 128 << 30}},
		Namespaces: []hardware.SCMNamespace{{ID: "namespace0.0", Dev: "/dev/pmem0", Mode: "fsdax", NUMANode: 1, SizeBytes: 126 << 30}},
	}))
	require.Equal(t, `PMem Region Socket Capacity Free 
----------- ------ -------- ---- 
region0     0      128 GiB  0 B  

SCM Namespace Name         Mode  Socket Capacity 
------------- ----         ----  ------ -------- 
/dev/pmem0    namespace0.0 fsdax 1      126 GiB  
`, b.String())
}

func TestNVMeScanTable(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, NVMeScan(&b, &hardware.NVMeScan{
		Controllers: []hardware.NVMeController{{PCIAddr: "0000:81:00.0", Model: "SSD", FwRev: "1.0", SocketID: 1, Driver: "nvme",
			Namespaces: []hardware.NVMeNamespace{{ID: 1, SizeBytes: 1 << 40}}}},
		BlockDevices: []hardware.BlockDevice{{Path: "/dev/vda", SizeBytes: 256 << 30, Type: "HDD", Controller: "virtio", MountPoints: []string{"/"}}},
	}))
	require.Equal(t, `NVMe PCI     Model Serial FW Revision Socket Capacity Driver 
--------     ----- ------ ----------- ------ -------- ------ 
0000:81:00.0 SSD   -      1.0         1      1 TiB    nvme   

Block Device Capacity Type Controller Socket Model Mounted On 
------------ -------- ---- ---------- ------ ----- ---------- 
/dev/vda     256 GiB  HDD  virtio     0      -     /          
`, b.String())
	b.Reset()
	require.NoError(t, NVMeScan(&b, &hardware.NVMeScan{}))
	require.Equal(t, "No NVMe SSDs found. Use class file (emulated NVMe) bdevs.\n\nNo kernel block devices found.\n", b.String())
}
