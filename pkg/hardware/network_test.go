package hardware

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"

	"github.com/daos-go/daos/cgo/ofi"
)

func link(name, encap string, up bool) netlink.Link {
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	attrs.EncapType = encap
	attrs.MTU = 1500
	if up {
		attrs.Flags = net.FlagUp
	}
	return &netlink.Device{LinkAttrs: attrs}
}

func fakeScanner(t *testing.T, infos []ofi.Info, provErr error) NetworkScanner {
	sys := t.TempDir()
	dev := filepath.Join(sys, "class", "net", "ib0", "device")
	require.NoError(t, os.MkdirAll(dev, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dev, "numa_node"), []byte("1\n"), 0o644))
	return NetworkScanner{
		Links: func() ([]netlink.Link, error) {
			return []netlink.Link{link("lo", "loopback", true), link("eth0", "ether", true), link("ib0", "infiniband", false)}, nil
		},
		Addrs: func(l netlink.Link) ([]netlink.Addr, error) {
			if l.Attrs().Name != "lo" {
				return nil, nil
			}
			_, ipn, _ := net.ParseCIDR("127.0.0.1/8")
			ipn.IP = net.ParseIP("127.0.0.1")
			return []netlink.Addr{{IPNet: ipn}}, nil
		},
		Providers: func(p string) ([]ofi.Info, error) {
			if provErr != nil {
				return nil, provErr
			}
			var out []ofi.Info
			for _, i := range infos {
				if p == "" || i.Provider == p {
					out = append(out, i)
				}
			}
			return out, nil
		},
		RDMADevice: func(netdev string) (string, error) {
			if netdev == "ib0" {
				return "mlx5_0", nil
			}
			return "", errors.New("no rdma device")
		},
		SysfsRoot: sys,
	}
}

var fakeInfos = []ofi.Info{
	{Provider: "verbs;ofi_rxm", Domain: "mlx5_0"},
	{Provider: "tcp;ofi_rxm", Domain: "eth0"},
	{Provider: "tcp;ofi_rxm", Domain: "eth0"}, // a second address on eth0
	{Provider: "tcp;ofi_rxm", Domain: "lo"},
	{Provider: "shm", Domain: "shm"},
}

func TestScanMapsDomainsToInterfaces(t *testing.T) {
	scan, err := fakeScanner(t, fakeInfos, nil).Scan(context.Background(), "all")
	require.NoError(t, err)
	require.Equal(t, []string{"ofi+verbs;ofi_rxm", "ofi+tcp;ofi_rxm"}, scan.Providers)
	require.Equal(t, []FabricInterface{
		{Provider: "ofi+verbs;ofi_rxm", Device: "ib0", NUMANode: 1, Priority: 0},
		{Provider: "ofi+tcp;ofi_rxm", Device: "eth0", NUMANode: 0, Priority: 1},
		{Provider: "ofi+tcp;ofi_rxm", Device: "lo", NUMANode: 0, Priority: 3},
	}, scan.Fabric)
	require.Equal(t, 2, scan.NUMACount)
	names := []string{}
	for _, ni := range scan.Interfaces {
		names = append(names, ni.Name)
	}
	require.Equal(t, []string{"eth0", "ib0", "lo"}, names)
	require.Equal(t, "mlx5_0", scan.Interfaces[1].RDMADevice)
	require.False(t, scan.Interfaces[1].Up)
	require.Equal(t, []string{"127.0.0.1/8"}, scan.Interfaces[2].Addrs)
}

func TestScanFiltersProviderInDAOSSpelling(t *testing.T) {
	scan, err := fakeScanner(t, fakeInfos, nil).Scan(context.Background(), "ofi+tcp;ofi_rxm")
	require.NoError(t, err)
	require.Equal(t, []string{"ofi+tcp;ofi_rxm"}, scan.Providers)
	require.Len(t, scan.Fabric, 2)
}

func TestScanCoreProviderSelectsItsStacks(t *testing.T) {
	scan, err := fakeScanner(t, fakeInfos, nil).Scan(context.Background(), "ofi+verbs")
	require.NoError(t, err)
	require.Equal(t, []string{"ofi+verbs;ofi_rxm"}, scan.Providers)
	scan, err = fakeScanner(t, fakeInfos, nil).Scan(context.Background(), "ofi+tc")
	require.NoError(t, err)
	require.Empty(t, scan.Providers, "a prefix that is not a whole provider name selects nothing")
}

