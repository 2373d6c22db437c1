package confgen

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/hardware"
)

// Inventory is what the host has, from pkg/hardware's scanners.
type Inventory struct {
	Topology *hardware.Topology
	Network  *hardware.NetworkScan
	SCM      *hardware.SCMScan
	NVMe     *hardware.NVMeScan
}

// Network classes accepted by --net-class.
const (
	NetClassEthernet   = "ethernet"
	NetClassInfiniband = "infiniband"
)

// Options are the flags of `config generate`.
type Options struct {
	MSReplicas          []string // default: localhost
	NumEngines          int      // 0: one per usable NUMA node
	SCMOnly             bool     // no bdev tier
	NetClass            string   // ethernet or infiniband
	Provider            string   // default: the best one found on the interfaces
	UseTmpfsSCM         bool     // ram SCM even when PMem exists
	ControlMetadataPath string   // MD-on-SSD: control_metadata.path
	FabricPorts         []int    // default: 31416 + 1000*i
	HelperLogFile       string
	// BdevFileDir holds emulated NVMe files when there are no SSDs;
	// default /tmp. Each file is BdevFileGiB (default 16) and is
	// created when the storage is formatted.
	BdevFileDir string
	BdevFileGiB int
}

// engineSite is what one engine gets: a NUMA node and its devices.
type engineSite struct {
	numa  int
	iface string
	pmem  string   // /dev/pmemN, or "" for ram
	nvme  []string // PCI addresses
	cores int
}

// Generate proposes a server config. It fails with a reason the admin
// can act on when the hardware does not allow one.
func Generate(inv Inventory, opts Options) (*config.Server, error) {
	if opts.NetClass == "" {
		opts.NetClass = NetClassInfiniband
	}
	ifaces, err := pickInterfaces(inv.Network, opts.NetClass)
	if err != nil {
		return nil, err
	}
	provider, err := pickProvider(inv.Network, ifaces, opts)
	if err != nil {
		return nil, err
	}
	sites, err := pickSites(inv, ifaces, opts)
	if err != nil {
		return nil, err
	}
	if n := len(opts.FabricPorts); n > 0 && n != len(sites) {
		return nil, fmt.Errorf("generate config: %d fabric port(s) given, but this hardware allows %d engine(s): give one port per engine (or set --num-engines)", n, len(sites))
	}
	targets, helpers := threads(sites)

	cfg := &config.Server{
		Name:            config.DefaultSystemName,
		Port:            config.DefaultControlPort,
		MgmtSvcReplicas: append([]string(nil), opts.MSReplicas...),
		Transport: config.Transport{
			CACert:        config.DefaultCertDir + "/daosCA.crt",
			Cert:          config.DefaultCertDir + "/server.crt",
			Key:           config.DefaultCertDir + "/server.key",
			ClientCertDir: config.DefaultCertDir + "/clients",
		},
		Fabric:                    config.Fabric{Provider: provider},
		SocketDir:                 config.DefaultSocketDir,
		ControlLogMask:            config.DefaultControlLogMask,
		ControlLogFile:            "/tmp/daos_server.log",
		HelperLogFile:             opts.HelperLogFile,
		TelemetryPort:             config.DefaultTelemetryPort,
		CoreDumpFilter:            config.DefaultCoreDumpFilter,
		EngineAutoRestartMinDelay: config.DefaultAutoRestartMinDelay,
	}
	if len(cfg.MgmtSvcReplicas) == 0 {
		cfg.MgmtSvcReplicas = []string{"localhost"}
	}
	if opts.ControlMetadataPath != "" {
		cfg.ControlMetadata = &config.ControlMetadata{Path: opts.ControlMetadataPath}
	}
	dir, size := opts.BdevFileDir, opts.BdevFileGiB
	if dir == "" {
		dir = "/tmp"
	}
	if size == 0 {
		size = 16
	}
	for i, site := range sites {
		numa := site.numa
		port := config.DefaultFabricPort + 1000*i
		if len(opts.FabricPorts) > 0 {
			port = opts.FabricPorts[i]
		}
		e := &config.Engine{
			Targets:        targets,
			HelperStreams:  helpers,
			PinnedNumaNode: &numa,
			Fabric:         config.Fabric{Interface: site.iface, InterfacePort: port},
			LogFile:        fmt.Sprintf("/tmp/daos_engine.%d.log", i),
		}
		if site.pmem != "" {
			e.Storage = append(e.Storage, &config.Tier{Class: config.ClassDCPM, ScmList: []string{site.pmem}, ScmMount: fmt.Sprintf("/mnt/daos%d", i)})
		} else {
			e.Storage = append(e.Storage, &config.Tier{Class: config.ClassRAM, ScmMount: fmt.Sprintf("/mnt/daos%d", i)})
		}
		switch {
		case opts.SCMOnly:
		case len(site.nvme) > 0:
			e.Storage = append(e.Storage, &config.Tier{Class: config.ClassNVMe, BdevList: site.nvme})
		default:
			e.Storage = append(e.Storage, &config.Tier{Class: config.ClassFile, BdevSize: size,
				BdevList: []string{fmt.Sprintf("%s/daos-bdev%d", strings.TrimSuffix(dir, "/"), i)}})
		}
		cfg.Engines = append(cfg.Engines, e)
	}
	if err := sizeRAMDisks(cfg, inv.Topology); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("generate config: the proposal is not valid: %w", err)
	}
	return cfg, nil
}

