package agent

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/hardware"
)

// NetScanner finds this node's fabric interfaces when daos_agent.yml has
// no fabric_ifaces. hardware.NetworkScanner satisfies it.
type NetScanner interface {
	Scan(ctx context.Context, provider string) (*hardware.NetworkScan, error)
}

// FetchAttachInfo asks the management service, through the first access
// point that answers, for the attach info of system sys (all ranks). The
// reply is checked before anyone caches it: errors that libdaos should
// see as a DAOS status wrap a daos.Errno (DER_UNREACH when no access
// point could be reached, DER_CONTROL_INCOMPAT when the access points
// serve another system, or the code the service refused with).
func FetchAttachInfo(ctx context.Context, c *ctlclient.Client, sys string) (*mgmtpb.GetAttachInfoResp, error) {
	// MgmtCall only says "none answered" in prose; note here whether any
	// host handled the call, to tell an unreachable service apart.
	var reached atomic.Bool
	resp, err := ctlclient.MgmtCall(ctx, c, 0, func(ctx context.Context, cl mgmtpb.MgmtSvcClient) (*mgmtpb.GetAttachInfoResp, error) {
		r, err := cl.GetAttachInfo(ctx, &mgmtpb.GetAttachInfoReq{Sys: sys, AllRanks: true})
		if err == nil || !connectionFailure(err) {
			reached.Store(true)
		}
		return r, err
	})
	switch {
	case err != nil && !reached.Load():
		// Only DER_UNREACH is wrapped: servers that answered with no
		// leader to serve the call (DER_NOTLEADER, an election) are
		// unreachable to libdaos as well.
		return nil, fmt.Errorf("get attach info from access points %s: %v (%w)",
			strings.Join(c.Hosts, ","), err, daos.ErrUnreach)
	case errors.Is(err, daos.ErrInval):
		// The request carries nothing but the system name, so the
		// service refused the name: report it as DAOS does a wrong
		// system.
		return nil, daos.Errorf(daos.ErrControlIncompat,
			"get attach info for system %q (the agent's name): %v", sys, err)
	case err != nil:
		return nil, fmt.Errorf("get attach info: %w", err)
	case resp == nil:
		return nil, errors.New("get attach info: empty reply from the management service")
	case resp.Status != 0:
		return nil, fmt.Errorf("get attach info: the management service refused: %w", daos.FromCode(int(resp.Status)))
	case resp.Sys != "" && resp.Sys != sys:
		return nil, daos.Errorf(daos.ErrControlIncompat,
			"get attach info: the access points serve system %q, but this agent's name is %q", resp.Sys, sys)
	case resp.GetClientNetHint().GetProvider() == "":
		return nil, errors.New("get attach info: the reply names no fabric provider")
	case len(resp.RankUris) == 0:
		return nil, fmt.Errorf("get attach info: system %q has no ranks with a fabric address yet", sys)
	}
	return resp, nil
}

// connectionFailure tells whether a gRPC error means the call never got
// to be handled: the host could not be reached or did not answer in time.
func connectionFailure(err error) bool {
	st, ok := status.FromError(err)
	return ok && (st.Code() == codes.Unavailable || st.Code() == codes.DeadlineExceeded)
}

// attachCache keeps the last good attach info for ttl (0: for ever).
// Requests that miss share one fetch, which runs apart from any one
// client's context so a client that gives up does not fail the others.
// A failed fetch is not kept: the next request tries again.
type attachCache struct {
	fetch    func(ctx context.Context) (*mgmtpb.GetAttachInfoResp, error)
	ttl      time.Duration
	disabled bool // every request fetches (still shared while in flight)
	now      func() time.Time
	joined   func() // test hook: a request waits for a fetch

	mu       sync.Mutex
	info     *mgmtpb.GetAttachInfoResp
	fetched  time.Time
	inflight *fetchCall
}

type fetchCall struct {
	done chan struct{}
	info *mgmtpb.GetAttachInfoResp
	err  error
}

