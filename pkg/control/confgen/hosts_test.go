package confgen

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/hardware"
)

func TestCommonAlikeHosts(t *testing.T) {
	a, b, c := bigHost(), bigHost(), bigHost()
	// What Generate does not read may differ: addresses, serials, a down
	// or other-class interface, the hosts' memory by a little.
	b.Network.Interfaces[1].Addrs = []string{"10.0.0.2/24"}
	b.NVMe.Controllers[0].Serial = "other"
	b.Network.Interfaces = append(b.Network.Interfaces, hardware.NetInterface{Name: "ib9", Class: "infiniband"})
	c.Network.Interfaces[0].Up = false // eth0: not infiniband
	b.Topology.MemTotalBytes -= 3 << 20
	c.Topology.HugepagesBytes = 2 * gib
	hosts := []HostInventory{{"node1", a}, {"node2", b}, {"node3", c}}

	inv, notes, err := Common(hosts, Options{})
	require.NoError(t, err)
	require.Equal(t, 384*gib-3<<20, inv.Topology.MemTotalBytes, "the smallest memory")
	require.Equal(t, 2*gib, inv.Topology.HugepagesBytes, "the largest hugepage reservation")
	require.Equal(t, []string{"the hosts' memory differs (393213 MiB on node2 to 393216 MiB on node1): RAM-disk SCM is sized for the smallest"}, notes)
	require.Equal(t, 384*gib, a.Topology.MemTotalBytes, "the hosts' inventories are not modified")
	require.Zero(t, a.Topology.HugepagesBytes)

	cfg, err := Generate(inv, Options{})
	require.NoError(t, err)
	require.Len(t, cfg.Engines, 2)

	// One host, or alike memory: no note.
	_, notes, err = Common(hosts[:1], Options{})
	require.NoError(t, err)
	require.Empty(t, notes)
}

func TestCommonDifferingHosts(t *testing.T) {
	noSSD := bigHost()
	noSSD.NVMe.Controllers = noSSD.NVMe.Controllers[:3]
	fewerCores := bigHost()
	fewerCores.Topology.NUMANodes[1].Cores = 16
	hosts := []HostInventory{{"node1", bigHost()}, {"node2", bigHost()}, {"node3", noSSD}, {"node4", fewerCores}}

	_, _, err := Common(hosts, Options{})
	require.EqualError(t, err, "generate config: the hosts' hardware differs (NVMe SSDs, cores per NUMA node), "+
		"and one config fits only hosts that are alike: "+
		"node[1-2]: NVMe SSDs [0000:81:00.0 (NUMA 0), 0000:82:00.0 (NUMA 0), 0000:da:00.0 (NUMA 1), 0000:db:00.0 (NUMA 1)], cores per NUMA node [node 0: 24, node 1: 24]; "+
		"node3: NVMe SSDs [0000:81:00.0 (NUMA 0), 0000:82:00.0 (NUMA 0), 0000:da:00.0 (NUMA 1)], cores per NUMA node [node 0: 24, node 1: 24]; "+
		"node4: NVMe SSDs [0000:81:00.0 (NUMA 0), 0000:82:00.0 (NUMA 0), 0000:da:00.0 (NUMA 1), 0000:db:00.0 (NUMA 1)], cores per NUMA node [node 0: 24, node 1: 16]; "+
		"generate a config for each group of hosts (-l)")

	// What the options make Generate ignore does not count: with
	// --scm-only the SSDs do not matter.
	_, _, err = Common(hosts[:3], Options{SCMOnly: true})
	require.NoError(t, err)

	// The interfaces compared are those of the class asked for.
	eth := smallHost()
	eth.Network.Interfaces[1].NUMANode = 1
	_, _, err = Common([]HostInventory{{"a", smallHost()}, {"b", eth}}, Options{NetClass: NetClassEthernet})
	require.ErrorContains(t, err, "differs (up ethernet interfaces),")
	require.ErrorContains(t, err, "a: up ethernet interfaces [eth0 (NUMA 0)]")
	require.ErrorContains(t, err, "b: up ethernet interfaces [eth0 (NUMA 1)]")

	_, _, err = Common(nil, Options{})
	require.EqualError(t, err, "generate config: no hosts to generate a config for")
}
