package confgen

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/hardware"
)

const gib = uint64(1) << 30

// smallHost is like a CI VM: one NUMA node, 2 cores, 24 GiB, Ethernet,
// no PMem and no NVMe.
func smallHost() Inventory {
	return Inventory{
		Topology: &hardware.Topology{NUMANodes: []hardware.NUMANode{{ID: 0, Cores: 2}}, MemTotalBytes: 24 * gib},
		Network: &hardware.NetworkScan{
			Interfaces: []hardware.NetInterface{
				{Name: "lo", Class: "loopback", Up: true},
				{Name: "eth0", Class: "ether", Up: true},
			},
			Fabric: []hardware.FabricInterface{
				{Provider: "ofi+tcp;ofi_rxm", Device: "eth0", Priority: 1},
				{Provider: "ofi+tcp", Device: "eth0", Priority: 2},
				{Provider: "ofi+sockets", Device: "eth0", Priority: 0},
				{Provider: "ofi+tcp;ofi_rxm", Device: "lo", Priority: 1},
			},
		},
		SCM:  &hardware.SCMScan{Supported: true},
		NVMe: &hardware.NVMeScan{},
	}
}

// bigHost is a dual-socket storage node with InfiniBand, PMem and NVMe.
func bigHost() Inventory {
	return Inventory{
		Topology: &hardware.Topology{NUMANodes: []hardware.NUMANode{{ID: 0, Cores: 24}, {ID: 1, Cores: 24}}, MemTotalBytes: 384 * gib},
		Network: &hardware.NetworkScan{
			Interfaces: []hardware.NetInterface{
				{Name: "eth0", Class: "ether", Up: true},
				{Name: "ib0", Class: "infiniband", Up: true, NUMANode: 0},
				{Name: "ib1", Class: "infiniband", Up: true, NUMANode: 1},
			},
			Fabric: []hardware.FabricInterface{
				{Provider: "ofi+verbs;ofi_rxm", Device: "ib0", Priority: 0},
				{Provider: "ofi+verbs;ofi_rxm", Device: "ib1", NUMANode: 1, Priority: 0},
				{Provider: "ofi+tcp;ofi_rxm", Device: "ib0", Priority: 3},
				{Provider: "ofi+tcp;ofi_rxm", Device: "ib1", NUMANode: 1, Priority: 3},
			},
		},
		SCM: &hardware.SCMScan{Supported: true, Namespaces: []hardware.SCMNamespace{
			{ID: "namespace0.0", Mode: "fsdax", BlockDev: "pmem0", Dev: "/dev/pmem0", NUMANode: 0},
			{ID: "namespace1.0", Mode: "fsdax", BlockDev: "pmem1", Dev: "/dev/pmem1", NUMANode: 1},
		}},
		NVMe: &hardware.NVMeScan{Controllers: []hardware.NVMeController{
			{PCIAddr: "0000:81:00.0", SocketID: 0}, {PCIAddr: "0000:82:00.0", SocketID: 0},
			{PCIAddr: "0000:da:00.0", SocketID: 1}, {PCIAddr: "0000:db:00.0", SocketID: 1},
		}},
	}
}

// reload checks that the generated YAML loads through the config loader.
func reload(t *testing.T, cfg *config.Server) *config.Server {
	t.Helper()
	out, err := cfg.Marshal()
	require.NoError(t, err)
	back, err := config.LoadServer(config.Source{Name: "generated.yml", Data: out})
	require.NoError(t, err, "generated:\n%s", out)
	return back
}

func TestGenerateEmulated(t *testing.T) {
	cfg, err := Generate(smallHost(), Options{NetClass: NetClassEthernet})
	require.NoError(t, err)
	back := reload(t, cfg)
	require.Equal(t, "ofi+tcp;ofi_rxm", back.Provider, "sockets is never picked; the best remaining priority is")
	require.Equal(t, []string{"localhost:10001"}, back.MgmtSvcReplicas)
	require.Equal(t, 9191, back.TelemetryPort)
	require.Len(t, back.Engines, 1)
	e := back.Engines[0]
	require.Equal(t, 1, e.Targets)
	require.Equal(t, 0, e.HelperStreams)
	require.Equal(t, 0, *e.PinnedNumaNode)
	require.Equal(t, "eth0", e.Interface)
	require.Equal(t, 31416, e.InterfacePort)
	require.Equal(t, &config.Tier{Class: "ram", ScmMount: "/mnt/daos0", ScmSize: 17}, e.Storage[0],
		"24 GiB - 6 GiB reserved - 1 GiB for the engine")
	require.Equal(t, &config.Tier{Class: "file", BdevList: []string{"/tmp/daos-bdev0"}, BdevSize: 16}, e.Storage[1])
}

