package systest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// LabIface is the network interface every host of a NetLab has, as
// identical hosts of a real cluster have (and share one daos_server.yml).
const LabIface = "eth1"

// ErrNoNetLab says this machine or user cannot make network namespaces.
var ErrNoNetLab = errors.New("network namespaces need root and iproute2's ip")

// NetLab is a set of network namespaces, one per emulated host, each with
// an interface LabIface at 10.233.0.N/24 (N from 1), joined by a bridge in
// a namespace of its own: hosts on one Ethernet segment, with nothing in
// common with this machine's own network. Hosts made by NewRoutedNetLab
// sit on a second segment, 10.234.0.0/24, behind a router. Processes run
// in a host with Command.
type NetLab struct {
	Hosts []string // namespace names
	IPs   []string // each host's address on LabIface
	// Names are the hosts' names (host0, host1, ...), which every host
	// resolves through an /etc/hosts of its own (`ip netns exec` mounts
	// /etc/netns/NAMESPACE/hosts over /etc/hosts), as a cluster's nodes
	// know each other by name.
	Names []string
	// Router is the router's namespace when some hosts are routed, its
	// interface RouterIface on their segment.
	Router string
	names  []string // every namespace made, bridge included
}

// RouterIface is the router's interface on the routed hosts' segment.
const RouterIface = "rt1"

// Subnets of a NetLab and its router's address on each.
const (
	labNet, labRouter       = "10.233.0.0/24", "10.233.0.254"
	routedNet, routedRouter = "10.234.0.0/24", "10.234.0.254"
)

// NewNetLab makes n hosts on one segment. Close removes them.
func NewNetLab(n int) (*NetLab, error) { return NewRoutedNetLab(n, 0) }

// NewRoutedNetLab makes n hosts of which the last routed ones are on a
// segment of their own (10.234.0.N/24), reaching the others only through
// a router, as a site's clients may reach its storage nodes across
// subnets. Close removes them.
func NewRoutedNetLab(n, routed int) (*NetLab, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w (running as uid %d)", ErrNoNetLab, os.Geteuid())
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoNetLab, err)
	}
	if routed < 0 || routed > n {
		return nil, fmt.Errorf("%d routed hosts of %d", routed, n)
	}
	prefix := fmt.Sprintf("dgo%d-%d-", os.Getpid(), rand.IntN(1e6))
	l := &NetLab{}
	bridge := prefix + "br"
	var steps [][]string
	add := func(ns string) {
		steps = append(steps, []string{"netns", "add", ns}, []string{"-n", ns, "link", "set", "lo", "up"})
		l.names = append(l.names, ns)
	}
	// link joins namespace ns to bridge br with an interface named ifc
	// at ip (a /24).
	link := func(ns, ifc, peer, br, ip string) {
		steps = append(steps,
			[]string{"link", "add", ifc, "netns", ns, "type", "veth", "peer", "name", peer, "netns", bridge},
			[]string{"-n", bridge, "link", "set", peer, "master", br, "up"},
			[]string{"-n", ns, "addr", "add", ip + "/24", "dev", ifc},
			[]string{"-n", ns, "link", "set", ifc, "up"})
	}
	add(bridge)
	for _, br := range []string{"br0", "br1"}[:1+min(routed, 1)] {
		steps = append(steps, []string{"-n", bridge, "link", "add", br, "type", "bridge"},
			[]string{"-n", bridge, "link", "set", br, "up"})
	}
	local := n - routed
	for i := 0; i < n; i++ {
		ns, peer := fmt.Sprintf("%sh%d", prefix, i), fmt.Sprintf("p%d", i)
		ip, br, via, other := fmt.Sprintf("10.233.0.%d", i+1), "br0", labRouter, routedNet
		if i >= local {
			ip, br, via, other = fmt.Sprintf("10.234.0.%d", i-local+1), "br1", routedRouter, labNet
		}
		l.Hosts, l.IPs = append(l.Hosts, ns), append(l.IPs, ip)
		add(ns)
		link(ns, LabIface, peer, br, ip)
		if routed > 0 {
			steps = append(steps, []string{"-n", ns, "route", "add", other, "via", via})
		}
	}
	if routed > 0 {
		l.Router = prefix + "rt"
		add(l.Router)
		link(l.Router, "rt0", "r0", "br0", labRouter)
		link(l.Router, RouterIface, "r1", "br1", routedRouter)
	}
	for _, s := range steps {
		if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
			l.Close()
			return nil, fmt.Errorf("ip %s: %v: %s", strings.Join(s, " "), err, out)
		}
	}
	if l.Router != "" {
		// /proc/sys/net is the reading process's network namespace's.
		fwd := exec.Command("ip", "netns", "exec", l.Router, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
		if out, err := fwd.CombinedOutput(); err != nil {
			l.Close()
			return nil, fmt.Errorf("router: turn on forwarding: %v: %s", err, out)
		}
	}
	hosts := "127.0.0.1 localhost\n::1 localhost\n"
	for i, ip := range l.IPs {
		l.Names = append(l.Names, fmt.Sprintf("host%d", i))
		hosts += fmt.Sprintf("%s %s\n", ip, l.Names[i])
	}
	for _, ns := range l.Hosts {
		dir := filepath.Join("/etc/netns", ns)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			l.Close()
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte(hosts), 0o644); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// RoutedBytes is how many bytes the router's interface on the routed
// hosts' segment has sent (to them) and received (from them).
func (l *NetLab) RoutedBytes() (tx, rx uint64, err error) {
	read := func(what string) (uint64, error) {
		out, err := l.routerFile("/sys/class/net/" + RouterIface + "/statistics/" + what)
		if err != nil {
			return 0, err
		}
		return strconv.ParseUint(strings.TrimSpace(out), 10, 64)
	}
	if tx, err = read("tx_bytes"); err == nil {
		rx, err = read("rx_bytes")
	}
	return tx, rx, err
}

// Forwarded is how many IP datagrams the router has forwarded.
func (l *NetLab) Forwarded() (uint64, error) {
	out, err := l.routerFile("/proc/net/snmp")
	if err != nil {
		return 0, err
	}
	// Two "Ip:" lines: the field names, then their values.
	var names, values []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Ip:" {
			if names == nil {
				names = f[1:]
			} else {
				values = f[1:]
			}
		}
	}
	for i, n := range names {
		if n == "ForwDatagrams" && i < len(values) {
			return strconv.ParseUint(values[i], 10, 64)
		}
	}
	return 0, fmt.Errorf("router IP statistics: no ForwDatagrams in %q", out)
}

