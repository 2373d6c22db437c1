package pretty

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/hardware"
)

func TestNetworkScanGroupsByNUMA(t *testing.T) {
	scan := &hardware.NetworkScan{
		Interfaces: []hardware.NetInterface{{Name: "eth0", Class: "ether", Up: true}, {Name: "ib0", Class: "infiniband", NUMANode: 1, RDMADevice: "mlx5_0"}},
		Fabric: []hardware.FabricInterface{
			{Provider: "ofi+verbs", Device: "ib0", NUMANode: 1},
			{Provider: "ofi+tcp", Device: "lo"},
			{Provider: "ofi+tcp", Device: "eth0"},
		},
		Providers: []string{"ofi+verbs", "ofi+tcp"},
	}
	var b bytes.Buffer
	require.NoError(t, NetworkScan(&b, "node1", scan))
	out := b.String()
	require.Contains(t, out, "-----\nnode1\n-----\n")
	require.Regexp(t, `NUMA Socket 0\n[ -]+\n\n +Provider +Interfaces *\n +-------- +---------- *\n +ofi\+tcp +eth0, lo`, out)
	require.Regexp(t, `NUMA Socket 1\n[ -]+\n\n +Provider +Interfaces *\n +-------- +---------- *\n +ofi\+verbs +ib0`, out)
	require.Regexp(t, `ib0 +infiniband +down +1 +mlx5_0 +-`, out)
}

func TestNetworkScanSaysWhyProvidersAreUnknown(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, NetworkScan(&b, "n", &hardware.NetworkScan{ProviderError: "libfabric support is not built in"}))
	require.Contains(t, b.String(), "Providers unknown: libfabric support is not built in")
	require.NotContains(t, b.String(), "NUMA Socket")
}