// Without libfabric the scan finds daos-go's own TCP transport, which a
// config names ofi+tcp (the engines then serve ofi+tcp with it).
func TestGeneratePureGoTCP(t *testing.T) {
	inv := smallHost()
	inv.Network.Fabric = []hardware.FabricInterface{
		{Provider: "tcp", Device: "eth0", Priority: 0},
		{Provider: "tcp", Device: "lo", Priority: 1},
	}
	inv.Network.ProviderError = "libfabric support is not built in"
	cfg, err := Generate(inv, Options{NetClass: NetClassEthernet})
	require.NoError(t, err)
	back := reload(t, cfg)
	require.Equal(t, "ofi+tcp", back.Provider)
	require.Equal(t, "eth0", back.Engines[0].Interface)

	// Beside libfabric's providers the pure-Go one changes nothing.
	inv = smallHost()
	inv.Network.Fabric = append(inv.Network.Fabric,
		hardware.FabricInterface{Provider: "tcp", Device: "eth0", Priority: 4},
		hardware.FabricInterface{Provider: "tcp", Device: "lo", Priority: 5})
	cfg, err = Generate(inv, Options{NetClass: NetClassEthernet})
	require.NoError(t, err)
	require.Equal(t, "ofi+tcp;ofi_rxm", reload(t, cfg).Provider)
}

func TestGeneratePMemAndNVMe(t *testing.T) {
	cfg, err := Generate(bigHost(), Options{MSReplicas: []string{"a", "b", "c:10005"}})
	require.NoError(t, err)
	back := reload(t, cfg)
	require.Equal(t, "ofi+verbs;ofi_rxm", back.Provider)
	require.Equal(t, []string{"a:10001", "b:10001", "c:10005"}, back.MgmtSvcReplicas)
	require.Len(t, back.Engines, 2)
	for i, e := range back.Engines {
		require.Equal(t, 18, e.Targets, "23 usable cores, 4 helpers, a multiple of 2 SSDs")
		require.Equal(t, 4, e.HelperStreams)
		require.Equal(t, i, *e.PinnedNumaNode)
		require.Equal(t, 31416+1000*i, e.InterfacePort)
		require.Equal(t, "dcpm", e.Storage[0].Class)
		require.Equal(t, "nvme", e.Storage[1].Class)
	}
	require.Equal(t, []string{"/dev/pmem1"}, back.Engines[1].Storage[0].ScmList)
	require.Equal(t, []string{"0000:da:00.0", "0000:db:00.0"}, back.Engines[1].Storage[1].BdevList)
	require.Equal(t, "ib1", back.Engines[1].Interface)
}

