package pretty

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/hardware"
)

func TestCPUList(t *testing.T) {
	for _, tc := range []struct {
		cpus []int
		want string
	}{
		{nil, ""},
		{[]int{0}, "0"},
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{5, 0, 1, 2, 8, 10, 11}, "0-2,5,8,10-11"},
		{[]int{1, 1, 2}, "1-2"},
	} {
		require.Equal(t, tc.want, CPUList(tc.cpus), "%v", tc.cpus)
	}
}

func TestTopology(t *testing.T) {
	topo := &hardware.HostTopology{Host: "node1", MemTotalBytes: 8 << 30,
		Nodes: []hardware.NodeDevices{{
			NUMANode:     hardware.NUMANode{ID: 0, Cores: 2, Threads: 4, CPUs: []int{0, 1, 2, 3}, MemBytes: 8 << 30},
			PCIDevices:   []hardware.PCIDevice{{Address: "0000:81:00.0", ClassID: "01", SubclassID: "08", ProgIF: "02", VendorID: "8086", Driver: "nvme"}},
			Interfaces:   []hardware.NetInterface{{Name: "eth0", Class: "ether", Up: true, Addrs: []string{"10.0.0.1/24"}}},
			BlockDevices: []hardware.BlockDevice{{Name: "nvme0n1", SizeBytes: 1 << 40, Type: "SSD", Controller: "nvme"}},
		}},
		Fabric: []hardware.FabricInterface{{Provider: "ofi+tcp;ofi_rxm", Device: "eth0"}},
		Errors: []string{"fabric providers: not built"},
	}
	var b strings.Builder
	require.NoError(t, Topology(&b, topo))
	out := b.String()
	for _, want := range []string{"node1", "Memory: 8 GiB", "NUMA node 0: 2 cores, 4 threads, CPUs 0-3, memory 8 GiB",
		"0000:81:00.0 010802", "8086", "eth0      ether", "ofi+tcp;ofi_rxm", "nvme0n1", "1 TiB", "Not scanned: fabric providers: not built"} {
		require.Contains(t, out, want)
	}
}