// classOf maps --net-class to the kernel's link types.
var classOf = map[string]string{NetClassEthernet: "ether", NetClassInfiniband: "infiniband"}

// pickInterfaces returns the first up interface of the class on each
// NUMA node, by node.
func pickInterfaces(net *hardware.NetworkScan, netClass string) (map[int]string, error) {
	kind, ok := classOf[netClass]
	if !ok {
		return nil, fmt.Errorf("generate config: net class %q: want ethernet or infiniband", netClass)
	}
	byNUMA := make(map[int]string)
	var seen []string
	if net != nil {
		ifs := append([]hardware.NetInterface(nil), net.Interfaces...)
		sort.Slice(ifs, func(i, j int) bool { return ifs[i].Name < ifs[j].Name })
		for _, ni := range ifs {
			seen = append(seen, fmt.Sprintf("%s (%s)", ni.Name, ni.Class))
			if ni.Class != kind || !ni.Up {
				continue
			}
			if _, taken := byNUMA[ni.NUMANode]; !taken {
				byNUMA[ni.NUMANode] = ni.Name
			}
		}
	}
	if len(byNUMA) == 0 {
		hint := ""
		if netClass == NetClassInfiniband {
			hint = "; on Ethernet use --net-class ethernet"
		}
		return nil, fmt.Errorf("generate config: no up %s interface found (interfaces: %s)%s",
			netClass, orNone(strings.Join(seen, ", ")), hint)
	}
	return byNUMA, nil
}

// badDefaults are providers never chosen on their own: sockets is
// deprecated and unreliable, shm is single-host, udp is very slow.
var badDefaults = []string{"ofi+sockets", "ofi+shm", "ofi+udp"}

// pickProvider uses the given provider, or the best-priority provider
// that serves every chosen interface.
func pickProvider(net *hardware.NetworkScan, ifaces map[int]string, opts Options) (string, error) {
	if opts.Provider != "" {
		return opts.Provider, nil
	}
	if net == nil || len(net.Fabric) == 0 {
		if opts.NetClass == NetClassEthernet {
			// daos-go's own TCP transport serves ofi+tcp without libfabric.
			return "ofi+tcp", nil
		}
		why := "none found"
		if net != nil && net.ProviderError != "" {
			why = net.ProviderError
		}
		return "", fmt.Errorf("generate config: fabric providers unknown (%s): give one with --net-provider", why)
	}
	best := map[string]int{} // provider -> worst priority over ifaces
	served := map[string]map[string]bool{}
	libfabricTCP := slices.ContainsFunc(net.Fabric, func(f hardware.FabricInterface) bool {
		return strings.HasPrefix(f.Provider, "ofi+tcp")
	})
	for _, f := range net.Fabric {
		if f.Provider == "tcp" && libfabricTCP {
			continue // ofi+tcp means libfabric's here
		}
		p := configProvider(f.Provider)
		if skip(p) {
			continue
		}
		for _, name := range ifaces {
			if f.Device == name {
				if served[p] == nil {
					served[p] = map[string]bool{}
				}
				served[p][name] = true
				best[p] = max(best[p], f.Priority)
			}
		}
	}
	count := map[string]int{}
	for p, devs := range served {
		count[p] = len(devs)
	}
	var choice string
	for p, n := range count {
		if n < len(ifaces) {
			continue
		}
		if choice == "" || best[p] < best[choice] || (best[p] == best[choice] && p < choice) {
			choice = p
		}
	}
	if choice == "" {
		return "", fmt.Errorf("generate config: no fabric provider serves all of the chosen interfaces %v: give one with --net-provider", sortedValues(ifaces))
	}
	return choice, nil
}

