package hardware

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/Mellanox/rdmamap"
	"github.com/vishvananda/netlink"

	"github.com/daos-go/daos/cgo/ofi"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/drivers"
)

// NetInterface is one network interface of this node.
type NetInterface struct {
	Name string `json:"name"`
	// Class is the link type as the kernel names it: "ether", "loopback",
	// "infiniband", ...
	Class      string   `json:"class"`
	Up         bool     `json:"up"`
	MTU        int      `json:"mtu"`
	Addrs      []string `json:"addrs"`
	NUMANode   int      `json:"numa_node"`
	RDMADevice string   `json:"rdma_device,omitempty"`
}

// FabricInterface is one (provider, interface) pair usable by DAOS.
type FabricInterface struct {
	// Provider in DAOS's spelling, e.g. "ofi+tcp;ofi_rxm".
	Provider string `json:"provider"`
	// Device is the network interface name.
	Device   string `json:"device"`
	NUMANode int    `json:"numa_node"`
	// Priority is the preference order (0 is best): libfabric's, then
	// the pure-Go "tcp" provider's after all of those.
	Priority int `json:"priority"`
}

// NetworkScan is what a network scan found.
type NetworkScan struct {
	Interfaces []NetInterface    `json:"interfaces"`
	Fabric     []FabricInterface `json:"fabric_interfaces"`
	// Providers lists the distinct providers in Fabric, best first.
	Providers []string `json:"providers"`
	// ProviderError says why providers could not be listed (for example,
	// libfabric not built in); interfaces are still reported.
	ProviderError string `json:"provider_error,omitempty"`
	NUMACount     int    `json:"numa_count"`
}

// NetworkScanner finds interfaces and providers. Its sources are fields so
// tests can substitute them.
type NetworkScanner struct {
	// Links lists the kernel's network links.
	Links func() ([]netlink.Link, error)
	// Addrs lists the addresses of a link.
	Addrs func(netlink.Link) ([]netlink.Addr, error)
	// Providers lists libfabric's RDM interfaces (ofi.GetInfo).
	Providers func(provider string) ([]ofi.Info, error)
	// RDMADevice returns the RDMA device behind a netdev, or an error.
	RDMADevice func(netdev string) (string, error)
	// SysfsRoot is normally "/sys".
	SysfsRoot string
	// Usable lists the providers this build's fabric drivers can open
	// (fabric.Available): libfabric's others are left out, and the
	// pure-Go "tcp" is listed on every interface that is up and has an
	// address. nil keeps every libfabric provider and no pure-Go one.
	Usable func() []string
}

// pureTCP is the pure-Go provider's name: a bare "tcp", where libfabric's
// are "ofi+...".
const pureTCP = "tcp"

// DefaultNetworkScanner reads the running system.
func DefaultNetworkScanner() NetworkScanner {
	return NetworkScanner{
		Links:      netlink.LinkList,
		Addrs:      func(l netlink.Link) ([]netlink.Addr, error) { return netlink.AddrList(l, netlink.FAMILY_ALL) },
		Providers:  ofi.GetInfo,
		RDMADevice: rdmamap.GetRdmaDeviceForNetdevice,
		SysfsRoot:  "/sys",
		Usable:     drivers.Available,
	}
}

