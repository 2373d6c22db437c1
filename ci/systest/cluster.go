// Package systest runs emulated DAOS systems of several daos_server
// processes on one machine, each on its own loopback address
// (127.0.0.2, 127.0.0.3, ...) with its own RAM-directory SCM and file
// NVMe, for the multi-process system tests and the control-plane
// benchmark. Everything runs from binaries built into a temporary
// directory and is removed again by Close.
package systest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/security"
	"github.com/daos-go/daos/pkg/control/security/certtest"
)

// BuildTagsEnv names the Go build tags Build uses ("ofi pmdk isal", as
// scons picks them where the libraries are); unset, the binaries are pure
// Go. For comparing backends in the system tests and benchmarks.
const BuildTagsEnv = "DAOS_GO_BUILD_TAGS"

// Build builds daos_server, daos_engine, dmg, daos_agent, daos and
// daos_perf into dir, with the tags BuildTagsEnv names.
func Build(ctx context.Context, dir string) error {
	return BuildTags(ctx, dir, os.Getenv(BuildTagsEnv))
}

// BuildTags is Build with the given tags.
func BuildTags(ctx context.Context, dir, tags string) error {
	out, err := exec.CommandContext(ctx, "go", "build", "-tags", tags, "-o", dir+"/",
		"github.com/daos-go/daos/cmd/daos_server", "github.com/daos-go/daos/cmd/daos_engine",
		"github.com/daos-go/daos/cmd/dmg", "github.com/daos-go/daos/cmd/daos_agent", "github.com/daos-go/daos/cmd/daos",
		"github.com/daos-go/daos/cmd/daos_perf").CombinedOutput()
	if err != nil {
		return fmt.Errorf("build binaries: %v\n%s", err, out)
	}
	return nil
}

// Buffer collects a process's output safely.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Server is one daos_server of the cluster.
type Server struct {
	IP     string
	Addr   string // control address, IP:port
	Dir    string
	Config string
	Log    *Buffer

	host int // NetLab host it runs on; -1: this machine's namespace

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Cluster is n servers, each a management service replica.
type Cluster struct {
	Bin     string
	Dir     string
	Port    int
	Servers []*Server
	// admin is the admin's transport when the cluster uses TLS; its
	// daos_control.yml is controlYml.
	admin      *config.Transport
	agent      *config.Transport
	controlYml string
	// lab, when set, has each server on a host of its own and dmg, the
	// agent and ClientCommand on host client.
	lab    *NetLab
	client int
}

// New writes the configs of n servers (n odd: all are replicas) under a
// new temporary directory; bin holds the built binaries. The servers run
// insecure.
func New(bin string, n int) (*Cluster, error) { return newCluster(bin, n, false, 1) }

// NewTargets is New with engines of targets targets each.
func NewTargets(bin string, n, targets int) (*Cluster, error) {
	return newCluster(bin, n, false, targets)
}

// NewTLS is New with TLS everywhere: a test CA, server certificates for
// the servers (and raft between them), an admin certificate for dmg.
func NewTLS(bin string, n int) (*Cluster, error) { return newCluster(bin, n, true, 1) }

func newCluster(bin string, n int, secure bool, targets int) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "dsys") // short: socket paths are limited
	if err != nil {
		return nil, err
	}
	port, err := commonPort(n)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c := &Cluster{Bin: bin, Dir: dir, Port: port}
	transport := "transport_config:\n  allow_insecure: true\n"
	if secure {
		if transport, err = c.makeCerts(); err != nil {
			c.Close()
			return nil, err
		}
	}
	var replicas []string
	for i := 0; i < n; i++ {
		ip := fmt.Sprintf("127.0.0.%d", i+2)
		replicas = append(replicas, fmt.Sprintf("%s:%d", ip, port))
	}
	for i := 0; i < n; i++ {
		s := &Server{IP: fmt.Sprintf("127.0.0.%d", i+2), Addr: replicas[i], Dir: filepath.Join(dir, fmt.Sprintf("s%d", i)), Log: &Buffer{}, host: -1}
		s.Config = filepath.Join(s.Dir, "daos_server.yml")
		if err := os.MkdirAll(filepath.Join(s.Dir, "run"), 0o755); err != nil {
			c.Close()
			return nil, err
		}
		fport, err := fabricPort(port, targets)
		if err != nil {
			c.Close()
			return nil, err
		}
		cfg := fmt.Sprintf(serverConfig, port, s.IP, quoteList(replicas), s.Dir, fport, "/rack0/"+s.IP, targets, engineProcs(n)) + transport
		if err := os.WriteFile(s.Config, []byte(cfg), 0o644); err != nil {
			c.Close()
			return nil, err
		}
		c.Servers = append(c.Servers, s)
	}
	return c, nil
}

