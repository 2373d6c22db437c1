package hardware

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func fakeHost(t *testing.T) HostScanners {
	meminfo := filepath.Join(t.TempDir(), "meminfo")
	require.NoError(t, os.WriteFile(meminfo, []byte("MemTotal: 1048576 kB\n"), 0o644))
	return HostScanners{
		Topology: TopologyScanner{MeminfoPath: meminfo, Nodes: func() ([]NUMANode, error) {
			return []NUMANode{{ID: 1, Cores: 2, Threads: 4, CPUs: []int{2, 3, 6, 7}}, {ID: 0, Cores: 2, Threads: 4, CPUs: []int{0, 1, 4, 5}}}, nil
		}},
		Network: fakeScanner(t, fakeInfos, nil),
		Storage: StorageScanner{
			PCIDevices: func() ([]PCIDevice, error) {
				return []PCIDevice{{Address: "0000:81:00.0", NUMANode: 1}, {Address: "0000:00:02.0"}, {Address: "0000:c1:00.0", NUMANode: 3}}, nil
			},
			BlockDevices: func() ([]BlockDevice, error) {
				return []BlockDevice{{Name: "vda", SizeBytes: 1 << 30}, {Name: "loop0", SizeBytes: 1 << 20}}, nil
			},
			MountsPath: filepath.Join(t.TempDir(), "no-mounts"),
		},
	}
}

func TestScanHostPlacesDevicesOnTheirNodes(t *testing.T) {
	topo, err := fakeHost(t).ScanHost(context.Background(), "node1")
	require.NoError(t, err)
	require.Equal(t, "node1", topo.Host)
	require.Equal(t, uint64(1)<<30, topo.MemTotalBytes)
	var ids []int
	for _, n := range topo.Nodes {
		ids = append(ids, n.ID)
	}
	// Node 3 is not in the topology but has a device: it is shown, not lost.
	require.Equal(t, []int{0, 1, 3}, ids)
	require.Equal(t, []int{0, 1, 4, 5}, topo.Nodes[0].CPUs)
	require.Equal(t, "0000:00:02.0", topo.Nodes[0].PCIDevices[0].Address)
	require.Equal(t, "0000:81:00.0", topo.Nodes[1].PCIDevices[0].Address)
	require.Len(t, topo.Nodes[0].BlockDevices, 1, "loop devices are not storage")
	var n1 []string
	for _, ni := range topo.Nodes[1].Interfaces {
		n1 = append(n1, ni.Name)
	}
	require.Equal(t, []string{"ib0"}, n1)
	require.Len(t, topo.Nodes[0].Interfaces, 2) // eth0, lo
	require.NotEmpty(t, topo.Fabric)
	require.Empty(t, topo.Errors)
}

func TestScanHostReportsFailedSources(t *testing.T) {
	hs := fakeHost(t)
	hs.Storage.PCIDevices = func() ([]PCIDevice, error) { return nil, errors.New("no sysfs") }
	topo, err := hs.ScanHost(context.Background(), "h")
	require.NoError(t, err)
	require.Len(t, topo.Errors, 2) // PCI list and the NVMe scan that needs it
	require.Len(t, topo.Nodes[1].Interfaces, 1, "the network is still scanned")

	hs.Topology.Nodes = func() ([]NUMANode, error) { return nil, errors.New("ghw failed") }
	_, err = hs.ScanHost(context.Background(), "h")
	require.ErrorContains(t, err, "ghw failed")
}