func TestScanWithoutLibfabricStillListsInterfaces(t *testing.T) {
	scan, err := fakeScanner(t, nil, ofi.ErrNotBuilt).Scan(context.Background(), "")
	require.NoError(t, err)
	require.Len(t, scan.Interfaces, 3)
	require.Empty(t, scan.Fabric)
	require.Contains(t, scan.ProviderError, "not built in")
}

func TestScanProviderFailureIsAnError(t *testing.T) {
	_, err := fakeScanner(t, nil, errors.New("fi_getinfo: boom")).Scan(context.Background(), "")
	require.ErrorContains(t, err, "list providers")
}

func TestScanThisMachineFindsLoopback(t *testing.T) {
	scan, err := DefaultNetworkScanner().Scan(context.Background(), "all")
	require.NoError(t, err)
	var lo *NetInterface
	for i := range scan.Interfaces {
		if scan.Interfaces[i].Name == "lo" {
			lo = &scan.Interfaces[i]
		}
	}
	require.NotNil(t, lo, "no lo in %+v", scan.Interfaces)
	require.Equal(t, "loopback", lo.Class)
	if ofi.Backend != "none" {
		require.GreaterOrEqual(t, indexOf(scan.Fabric, "ofi+tcp;ofi_rxm", "lo"), 0, "tcp;ofi_rxm on lo missing: %+v", scan.Fabric)
	}
}

func indexOf(f []FabricInterface, prov, dev string) int {
	for i, x := range f {
		if x.Provider == prov && x.Device == dev {
			return i
		}
	}
	return -1
}

// With the build's usable providers given, libfabric's others are left
// out and the pure-Go tcp is listed on every interface that is up and has
// an address, after libfabric's.
func TestScanListsUsableProvidersOnly(t *testing.T) {
	s := fakeScanner(t, fakeInfos, nil)
	s.Usable = func() []string { return []string{"ofi+tcp", "ofi+tcp;ofi_rxm", "tcp"} }
	scan, err := s.Scan(context.Background(), "all")
	require.NoError(t, err)
	require.Equal(t, []string{"ofi+tcp;ofi_rxm", "tcp"}, scan.Providers)
	require.Equal(t, []FabricInterface{
		{Provider: "ofi+tcp;ofi_rxm", Device: "eth0", NUMANode: 0, Priority: 1},
		{Provider: "ofi+tcp;ofi_rxm", Device: "lo", NUMANode: 0, Priority: 3},
		{Provider: "tcp", Device: "lo", NUMANode: 0, Priority: 4},
	}, scan.Fabric, "eth0 has no address, ib0 is down")

	scan, err = s.Scan(context.Background(), "tcp")
	require.NoError(t, err)
	require.Equal(t, []string{"tcp"}, scan.Providers, "tcp is the pure-Go provider; ofi+tcp is libfabric's")
	scan, err = s.Scan(context.Background(), "ofi+tcp")
	require.NoError(t, err)
	require.Equal(t, []string{"ofi+tcp;ofi_rxm"}, scan.Providers)

	// Without libfabric, the pure-Go provider still has its interfaces.
	s = fakeScanner(t, nil, ofi.ErrNotBuilt)
	s.Usable = func() []string { return []string{"tcp"} }
	scan, err = s.Scan(context.Background(), "")
	require.NoError(t, err)
	require.Equal(t, []string{"tcp"}, scan.Providers)
	require.Len(t, scan.Fabric, 1)
	require.Contains(t, scan.ProviderError, "not built in")
	// ... and serves ofi+tcp, so a scan for that (either spelling) finds it.
	for _, p := range []string{"ofi+tcp", "ofi+tcp;ofi_rxm"} {
		scan, err = s.Scan(context.Background(), p)
		require.NoError(t, err)
		require.Equal(t, []string{"tcp"}, scan.Providers, p)
	}
	scan, err = s.Scan(context.Background(), "ofi+verbs")
	require.NoError(t, err)
	require.Empty(t, scan.Providers)
}