// routerFile reads a file in the router's namespace (its /sys and
// /proc/net are that namespace's).
func (l *NetLab) routerFile(path string) (string, error) {
	if l.Router == "" {
		return "", errors.New("the lab has no router")
	}
	out, err := exec.Command("ip", "netns", "exec", l.Router, "cat", path).Output()
	if err != nil {
		return "", fmt.Errorf("router: read %s: %w", path, err)
	}
	return string(out), nil
}

// Close removes the namespaces, and with them their interfaces.
func (l *NetLab) Close() {
	for _, ns := range l.names {
		_ = exec.Command("ip", "netns", "del", ns).Run()
		_ = os.RemoveAll(filepath.Join("/etc/netns", ns))
	}
}

// LabPort is the control port of a NetLab cluster's servers: every host
// has its own port space, so the default port of DAOS serves.
const LabPort = 10001

// NewMultiHost writes the configs of n servers on hosts 0..n-1 of lab (n
// odd: all are replicas), each with engines engines of targets targets on
// LabIface (ports 31416, 32416, ...), the same config on every host but
// for its directories and fault domain, as on a real cluster, where the
// replicas are named by host name; dmg and the agent run on host n and
// name the servers so too (dmg in hostlist syntax). The servers run
// insecure.
func NewMultiHost(bin string, lab *NetLab, n, engines, targets int) (*Cluster, error) {
	if len(lab.Hosts) < n+1 {
		return nil, fmt.Errorf("%d servers and a client need %d hosts, the lab has %d", n, n+1, len(lab.Hosts))
	}
	dir, err := os.MkdirTemp("", "dsys")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Bin: bin, Dir: dir, Port: LabPort, lab: lab, client: n}
	var replicas, names []string
	for i := 0; i < n; i++ {
		replicas = append(replicas, fmt.Sprintf("%s:%d", lab.IPs[i], LabPort))
		names = append(names, lab.Names[i]) // by name, the port left to default
	}
	for i := 0; i < n; i++ {
		s := &Server{IP: lab.IPs[i], Addr: replicas[i], Dir: filepath.Join(dir, fmt.Sprintf("s%d", i)), Log: &Buffer{}, host: i}
		s.Config = filepath.Join(s.Dir, "daos_server.yml")
		if err := os.MkdirAll(filepath.Join(s.Dir, "run"), 0o755); err != nil {
			c.Close()
			return nil, err
		}
		cfg := fmt.Sprintf(labServerConfig, LabPort, quoteList(names), s.Dir, fmt.Sprintf("/rack0/host%d", i))
		for e := 0; e < engines; e++ {
			cfg += fmt.Sprintf(labEngineConfig, targets, engineProcs(n*engines), LabIface, LabFabricPort+1000*e, s.Dir, e)
		}
		if err := os.WriteFile(s.Config, []byte(cfg), 0o644); err != nil {
			c.Close()
			return nil, err
		}
		c.Servers = append(c.Servers, s)
	}
	return c, nil
}

// LabFabricPort is engine 0's fabric port; engine e's is 1000*e more.
const LabFabricPort = 31416

// labServerConfig is serverConfig without per-host addresses (the
// control listener on every interface); labEngineConfig is one engine
// on the host's LabIface, appended per engine.
const labServerConfig = `name: daos_server
port: %d
mgmt_svc_replicas: %s
provider: ofi+tcp
socket_dir: %[3]s/run
telemetry_port: 0
engine_auto_restart_min_delay: 0
fault_path: %[4]s
transport_config:
  allow_insecure: true
engines:
`

const labEngineConfig = `- targets: %d
  nr_xs_helpers: 0
  env_vars: [GOMAXPROCS=%d]
  fabric_iface: %s
  fabric_iface_port: %d
  storage:
  - class: ram
    scm_mount: %[5]s/scm%[6]d
    scm_size: 4
  - class: file
    bdev_list: [%[5]s/bdev%[6]d]
    bdev_size: 8
`