// get returns the cached info (read-only: callers clone before changing
// it) or waits for a fetch.
func (c *attachCache) get(ctx context.Context) (*mgmtpb.GetAttachInfoResp, error) {
	c.mu.Lock()
	if !c.disabled && c.info != nil && (c.ttl == 0 || c.now().Sub(c.fetched) < c.ttl) {
		info := c.info
		c.mu.Unlock()
		return info, nil
	}
	call := c.inflight
	if call == nil {
		call = &fetchCall{done: make(chan struct{})}
		c.inflight = call
		go c.run(context.WithoutCancel(ctx), call)
	}
	c.mu.Unlock()
	if c.joined != nil {
		c.joined()
	}
	select {
	case <-call.done:
		return call.info, call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *attachCache) run(ctx context.Context, call *fetchCall) {
	info, err := c.fetch(ctx)
	c.mu.Lock()
	if err == nil && !c.disabled {
		c.info, c.fetched = info, c.now()
	}
	c.inflight = nil
	c.mu.Unlock()
	call.info, call.err = info, err
	close(call.done)
}

// fabricIface is one interface clients on this node may use.
type fabricIface struct {
	numa   int
	iface  string
	domain string
	// From a scan (nil from fabric_ifaces): the interface's networks,
	// and whether it is a loopback one.
	nets     []netip.Prefix
	loopback bool
}

// reaching narrows scanned interfaces to those a client can reach the
// engines at addrs through: the interfaces on the engines' networks, or
// else every interface but loopback ones, unless the engines are on
// loopback themselves. A client handed lo on a cluster of other hosts
// could reach none of them. Interfaces from fabric_ifaces (the admin's
// choice), and any set the rule would empty, are kept as they are.
func reaching(ifaces []fabricIface, addrs []netip.Addr) []fabricIface {
	if len(addrs) == 0 {
		return ifaces
	}
	for _, f := range ifaces {
		if f.nets == nil && !f.loopback {
			return ifaces // configured, not scanned
		}
	}
	var on, notLoop []fabricIface
	engLoop := true
	for _, a := range addrs {
		engLoop = engLoop && a.IsLoopback()
	}
	for _, f := range ifaces {
		if slices.ContainsFunc(f.nets, func(p netip.Prefix) bool {
			return slices.ContainsFunc(addrs, p.Contains)
		}) {
			on = append(on, f)
		}
		if !f.loopback || engLoop {
			notLoop = append(notLoop, f)
		}
	}
	switch {
	case len(on) > 0:
		return on
	case len(notLoop) > 0:
		return notLoop
	}
	return ifaces
}

// engineAddrs are the IP addresses of the ranks' URIs (none for providers
// whose addresses are not IP).
func engineAddrs(uris []*mgmtpb.GetAttachInfoResp_RankUri) []netip.Addr {
	var out []netip.Addr
	for _, u := range uris {
		uri, err := fabric.ParseURI(u.GetUri())
		if err != nil {
			continue
		}
		if ap, err := uri.AddrPort(); err == nil && !slices.Contains(out, ap.Addr().Unmap()) {
			out = append(out, ap.Addr().Unmap())
		}
	}
	return out
}

// localFabric lists this node's interfaces for provider: fabric_ifaces
// from daos_agent.yml in its order, or else the scanner's, best first,
// less exclude_fabric_ifaces or only include_fabric_ifaces. A scan is
// kept per provider; a failed one is not.
func (a *Agent) localFabric(ctx context.Context, provider string) []fabricIface {
	if len(a.cfg.FabricIfaces) > 0 {
		var out []fabricIface
		for _, n := range a.cfg.FabricIfaces {
			for _, d := range n.Devices {
				dom := d.Domain
				if dom == "" {
					dom = d.Iface
				}
				out = append(out, fabricIface{numa: n.NUMANode, iface: d.Iface, domain: dom})
			}
		}
		return out
	}
	if a.deps.Scanner == nil {
		return nil
	}
	a.fabricMu.Lock()
	defer a.fabricMu.Unlock()
	if ifaces, ok := a.scanned[provider]; ok {
		return ifaces
	}
	scan, err := a.deps.Scanner.Scan(ctx, provider)
	if err != nil {
		a.deps.Logger.Warn("network scan for attach info failed", "provider", provider, "err", err)
		return nil
	}
	fabric := append([]hardware.FabricInterface(nil), scan.Fabric...)
	sort.SliceStable(fabric, func(i, j int) bool { return fabric[i].Priority < fabric[j].Priority })
	rdma := make(map[string]string)
	nets := make(map[string][]netip.Prefix)
	loop := make(map[string]bool)
	for _, ni := range scan.Interfaces {
		rdma[ni.Name] = ni.RDMADevice
		loop[ni.Name] = ni.Class == "loopback"
		nets[ni.Name] = []netip.Prefix{}
		for _, a := range ni.Addrs {
			if p, err := netip.ParsePrefix(a); err == nil {
				nets[ni.Name] = append(nets[ni.Name], p.Masked())
			}
		}
	}
	var out []fabricIface
	seen := make(map[string]bool)
	use := a.ifaceFilter()
	for _, f := range fabric {
		if seen[f.Device] || !use(f.Device) {
			continue // one device may list several providers
		}
		seen[f.Device] = true
		dom := rdma[f.Device]
		if dom == "" {
			dom = f.Device
		}
		out = append(out, fabricIface{numa: f.NUMANode, iface: f.Device, domain: dom, nets: nets[f.Device], loopback: loop[f.Device]})
	}
	if len(out) == 0 && len(fabric) > 0 {
		a.deps.Logger.Warn("the network scan found interfaces, but exclude_fabric_ifaces/include_fabric_ifaces leave none",
			"provider", provider, "include", a.cfg.IncludeFabricIfaces, "exclude", a.cfg.ExcludeFabricIfaces)
	}
	if a.scanned == nil {
		a.scanned = make(map[string][]fabricIface)
	}
	a.scanned[provider] = out
	return out
}

// ifaceFilter tells whether a scanned interface may be used: the config
// allows at most one of include_fabric_ifaces and exclude_fabric_ifaces.
func (a *Agent) ifaceFilter() func(string) bool {
	set := func(names []string) map[string]bool {
		m := make(map[string]bool, len(names))
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	switch {
	case len(a.cfg.IncludeFabricIfaces) > 0:
		in := set(a.cfg.IncludeFabricIfaces)
		return func(name string) bool { return in[name] }
	case len(a.cfg.ExcludeFabricIfaces) > 0:
		ex := set(a.cfg.ExcludeFabricIfaces)
		return func(name string) bool { return !ex[name] }
	}
	return func(string) bool { return true }
}

// pickIface chooses an interface for a client on NUMA node numa: the
// node's own interfaces in turn (spreading clients over them), or, when
// the node has none, all interfaces in turn.
func (a *Agent) pickIface(ifaces []fabricIface, numa int) (fabricIface, bool) {
	var local []fabricIface
	for _, f := range ifaces {
		if f.numa == numa {
			local = append(local, f)
		}
	}
	key := numa
	if len(local) == 0 {
		local, key = ifaces, -1
	}
	if len(local) == 0 {
		return fabricIface{}, false
	}
	a.fabricMu.Lock()
	if a.nextIface == nil {
		a.nextIface = make(map[int]int)
	}
	i := a.nextIface[key] % len(local)
	a.nextIface[key] = i + 1
	a.fabricMu.Unlock()
	return local[i], true
}

// numaFabricInterfaces groups ifaces by NUMA node for the reply's
// numa_fabric_interfaces, nodes in ascending order.
func numaFabricInterfaces(ifaces []fabricIface, provider string) []*mgmtpb.FabricInterfaces {
	byNode := make(map[int]*mgmtpb.FabricInterfaces)
	var nodes []int
	for _, f := range ifaces {
		n, ok := byNode[f.numa]
		if !ok {
			n = &mgmtpb.FabricInterfaces{NumaNode: uint32(f.numa)}
			byNode[f.numa] = n
			nodes = append(nodes, f.numa)
		}
		n.Ifaces = append(n.Ifaces, &mgmtpb.FabricInterface{
			NumaNode: uint32(f.numa), Interface: f.iface, Domain: f.domain, Provider: provider,
		})
	}
	sort.Ints(nodes)
	out := make([]*mgmtpb.FabricInterfaces, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, byNode[n])
	}
	return out
}

// ProcNUMANode is the NUMA node of the CPU process pid last ran on (field
// 39 of /proc/<pid>/stat), mapped through the nodes' cpulists in sysfs.
// A machine without NUMA nodes in sysfs counts as node 0.
func ProcNUMANode(pid int32) (int, error) {
	return procNUMANode("/proc", "/sys/devices/system/node", pid)
}

func procNUMANode(procDir, nodeDir string, pid int32) (int, error) {
	data, err := os.ReadFile(filepath.Join(procDir, strconv.Itoa(int(pid)), "stat"))
	if err != nil {
		return 0, fmt.Errorf("NUMA node of pid %d: %w", pid, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces,
	// so count fields after its closing parenthesis, which is field 3.
	end := strings.LastIndexByte(string(data), ')')
	if end < 0 {
		return 0, fmt.Errorf("NUMA node of pid %d: malformed stat", pid)
	}
	fields := strings.Fields(string(data[end+1:]))
	const processorField = 39
	if len(fields) <= processorField-3 {
		return 0, fmt.Errorf("NUMA node of pid %d: stat has no processor field", pid)
	}
	cpu, err := strconv.Atoi(fields[processorField-3])
	if err != nil {
		return 0, fmt.Errorf("NUMA node of pid %d: processor field: %w", pid, err)
	}
	dirs, _ := filepath.Glob(filepath.Join(nodeDir, "node[0-9]*"))
	if len(dirs) == 0 {
		return 0, nil
	}
	for _, d := range dirs {
		node, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "node"))
		if err != nil {
			continue
		}
		list, err := os.ReadFile(filepath.Join(d, "cpulist"))
		if err != nil {
			continue
		}
		if cpuListHas(strings.TrimSpace(string(list)), cpu) {
			return node, nil
		}
	}
	return 0, fmt.Errorf("NUMA node of pid %d: cpu %d is in no node's cpulist", pid, cpu)
}

// cpuListHas reads a kernel cpulist ("0-3,8,10-11").
func cpuListHas(list string, cpu int) bool {
	for _, part := range strings.Split(list, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		l, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		h := l
		if isRange {
			if h, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		if cpu >= l && cpu <= h {
			return true
		}
	}
	return false
}