const serverConfig = `name: daos_server
port: %d
control_iface: %s
mgmt_svc_replicas: %s
provider: ofi+tcp
socket_dir: %[4]s/run
telemetry_port: 0
engine_auto_restart_min_delay: 0
engines:
- targets: %[7]d
  nr_xs_helpers: 0
  env_vars: [GOMAXPROCS=%[8]d]
  fabric_iface: lo
  fabric_iface_port: %[5]d
  storage:
  - class: ram
    scm_mount: %[4]s/scm
    scm_size: 4
  - class: file
    bdev_list: [%[4]s/bdev0]
    bdev_size: 8
fault_path: %[6]s
`

// engineProcs is the share of this machine's CPUs each of n engines
// runs its goroutines on: the emulated hosts share one machine, where
// real engines would each have cores of their own (DAOS pins an engine's
// targets to its cores). Engines allowed every CPU of a small machine
// keep waking idle threads of their own to steal each other's work,
// which costs more than it gives (docs/performance.md).
func engineProcs(n int) int { return max(1, runtime.NumCPU()/n) }

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// freePort finds a port free on the loopback interface for an engine's
// fabric endpoint (engines on lo listen on 127.0.0.1), so that clusters of
// tests running at once do not collide.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free fabric port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// fabricPort finds a free fabric port whose range (one port per
// context: the targets and a few more) leaves out the control port, which
// the server's config validation refuses.
func fabricPort(control, targets int) (int, error) {
	for attempt := 0; attempt < 50; attempt++ {
		p, err := freePort()
		if err != nil {
			return 0, err
		}
		if control < p || control > p+targets+16 {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no free fabric port range without control port %d", control)
}

// commonPort finds a TCP port free on 127.0.0.2 .. 127.0.0.(n+1).
func commonPort(n int) (int, error) {
	for attempt := 0; attempt < 50; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		ok := true
		var others []net.Listener
		for i := 1; i < n && ok; i++ {
			o, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:%d", i+2, port))
			if err != nil {
				ok = false
				break
			}
			others = append(others, o)
		}
		l.Close()
		for _, o := range others {
			o.Close()
		}
		if ok {
			return port, nil
		}
	}
	return 0, errors.New("no TCP port free on every server address")
}

// Start launches server i; autoFormat formats unformatted storage at start.
func (c *Cluster) Start(i int, autoFormat bool) error {
	s := c.Servers[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("server %d is running", i)
	}
	args := []string{"start", "-o", s.Config, "--ram-scm-as-dir"}
	if autoFormat {
		args = append(args, "--auto-format")
	}
	cmd := c.command(context.Background(), s.host, filepath.Join(c.Bin, "daos_server"), args...)
	fmt.Fprintf(s.Log, "---- daos_server %s ----\n", strings.Join(args, " "))
	cmd.Stdout, cmd.Stderr = s.Log, s.Log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start server %d: %w", i, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	return nil
}

// Kill ends server i with SIGKILL (its engines die with it) and waits.
func (c *Cluster) Kill(i int) { c.signal(i, syscall.SIGKILL) }

// Stop ends server i with SIGTERM (a clean stop) and waits.
func (c *Cluster) Stop(i int) { c.signal(i, syscall.SIGTERM) }

func (c *Cluster) signal(i int, sig syscall.Signal) {
	s := c.Servers[i]
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// died reports a server that exited without being told to.
func (c *Cluster) died() error {
	for i, s := range c.Servers {
		s.mu.Lock()
		exited := s.exited
		running := s.cmd != nil
		s.mu.Unlock()
		if !running {
			continue
		}
		select {
		case <-exited:
			return fmt.Errorf("server %d (%s) exited on its own", i, s.Addr)
		default:
		}
	}
	return nil
}

// Close stops every server and removes the cluster's files.
func (c *Cluster) Close() {
	for i := range c.Servers {
		c.Kill(i)
	}
	os.RemoveAll(c.Dir)
}

// Logs returns every server's output, for failure reports.
func (c *Cluster) Logs() string {
	var b strings.Builder
	for i, s := range c.Servers {
		fmt.Fprintf(&b, "==== server %d (%s) ====\n%s\n", i, s.Addr, s.FullLog())
	}
	return b.String()
}

// FullLog is the server's output and the log files a test may have put
// in its directory instead (control.log, engine.log).
func (s *Server) FullLog() string {
	out := s.Log.String()
	for _, f := range []string{"control.log", "engine.log"} {
		if b, err := os.ReadFile(filepath.Join(s.Dir, f)); err == nil {
			out += "---- " + f + " ----\n" + string(b)
		}
	}
	return out
}

// command runs name with args on NetLab host host, or here when the
// cluster has no lab or host is -1. `ip netns exec` execs the program in
// place, so the process is the program's and signals reach it.
func (c *Cluster) command(ctx context.Context, host int, name string, args ...string) *exec.Cmd {
	if c.lab == nil || host < 0 {
		return exec.CommandContext(ctx, name, args...)
	}
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", c.lab.Hosts[host], name}, args...)...)
}

// ClientCommand runs one of the cluster's binaries (bin relative to Bin)
// where dmg and the agent run.
func (c *Cluster) ClientCommand(ctx context.Context, bin string, args ...string) *exec.Cmd {
	return c.command(ctx, c.client, filepath.Join(c.Bin, bin), args...)
}

// HostList is every server's address, for dmg -l: on a NetLab, their
// names in hostlist syntax (host[0-2]), the port left to default.
func (c *Cluster) HostList() string {
	if c.lab != nil {
		return fmt.Sprintf("host[0-%d]", len(c.Servers)-1)
	}
	var l []string
	for _, s := range c.Servers {
		l = append(l, s.Addr)
	}
	return strings.Join(l, ",")
}

// Dmg runs dmg against the cluster with a bounded wait: insecure, or with
// the admin certificate under TLS.
func (c *Cluster) Dmg(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	full := append([]string{"-i", "-l", c.HostList()}, args...)
	if c.admin != nil {
		full = append([]string{"-o", c.controlYml, "-l", c.HostList()}, args...)
	}
	cmd := c.command(ctx, c.client, filepath.Join(c.Bin, "dmg"), full...)
	var stderr Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("dmg %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// Member is one rank as `dmg system query -j` reports it.
type Member struct {
	Rank        uint32 `json:"rank"`
	Addr        string `json:"addr"`
	UUID        string `json:"uuid"`
	State       string `json:"state"`
	Incarnation uint64 `json:"incarnation"`
	Info        string `json:"info"`
	FaultDomain string `json:"fault_domain"`
}

// Query runs `dmg system query -j`.
func (c *Cluster) Query(ctx context.Context) ([]Member, error) {
	out, err := c.Dmg(ctx, "-j", "system", "query")
	if err != nil {
		return nil, err
	}
	var env struct {
		Response struct {
			Members []Member `json:"members"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		return nil, fmt.Errorf("decode system query: %w: %s", err, out)
	}
	return env.Response.Members, nil
}

// Leader runs `dmg system leader-query -j`.
func (c *Cluster) Leader(ctx context.Context) (string, []string, error) {
	out, err := c.Dmg(ctx, "-j", "system", "leader-query", "-N")
	if err != nil {
		return "", nil, err
	}
	var env struct {
		Response struct {
			Leader string   `json:"current_leader"`
			Down   []string `json:"down_replicas"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		return "", nil, fmt.Errorf("decode leader query: %w: %s", err, out)
	}
	return env.Response.Leader, env.Response.Down, nil
}

// WaitMembers polls the system query every 50 ms until cond holds or ctx
// ends; it returns the last members seen.
func (c *Cluster) WaitMembers(ctx context.Context, cond func([]Member) bool) ([]Member, error) {
	var last []Member
	var lastErr error
	for {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		m, err := c.Query(qctx)
		cancel()
		if err == nil {
			last = m
			if cond(m) {
				return m, nil
			}
		}
		lastErr = err
		if err := c.died(); err != nil {
			return last, err
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("members %+v (last error %v): %w", last, lastErr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// AllIn tells whether there are n members, all in state.
func AllIn(n int, state string) func([]Member) bool {
	return func(ms []Member) bool {
		if len(ms) != n {
			return false
		}
		for _, m := range ms {
			if m.State != state {
				return false
			}
		}
		return true
	}
}

// ByAddr finds the member at addr.
func ByAddr(ms []Member, addr string) *Member {
	for i := range ms {
		if ms[i].Addr == addr {
			return &ms[i]
		}
	}
	return nil
}

// Engine is server i's engine 0 as that server reports it. It calls the
// server from this process's network namespace: not for NetLab clusters.
func (c *Cluster) Engine(ctx context.Context, i int) (pid int, joined bool, rank uint32, err error) {
	creds := insecure.NewCredentials()
	if c.admin != nil {
		var err error
		if creds, err = security.ClientCredentials(*c.admin, config.ComponentAdmin); err != nil {
			return 0, false, 0, err
		}
	}
	res := ctlclient.NewWith([]string{c.Servers[i].Addr}, creds).HostSystemQuery(ctx)
	if res[0].Err != nil {
		return 0, false, 0, res[0].Err
	}
	if len(res[0].Resp.Engines) == 0 {
		return 0, false, 0, fmt.Errorf("server %d reports no engines", i)
	}
	e := res[0].Resp.Engines[0]
	return int(e.Pid), e.Joined, e.Rank, nil
}

// makeCerts makes a CA with server, admin and agent certificates, writes
// dmg's daos_control.yml, and returns the servers' transport_config.
func (c *Cluster) makeCerts() (string, error) {
	ca, err := certtest.NewCA(filepath.Join(c.Dir, "certs"))
	if err != nil {
		return "", err
	}
	srv, err := ca.Issue(config.ComponentServer)
	if err != nil {
		return "", err
	}
	admin, err := ca.Issue(config.ComponentAdmin)
	if err != nil {
		return "", err
	}
	agent, err := ca.Issue(config.ComponentAgent)
	if err != nil {
		return "", err
	}
	clients := filepath.Join(c.Dir, "certs", "clients")
	if err := os.MkdirAll(clients, 0o755); err != nil {
		return "", err
	}
	crt, err := os.ReadFile(agent.Cert)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(clients, "agent.crt"), crt, 0o644); err != nil {
		return "", err
	}
	c.admin, c.agent = &admin, &agent
	c.controlYml = filepath.Join(c.Dir, "daos_control.yml")
	ctl := fmt.Sprintf("name: daos_server\ntransport_config:\n  allow_insecure: false\n  ca_cert: %s\n  cert: %s\n  key: %s\n",
		admin.CACert, admin.Cert, admin.Key)
	if err := os.WriteFile(c.controlYml, []byte(ctl), 0o644); err != nil {
		return "", err
	}
	return fmt.Sprintf("transport_config:\n  allow_insecure: false\n  ca_cert: %s\n  cert: %s\n  key: %s\n  client_cert_dir: %s\n",
		srv.CACert, srv.Cert, srv.Key, clients), nil
}

// Agent is a running daos_agent.
type Agent struct {
	Socket string // its dRPC socket
	Log    *Buffer
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartAgent runs daos_agent for the cluster (with the agent certificate
// under TLS) and waits for its socket.
func (c *Cluster) StartAgent(ctx context.Context) (*Agent, error) {
	dir := filepath.Join(c.Dir, "agent")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var aps []string
	for i, s := range c.Servers {
		if c.lab != nil {
			aps = append(aps, c.lab.Names[i])
		} else {
			aps = append(aps, s.Addr)
		}
	}
	transport := "transport_config:\n  allow_insecure: true\n"
	if c.agent != nil {
		transport = fmt.Sprintf("transport_config:\n  allow_insecure: false\n  ca_cert: %s\n  cert: %s\n  key: %s\n",
			c.agent.CACert, c.agent.Cert, c.agent.Key)
	}
	cfg := fmt.Sprintf("name: daos_server\naccess_points: %s\nport: %d\nruntime_dir: %s\n%s", quoteList(aps), c.Port, dir, transport)
	cfgPath := filepath.Join(dir, "daos_agent.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	a := &Agent{Socket: filepath.Join(dir, "daos_agent.sock"), Log: &Buffer{}, exited: make(chan struct{})}
	a.cmd = c.command(context.Background(), c.client, filepath.Join(c.Bin, "daos_agent"), "-o", cfgPath, "start")
	a.cmd.Stdout, a.cmd.Stderr = a.Log, a.Log
	if err := a.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start daos_agent: %w", err)
	}
	go func() { a.cmd.Wait(); close(a.exited) }()
	for {
		if _, err := os.Stat(a.Socket); err == nil {
			return a, nil
		}
		select {
		case <-a.exited:
			return nil, fmt.Errorf("daos_agent exited:\n%s", a.Log)
		case <-ctx.Done():
			a.Stop()
			return nil, fmt.Errorf("daos_agent socket %s did not appear: %w\n%s", a.Socket, ctx.Err(), a.Log)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop ends the agent.
func (a *Agent) Stop() {
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(10 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.exited
	}
}

// ServerSocket is server i's dRPC socket (daos_server.sock).
func (c *Cluster) ServerSocket(i int) string {
	return filepath.Join(c.Servers[i].Dir, "run", "daos_server.sock")
}

// StartAll starts every server (formatting its storage on start) and
// waits up to a minute for all ranks to join.
func (c *Cluster) StartAll(ctx context.Context) error {
	for i := range c.Servers {
		if err := c.Start(i, true); err != nil {
			return err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := c.WaitMembers(wctx, AllIn(len(c.Servers), "joined")); err != nil {
		return fmt.Errorf("ranks did not join: %w\n%s", err, c.Logs())
	}
	return nil
}

// StopAll stops every server with SIGTERM, so engines end their runs as
// in production (and write the CPU profiles a developer asked for).
func (c *Cluster) StopAll() {
	for i := range c.Servers {
		c.Stop(i)
	}
}

// CreatePool runs `dmg pool create ARGS` (the label last), retrying for
// about ten seconds: engines learn the group map within a second of
// joining, and a create before that is refused cleanly. A label already
// in use fails at once, unless an earlier try failed: dmg can see a
// create fail that went through (its connection broke, the server it
// asked lost the leadership), and then the pool with that label is taken
// once `dmg pool query` answers for it (the output is then the query's,
// in JSON when ARGS ask for JSON). The error names every distinct failure.
func (c *Cluster) CreatePool(ctx context.Context, args ...string) (string, error) {
	var fails []string
	failed := func(err error, out string) {
		if msg := strings.TrimSpace(fmt.Sprintf("%v\n%s", err, out)); !slices.Contains(fails, msg) {
			fails = append(fails, msg)
		}
	}
	label := ""
	if n := len(args); n > 0 && !strings.HasPrefix(args[n-1], "-") {
		label = args[n-1]
	}
	adopt, tries := false, 0
	for try := 0; ; try++ {
		tries = try + 1
		var out string
		var err error
		if adopt {
			// A pool the management service still lists as Creating
			// refuses connects (DER_BUSY): the earlier create is not
			// done until its entry says Ready.
			if err = c.poolReady(ctx, label); err != nil {
				failed(err, "")
				if try == 20 || ctx.Err() != nil {
					break
				}
				time.Sleep(500 * time.Millisecond)
				continue
			}
			q := []string{"pool", "query", label}
			if slices.Contains(args, "-j") || slices.Contains(args, "--json") {
				q = append(q, "-j")
			}
			out, err = c.Dmg(ctx, q...)
		} else {
			out, err = c.Dmg(ctx, append([]string{"pool", "create"}, args...)...)
		}
		if err == nil {
			return out, nil
		}
		failed(err, out)
		if !adopt && (strings.Contains(out, "DER_EXIST") || strings.Contains(err.Error(), "DER_EXIST")) {
			if try == 0 || label == "" {
				break
			}
			// An earlier try's create may still be finishing: ask for
			// the pool until it answers or the tries run out.
			adopt = true
		}
		if try == 20 || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	return "", fmt.Errorf("pool create (%d tries): %s", tries, strings.Join(fails, "\nthen: "))
}

// poolReady reports an error unless `dmg pool list` has pool label in
// state Ready.
func (c *Cluster) poolReady(ctx context.Context, label string) error {
	pools, err := c.PoolStates(ctx)
	if err != nil {
		return err
	}
	switch st, ok := pools[label]; {
	case !ok:
		return fmt.Errorf("pool %q is not listed", label)
	case st != "Ready":
		return fmt.Errorf("pool %q is %s", label, st)
	}
	return nil
}

// PoolStates is `dmg pool list`'s state of every pool, by label.
func (c *Cluster) PoolStates(ctx context.Context) (map[string]string, error) {
	out, err := c.Dmg(ctx, "-j", "pool", "list", "--no-query")
	if err != nil {
		return nil, fmt.Errorf("pool list: %w", err)
	}
	var env struct {
		Response struct {
			Pools []struct {
				Label string `json:"label"`
				State string `json:"state"`
			} `json:"pools"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		return nil, fmt.Errorf("decode pool list: %w: %s", err, out)
	}
	m := map[string]string{}
	for _, p := range env.Response.Pools {
		m[p.Label] = p.State
	}
	return m, nil
}

// Mounted says whether mnt is a mount point in this process's namespace.
func Mounted(mnt string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == mnt {
			return true
		}
	}
	return false
}