// configProvider is how a config names a scanned provider: daos-go's own
// TCP transport (scanned as "tcp") serves ofi+tcp where libfabric does not
// (pickProvider leaves it out where libfabric does).
func configProvider(p string) string {
	if p == "tcp" {
		return "ofi+tcp"
	}
	return p
}

func skip(p string) bool {
	for _, b := range badDefaults {
		if strings.HasPrefix(p, b) {
			return true
		}
	}
	return false
}

// pickSites chooses the NUMA nodes that get an engine and their devices.
func pickSites(inv Inventory, ifaces map[int]string, opts Options) ([]engineSite, error) {
	cores := map[int]int{}
	if inv.Topology != nil {
		for _, n := range inv.Topology.NUMANodes {
			cores[n.ID] = n.Cores
		}
	}
	pmem := map[int]string{}
	if inv.SCM != nil && !opts.UseTmpfsSCM && opts.ControlMetadataPath == "" {
		for _, ns := range inv.SCM.Namespaces {
			if ns.Mode == "fsdax" && ns.BlockDev != "" && pmem[ns.NUMANode] == "" {
				pmem[ns.NUMANode] = ns.Dev
			}
		}
	}
	nvme := map[int][]string{}
	if inv.NVMe != nil {
		for _, c := range inv.NVMe.Controllers {
			nvme[c.SocketID] = append(nvme[c.SocketID], c.PCIAddr)
		}
	}
	var nodes []int
	for n := range ifaces {
		if len(pmem) > 0 && pmem[n] == "" {
			continue // with PMem present, engines go where PMem is
		}
		nodes = append(nodes, n)
	}
	sort.Ints(nodes)
	if len(nodes) == 0 {
		return nil, fmt.Errorf("generate config: no NUMA node has both PMem and a %s interface; use --use-tmpfs-scm for RAM-disk SCM", opts.NetClass)
	}
	if opts.NumEngines > 0 {
		if opts.NumEngines > len(nodes) {
			return nil, fmt.Errorf("generate config: %d engines asked for, but only %d NUMA node(s) have what an engine needs (a %s interface%s)",
				opts.NumEngines, len(nodes), opts.NetClass, map[bool]string{true: " and PMem", false: ""}[len(pmem) > 0])
		}
		nodes = nodes[:opts.NumEngines]
	}
	sites := make([]engineSite, 0, len(nodes))
	for _, n := range nodes {
		s := engineSite{numa: n, iface: ifaces[n], pmem: pmem[n], cores: cores[n]}
		if !opts.SCMOnly {
			s.nvme = nvme[n]
			if len(nvme) > 0 && len(s.nvme) == 0 {
				return nil, fmt.Errorf("generate config: NUMA node %d has no NVMe SSD while others do; use --scm-only or --num-engines", n)
			}
		}
		sites = append(sites, s)
	}
	return sites, nil
}

// threads sizes targets and helpers from the smallest node's cores: one
// core is left to the engine's system xstreams, about one helper per four
// targets, and targets are a multiple of the SSD count where possible.
func threads(sites []engineSite) (targets, helpers int) {
	usable := -1
	ssds := 0
	for _, s := range sites {
		c := max(s.cores-1, 1)
		if usable < 0 || c < usable {
			usable = c
		}
		if ssds == 0 || (len(s.nvme) > 0 && len(s.nvme) < ssds) {
			ssds = len(s.nvme)
		}
	}
	helpers = usable / 5
	targets = usable - helpers
	if ssds > 1 && targets >= ssds {
		targets -= targets % ssds
	}
	return max(targets, 1), helpers
}

// sizeRAMDisks sets scm_size of ram tiers to what memory allows.
func sizeRAMDisks(cfg *config.Server, topo *hardware.Topology) error {
	if cfg.Engines[0].Storage[0].Class != config.ClassRAM {
		return nil
	}
	if topo == nil || topo.MemTotalBytes == 0 {
		return fmt.Errorf("generate config: memory size unknown, cannot size RAM-disk SCM")
	}
	max, err := cfg.MaxRAMDiskBytes(config.MemInfo{TotalBytes: topo.MemTotalBytes, HugepagesBytes: topo.HugepagesBytes})
	if err != nil {
		return fmt.Errorf("generate config: %w", err)
	}
	for _, e := range cfg.Engines {
		e.Storage[0].ScmSize = int(max >> 30)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func sortedValues(m map[int]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
