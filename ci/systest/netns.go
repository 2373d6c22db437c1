package systest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
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
// common with this machine's own network. Processes run in a host with
// Command.
type NetLab struct {
	Hosts []string // namespace names
	IPs   []string // each host's address on LabIface
	// Names are the hosts' names (host0, host1, ...), which every host
	// resolves through an /etc/hosts of its own (`ip netns exec` mounts
	// /etc/netns/NAMESPACE/hosts over /etc/hosts), as a cluster's nodes
	// know each other by name.
	Names []string
	names []string // every namespace made, bridge included
}

// NewNetLab makes n hosts. Close removes them.
func NewNetLab(n int) (*NetLab, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w (running as uid %d)", ErrNoNetLab, os.Geteuid())
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoNetLab, err)
	}
	prefix := fmt.Sprintf("dgo%d-%d-", os.Getpid(), rand.IntN(1e6))
	l := &NetLab{}
	bridge := prefix + "br"
	steps := [][]string{{"netns", "add", bridge}}
	l.names = append(l.names, bridge)
	steps = append(steps, []string{"-n", bridge, "link", "add", "br0", "type", "bridge"},
		[]string{"-n", bridge, "link", "set", "br0", "up"})
	for i := 0; i < n; i++ {
		ns, peer, ip := fmt.Sprintf("%sh%d", prefix, i), fmt.Sprintf("p%d", i), fmt.Sprintf("10.233.0.%d", i+1)
		l.Hosts, l.IPs = append(l.Hosts, ns), append(l.IPs, ip)
		steps = append(steps,
			[]string{"netns", "add", ns},
			[]string{"-n", ns, "link", "set", "lo", "up"},
			[]string{"link", "add", LabIface, "netns", ns, "type", "veth", "peer", "name", peer, "netns", bridge},
			[]string{"-n", bridge, "link", "set", peer, "master", "br0", "up"},
			[]string{"-n", ns, "addr", "add", ip + "/24", "dev", LabIface},
			[]string{"-n", ns, "link", "set", LabIface, "up"})
	}
	for _, s := range steps {
		if s[0] == "netns" && s[1] == "add" && s[2] != bridge {
			l.names = append(l.names, s[2])
		}
		if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
			l.Close()
			return nil, fmt.Errorf("ip %s: %v: %s", strings.Join(s, " "), err, out)
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