// Scan lists interfaces and the providers on them. provider filters the
// fabric list ("ofi+tcp", "tcp;ofi_rxm", ...); "" or "all" keeps all.
func (s NetworkScanner) Scan(ctx context.Context, provider string) (*NetworkScan, error) {
	links, err := s.Links()
	if err != nil {
		return nil, fmt.Errorf("network scan: list links: %w", err)
	}
	scan := &NetworkScan{Interfaces: []NetInterface{}, Fabric: []FabricInterface{}, Providers: []string{}}
	byName := make(map[string]*NetInterface)
	byRDMA := make(map[string]string)
	numa := make(map[int]bool)
	for _, l := range links {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("network scan: %w", err)
		}
		ni := s.describe(l)
		scan.Interfaces = append(scan.Interfaces, ni)
		numa[ni.NUMANode] = true
	}
	sort.Slice(scan.Interfaces, func(i, j int) bool { return scan.Interfaces[i].Name < scan.Interfaces[j].Name })
	for i := range scan.Interfaces {
		ni := &scan.Interfaces[i]
		byName[ni.Name] = ni
		if ni.RDMADevice != "" {
			byRDMA[ni.RDMADevice] = ni.Name
		}
	}
	scan.NUMACount = len(numa)

	var usable []string
	if s.Usable != nil {
		usable = s.Usable()
	}
	if err := s.addLibfabric(scan, byName, byRDMA, provider, usable); err != nil {
		return nil, err
	}
	// The pure-Go provider is listed for itself, for every provider, and
	// for ofi+tcp (either spelling) where libfabric cannot serve it (not
	// built in, or without tcp here): daos-go's engines serve ofi+tcp
	// with it then, so it is what reaches them.
	servesOFITCP := fabric.IsOFITCP(provider) && !slices.ContainsFunc(usable, fabric.IsOFITCP)
	if contains(usable, pureTCP) && (normaliseProvider(provider) == "" || provider == pureTCP || servesOFITCP) {
		prio := 0
		for _, f := range scan.Fabric {
			prio = max(prio, f.Priority+1)
		}
		for _, ni := range scan.Interfaces {
			if ni.Up && len(ni.Addrs) > 0 {
				scan.Fabric = append(scan.Fabric, FabricInterface{
					Provider: pureTCP, Device: ni.Name, NUMANode: ni.NUMANode, Priority: prio,
				})
				prio++
				if !contains(scan.Providers, pureTCP) {
					scan.Providers = append(scan.Providers, pureTCP)
				}
			}
		}
	}
	return scan, nil
}

// addLibfabric adds libfabric's interfaces for provider to scan (those in
// usable, when that is given), or says why there are none.
func (s NetworkScanner) addLibfabric(scan *NetworkScan, byName map[string]*NetInterface, byRDMA map[string]string, provider string, usable []string) error {
	if provider == pureTCP {
		return nil // the pure-Go provider alone
	}
	infos, err := s.Providers("")
	if err != nil {
		if !errors.Is(err, ofi.ErrNotBuilt) {
			return fmt.Errorf("network scan: list providers: %w", err)
		}
		scan.ProviderError = err.Error()
		return nil
	}
	seen := make(map[string]bool)
	want := ofi.LibfabricProvider(normaliseProvider(provider))
	for prio, info := range infos {
		if !providerMatches(want, info.Provider) || (s.Usable != nil && !contains(usable, info.DAOSProvider())) {
			continue
		}
		dev := info.Domain
		if netdev, ok := byRDMA[dev]; ok {
			dev = netdev
		}
		ni, ok := byName[dev]
		if !ok {
			// Domains that are no network interface (shm's "shm") cannot
			// carry a server's fabric_iface.
			continue
		}
		key := info.DAOSProvider() + "/" + dev
		if seen[key] {
			continue
		}
		seen[key] = true
		scan.Fabric = append(scan.Fabric, FabricInterface{
			Provider: info.DAOSProvider(), Device: dev, NUMANode: ni.NUMANode, Priority: prio,
		})
		if !contains(scan.Providers, info.DAOSProvider()) {
			scan.Providers = append(scan.Providers, info.DAOSProvider())
		}
	}
	return nil
}

func normaliseProvider(p string) string {
	if strings.EqualFold(p, "all") {
		return ""
	}
	return p
}

// providerMatches reports whether a filter in libfabric spelling selects
// provider. A core provider selects its utility stacks too: "tcp" matches
// "tcp;ofi_rxm", as DAOS's "ofi+tcp" does.
func providerMatches(filter, provider string) bool {
	return filter == "" || provider == filter || strings.HasPrefix(provider, filter+";")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (s NetworkScanner) describe(l netlink.Link) NetInterface {
	a := l.Attrs()
	ni := NetInterface{
		Name:     a.Name,
		Class:    a.EncapType,
		Up:       a.Flags&1 != 0, // net.FlagUp
		MTU:      a.MTU,
		Addrs:    []string{},
		NUMANode: s.numaNode(a.Name),
	}
	if s.Addrs != nil {
		if addrs, err := s.Addrs(l); err == nil {
			for _, ad := range addrs {
				ni.Addrs = append(ni.Addrs, ad.IPNet.String())
			}
		}
	}
	if s.RDMADevice != nil {
		if dev, err := s.RDMADevice(a.Name); err == nil {
			ni.RDMADevice = dev
		}
	}
	return ni
}

// numaNode reads the device's NUMA node; virtual devices and single-node
// machines report -1 or nothing, which counts as node 0.
func (s NetworkScanner) numaNode(name string) int {
	data, err := os.ReadFile(filepath.Join(s.SysfsRoot, "class", "net", name, "device", "numa_node"))
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || n < 0 {
		return 0
	}
	return n
}