func TestGenerateOptions(t *testing.T) {
	for name, tc := range map[string]struct {
		inv   Inventory
		opts  Options
		check func(t *testing.T, s *config.Server)
	}{
		"tmpfs SCM instead of PMem": {bigHost(), Options{UseTmpfsSCM: true}, func(t *testing.T, s *config.Server) {
			require.Equal(t, "ram", s.Engines[0].Storage[0].Class)
			require.Equal(t, (384-64)/2-3, s.Engines[0].Storage[0].ScmSize, "two engines of 18 targets (2.25 GiB each) after 64 GiB reserved")
		}},
		"SCM only": {smallHost(), Options{NetClass: NetClassEthernet, SCMOnly: true}, func(t *testing.T, s *config.Server) {
			require.Len(t, s.Engines[0].Storage, 1)
		}},
		"MD-on-SSD": {smallHost(), Options{NetClass: NetClassEthernet, ControlMetadataPath: "/var/daos/config"}, func(t *testing.T, s *config.Server) {
			require.Equal(t, "/var/daos/config", s.ControlMetadata.Path)
			require.Equal(t, []string{"wal", "meta", "data"}, s.Engines[0].Storage[1].BdevRoles)
		}},
		"one engine, own ports and provider": {bigHost(), Options{NumEngines: 1, FabricPorts: []int{20000}, Provider: "ofi+tcp;ofi_rxm"},
			func(t *testing.T, s *config.Server) {
				require.Len(t, s.Engines, 1)
				require.Equal(t, 20000, s.Engines[0].InterfacePort)
				require.Equal(t, "ofi+tcp;ofi_rxm", s.Provider)
			}},
		"no libfabric on Ethernet": {func() Inventory {
			inv := smallHost()
			inv.Network.Fabric, inv.Network.ProviderError = nil, "libfabric not built in"
			return inv
		}(), Options{NetClass: NetClassEthernet, HelperLogFile: "/tmp/helper.log"}, func(t *testing.T, s *config.Server) {
			require.Equal(t, "ofi+tcp", s.Provider)
			require.Equal(t, "/tmp/helper.log", s.HelperLogFile)
		}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := Generate(tc.inv, tc.opts)
			require.NoError(t, err)
			tc.check(t, reload(t, cfg))
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	pmemOnNode0 := bigHost()
	pmemOnNode0.Network.Interfaces = pmemOnNode0.Network.Interfaces[2:] // only ib1, on node 1
	pmemOnNode0.SCM.Namespaces = pmemOnNode0.SCM.Namespaces[:1]
	noNVMeOnNode1 := bigHost()
	noNVMeOnNode1.NVMe.Controllers = noNVMeOnNode1.NVMe.Controllers[:2]
	tinyHost := smallHost()
	tinyHost.Topology.MemTotalBytes = 5 * gib
	unknownProviders := bigHost()
	unknownProviders.Network.Fabric, unknownProviders.Network.ProviderError = nil, "libfabric not built in"
	for name, tc := range map[string]struct {
		inv  Inventory
		opts Options
		want string
	}{
		"infiniband by default": {smallHost(), Options{},
			"generate config: no up infiniband interface found (interfaces: eth0 (ether), lo (loopback)); on Ethernet use --net-class ethernet"},
		"bad class": {smallHost(), Options{NetClass: "token-ring"},
			`generate config: net class "token-ring": want ethernet or infiniband`},
		"too many engines": {smallHost(), Options{NetClass: NetClassEthernet, NumEngines: 2},
			"generate config: 2 engines asked for, but only 1 NUMA node(s) have what an engine needs (a ethernet interface)"},
		"PMem and interface on different nodes": {pmemOnNode0, Options{},
			"generate config: no NUMA node has both PMem and a infiniband interface; use --use-tmpfs-scm for RAM-disk SCM"},
		"NVMe on one node only": {noNVMeOnNode1, Options{},
			"generate config: NUMA node 1 has no NVMe SSD while others do; use --scm-only or --num-engines"},
		"RAM disk does not fit": {tinyHost, Options{NetClass: NetClassEthernet},
			"generate config: RAM-disk SCM does not fit: 3072 MiB per engine is left of 5120 MiB total (hugepages 0 MiB, system_ram_reserved 1 GiB), and the minimum is 4 GiB; set system_ram_reserved lower than the default, use fewer engines or targets, or add memory"},
		"providers unknown on InfiniBand": {unknownProviders, Options{},
			"generate config: fabric providers unknown (libfabric not built in): give one with --net-provider"},
		"too few ports": {bigHost(), Options{FabricPorts: []int{31416}},
			"generate config: 1 fabric port(s) given, but this hardware allows 2 engine(s): give one port per engine (or set --num-engines)"},
		"too many ports": {smallHost(), Options{NetClass: NetClassEthernet, FabricPorts: []int{31416, 32416}},
			"generate config: 2 fabric port(s) given, but this hardware allows 1 engine(s): give one port per engine (or set --num-engines)"},
		"even replicas": {smallHost(), Options{NetClass: NetClassEthernet, MSReplicas: []string{"a", "b"}},
			"generate config: the proposal is not valid: mgmt_svc_replicas: 2 replicas given: the count must be odd (1, 3, 5, ...)"},
		"bad provider": {smallHost(), Options{NetClass: NetClassEthernet, Provider: "tcp"},
			`generate config: the proposal is not valid: provider: "tcp" is not a provider: expected ofi+<name>[;ofi_rxm] or ucx+<transport>, e.g. ofi+tcp`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Generate(tc.inv, tc.opts)
			require.EqualError(t, err, tc.want)
		})
	}
}
