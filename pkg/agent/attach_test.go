package agent

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/drpc/drpcpb"
	"github.com/daos-go/daos/pkg/hardware"
)

// fakeMgmt is a management service on 127.0.0.1 whose GetAttachInfo
// answers with reply (nil: serverReply) and records the requests.
type fakeMgmt struct {
	mgmtpb.UnimplementedMgmtSvcServer
	addr  string
	reply func(call int) (*mgmtpb.GetAttachInfoResp, error)

	mu   sync.Mutex
	reqs []*mgmtpb.GetAttachInfoReq
}

func startMgmt(t *testing.T, reply func(call int) (*mgmtpb.GetAttachInfoResp, error)) *fakeMgmt {
	t.Helper()
	if reply == nil {
		reply = func(int) (*mgmtpb.GetAttachInfoResp, error) { return serverReply(), nil }
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	m := &fakeMgmt{addr: lis.Addr().String(), reply: reply}
	srv := grpc.NewServer()
	mgmtpb.RegisterMgmtSvcServer(srv, m)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return m
}

func (m *fakeMgmt) GetAttachInfo(_ context.Context, req *mgmtpb.GetAttachInfoReq) (*mgmtpb.GetAttachInfoResp, error) {
	m.mu.Lock()
	m.reqs = append(m.reqs, req)
	n := len(m.reqs)
	m.mu.Unlock()
	return m.reply(n)
}

func (m *fakeMgmt) calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.reqs)
}

func (m *fakeMgmt) req(i int) *mgmtpb.GetAttachInfoReq {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reqs[i]
}

func (m *fakeMgmt) client() *ctlclient.Client {
	c := ctlclient.NewWith([]string{m.addr}, insecure.NewCredentials())
	c.Timeout = 10 * time.Second
	return c
}

// serverReply is what the management service of "daos_server" says:
// ranks as it assigned them (not 0..n-1).
func serverReply() *mgmtpb.GetAttachInfoResp {
	return &mgmtpb.GetAttachInfoResp{
		Sys: "daos_server",
		RankUris: []*mgmtpb.GetAttachInfoResp_RankUri{
			{Rank: 0, Uri: "ofi+tcp;ofi_rxm://10.0.0.1:31416", NumCtxs: 4},
			{Rank: 1, Uri: "ofi+tcp;ofi_rxm://10.0.0.1:32416", NumCtxs: 4},
			{Rank: 5, Uri: "ofi+tcp;ofi_rxm://10.0.0.3:31416", NumCtxs: 4},
		},
		MsRanks:       []uint32{0, 5},
		ClientNetHint: &mgmtpb.ClientNetHint{Provider: "ofi+tcp;ofi_rxm", CrtTimeout: 30, SrvSrxSet: 1, EnvVars: []string{"FI_OFI_RXM_USE_SRX=1"}},
		DataVersion:   7,
		BuildInfo:     &mgmtpb.BuildInfo{Major: 2, Minor: 6, Patch: 1},
	}
}

// syncBuffer is a log sink safe for the agent's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const twoNodes = "fabric_ifaces:\n- numa_node: 1\n  devices: [{iface: eth1}]\n- numa_node: 0\n  devices: [{iface: ib0, domain: mlx5_0}]\n"

func TestAttachInfoFromMgmtSvc(t *testing.T) {
	h := start(t, twoNodes, nil)

	resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{Sys: "daos_server", AllRanks: true})
	require.NoError(t, err)
	want := serverReply()
	require.Zero(t, resp.Status)
	require.True(t, proto.Equal(&mgmtpb.GetAttachInfoResp{RankUris: want.RankUris}, &mgmtpb.GetAttachInfoResp{RankUris: resp.RankUris}),
		"the server's ranks and URIs: %v", resp.RankUris)
	require.Equal(t, want.MsRanks, resp.MsRanks)
	require.Equal(t, "daos_server", resp.Sys)
	require.Equal(t, uint64(7), resp.DataVersion)
	require.True(t, proto.Equal(want.BuildInfo, resp.BuildInfo))
	hint := resp.ClientNetHint
	require.Equal(t, "ofi+tcp;ofi_rxm", hint.Provider)
	require.Equal(t, uint32(30), hint.CrtTimeout)
	require.Equal(t, int32(1), hint.SrvSrxSet)
	require.Equal(t, []string{"FI_OFI_RXM_USE_SRX=1"}, hint.EnvVars)
	require.Equal(t, "eth1", hint.Interface, "the client runs on NUMA node 1")
	require.Equal(t, "eth1", hint.Domain, "no domain configured: the interface")

	require.Len(t, resp.NumaFabricInterfaces, 2)
	require.Equal(t, uint32(0), resp.NumaFabricInterfaces[0].NumaNode)
	require.True(t, proto.Equal(&mgmtpb.FabricInterface{NumaNode: 0, Interface: "ib0", Domain: "mlx5_0", Provider: "ofi+tcp;ofi_rxm"},
		resp.NumaFabricInterfaces[0].Ifaces[0]))
	require.Equal(t, "eth1", resp.NumaFabricInterfaces[1].Ifaces[0].Interface)

	// The agent asked for its own system, all ranks.
	require.Equal(t, 1, h.mgmt.calls())
	require.Equal(t, "daos_server", h.mgmt.req(0).Sys)
	require.True(t, h.mgmt.req(0).AllRanks)

	// No system name (libdaos's network setup) is accepted; the client's
	// own interface stands.
	resp, err = h.attachInfo(t, &mgmtpb.GetAttachInfoReq{Interface: "eth9"})
	require.NoError(t, err)
	require.Equal(t, "eth9", resp.ClientNetHint.Interface)
	require.Equal(t, "eth9", resp.ClientNetHint.Domain)
	require.Len(t, resp.RankUris, 3)
}

func TestAttachInfoNUMANode(t *testing.T) {
	h := start(t, twoNodes, nil, func(d *Deps) {
		d.NUMANodeOf = func(pid int32) (int, error) {
			if pid != int32(os.Getpid()) {
				return 0, errors.New("not the test process")
			}
			return 0, nil
		}
	})
	resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
	require.NoError(t, err)
	require.Equal(t, "ib0", resp.ClientNetHint.Interface)
	require.Equal(t, "mlx5_0", resp.ClientNetHint.Domain)

	// A node without interfaces of its own gets the others in turn.
	h = start(t, "fabric_ifaces:\n- numa_node: 0\n  devices: [{iface: eth0}, {iface: eth1}]\n", nil,
		func(d *Deps) { d.NUMANodeOf = func(int32) (int, error) { return 3, nil } })
	var got []string
	for range 3 {
		resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
		require.NoError(t, err)
		got = append(got, resp.ClientNetHint.Interface)
	}
	require.Equal(t, []string{"eth0", "eth1", "eth0"}, got)
}

// fakeScanner reports fixed interfaces.
type fakeScanner struct {
	calls atomic.Int32
	err   error
}

func (f *fakeScanner) Scan(_ context.Context, provider string) (*hardware.NetworkScan, error) {
	f.calls.Add(1)
	if f.err != nil {
		return nil, f.err
	}
	return &hardware.NetworkScan{
		Interfaces: []hardware.NetInterface{{Name: "ib1", NUMANode: 1, RDMADevice: "mlx5_1"}, {Name: "eth0"}},
		Fabric: []hardware.FabricInterface{
			{Provider: provider, Device: "eth0", NUMANode: 0, Priority: 2},
			{Provider: provider, Device: "ib1", NUMANode: 1, Priority: 0},
			{Provider: "ofi+sockets", Device: "ib1", NUMANode: 1, Priority: 4},
		},
	}, nil
}

func TestAttachInfoScannedInterfaces(t *testing.T) {
	sc := &fakeScanner{}
	h := start(t, "", nil, func(d *Deps) { d.Scanner = sc })
	for range 2 {
		resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
		require.NoError(t, err)
		require.Equal(t, "ib1", resp.ClientNetHint.Interface)
		require.Equal(t, "mlx5_1", resp.ClientNetHint.Domain)
		require.Len(t, resp.NumaFabricInterfaces, 2)
	}
	require.Equal(t, int32(1), sc.calls.Load(), "the scan is kept")

	// A failed scan still answers (without an interface) and is retried.
	sc = &fakeScanner{err: errors.New("no netlink")}
	h = start(t, "", nil, func(d *Deps) { d.Scanner = sc })
	for range 2 {
		resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
		require.NoError(t, err)
		require.Empty(t, resp.ClientNetHint.Interface)
		require.Len(t, resp.RankUris, 3)
	}
	require.Equal(t, int32(2), sc.calls.Load())
	require.Contains(t, h.log.String(), "no fabric interface for the client")
}

func TestAttachInfoCacheExpiry(t *testing.T) {
	h := start(t, "cache_expiration: 2\n", nil)
	for range 3 {
		_, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
		require.NoError(t, err)
	}
	require.Equal(t, 1, h.mgmt.calls(), "cached")

	h.clock.advance(119 * time.Second)
	_, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
	require.NoError(t, err)
	require.Equal(t, 1, h.mgmt.calls(), "still fresh before 2 minutes")

	h.clock.advance(time.Second)
	_, err = h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
	require.NoError(t, err)
	require.Equal(t, 2, h.mgmt.calls(), "expired after 2 minutes")
	_, err = h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
	require.NoError(t, err)
	require.Equal(t, 2, h.mgmt.calls(), "the refreshed reply is cached again")
}

func TestAttachInfoNeverExpires(t *testing.T) {
	h := start(t, "", nil)
	for range 3 {
		_, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
		require.NoError(t, err)
		h.clock.advance(24 * time.Hour)
	}
	require.Equal(t, 1, h.mgmt.calls())
}

func TestAttachInfoCacheDisabled(t *testing.T) {
	h := start(t, "", nil, func(d *Deps) { d.DisableCache = true })
	for range 3 {
		_, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
		require.NoError(t, err)
	}
	require.Equal(t, 3, h.mgmt.calls())
}

func TestAttachInfoFailureNotCached(t *testing.T) {
	m := startMgmt(t, func(call int) (*mgmtpb.GetAttachInfoResp, error) {
		switch call {
		case 1:
			return nil, status.Error(codes.Internal, "raft not ready")
		case 2:
			return nil, grpcerr.Errorf(daos.ErrNoService, "no leader")
		case 3:
			return &mgmtpb.GetAttachInfoResp{Sys: "daos_server", ClientNetHint: &mgmtpb.ClientNetHint{Provider: "ofi+tcp"}}, nil
		}
		return serverReply(), nil
	})
	h := start(t, "", m)

	// A failure without a DER code fails the call.
	_, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
	var se *drpc.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, drpcpb.Status_FAILURE, se.Status)

	// A coded refusal reaches libdaos as its status.
	resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
	require.NoError(t, err)
	require.Equal(t, int32(daos.ErrNoService.DerCode()), resp.Status)

	// A reply without ranks is not kept either.
	_, err = h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
	require.ErrorAs(t, err, &se)

	for range 2 {
		resp, err = h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
		require.NoError(t, err)
		require.Zero(t, resp.Status)
		require.Len(t, resp.RankUris, 3)
	}
	require.Equal(t, 4, m.calls(), "failures were retried, the success kept")
	require.Contains(t, h.log.String(), "raft not ready")
}

func TestAttachInfoWrongSystem(t *testing.T) {
	h := start(t, "name: sysA\n", nil)
	resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{Sys: "sysB"})
	require.NoError(t, err)
	require.Equal(t, int32(-1003), resp.Status, "DER_INVAL")
	require.Empty(t, resp.RankUris)
	require.Zero(t, h.mgmt.calls(), "refused without asking the servers")
	require.Contains(t, h.log.String(), `system \"sysB\"`)
	require.Contains(t, h.log.String(), `system \"sysA\"`)

	// Servers of another system than the agent's name.
	resp, err = h.attachInfo(t, &mgmtpb.GetAttachInfoReq{Sys: "sysA"})
	require.NoError(t, err)
	require.Equal(t, int32(daos.ErrControlIncompat.DerCode()), resp.Status)
	require.Equal(t, "sysA", h.mgmt.req(0).Sys)

	// A service that refuses the name (DER_INVAL, as pkg/control/mgmtsvc
	// does) means the same.
	m := startMgmt(t, func(int) (*mgmtpb.GetAttachInfoResp, error) {
		return nil, grpcerr.Errorf(daos.ErrInval, "the request is for system %q, this is system %q", "sysA", "daos_server")
	})
	h = start(t, "name: sysA\n", m)
	resp, err = h.attachInfo(t, &mgmtpb.GetAttachInfoReq{Sys: "sysA"})
	require.NoError(t, err)
	require.Equal(t, int32(daos.ErrControlIncompat.DerCode()), resp.Status)
	require.Contains(t, h.log.String(), `this is system \"daos_server\"`)
}

func TestAttachInfoServerDown(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := lis.Addr().String()
	require.NoError(t, lis.Close()) // nothing listens there now

	m := &fakeMgmt{addr: dead}
	h := start(t, "", m)
	begin := time.Now()
	resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{Sys: "daos_server"})
	require.NoError(t, err)
	require.Equal(t, int32(-1006), resp.Status, "DER_UNREACH")
	require.Less(t, time.Since(begin), 5*time.Second, "refused connections fail fast")
	require.Contains(t, h.log.String(), dead)

	_, err = FetchAttachInfo(context.Background(), m.client(), "daos_server")
	require.ErrorIs(t, err, daos.ErrUnreach)
	require.ErrorContains(t, err, dead)
}

// Servers that answer but have no leader to serve the call (an election:
// DER_NOTLEADER, sent as gRPC Unavailable) are unreachable to libdaos too.
func TestAttachInfoNoLeader(t *testing.T) {
	m := startMgmt(t, func(int) (*mgmtpb.GetAttachInfoResp, error) {
		return nil, grpcerr.Errorf(daos.ErrNotleader, "no management service leader answered")
	})
	h := start(t, "", m)
	resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{Sys: "daos_server"})
	require.NoError(t, err)
	require.Equal(t, int32(daos.ErrUnreach.DerCode()), resp.Status, "DER_UNREACH")

	_, err = FetchAttachInfo(context.Background(), m.client(), "daos_server")
	require.Equal(t, daos.ErrUnreach, daos.Code(err), "%v", err)
	require.ErrorContains(t, err, "no management service leader answered")
}

func TestAttachCacheSharesFetch(t *testing.T) {
	release := make(chan struct{})
	var fetches atomic.Int32
	var joined sync.WaitGroup
	c := &attachCache{
		disabled: true, // so only sharing, not caching, can save a fetch
		now:      time.Now,
		fetch: func(ctx context.Context) (*mgmtpb.GetAttachInfoResp, error) {
			fetches.Add(1)
			<-release
			return serverReply(), ctx.Err()
		},
	}
	const n = 8
	joined.Add(n)
	c.joined = joined.Done
	results := make(chan error, n)
	for range n {
		go func() {
			_, err := c.get(context.Background())
			results <- err
		}()
	}
	joined.Wait() // all n wait on one fetch
	close(release)
	for range n {
		require.NoError(t, <-results)
	}
	require.Equal(t, int32(1), fetches.Load())

	// A waiter that gives up does not cancel the fetch for the others.
	release = make(chan struct{})
	c.joined = nil
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.get(ctx)
	require.ErrorIs(t, err, context.Canceled)
	done := make(chan error, 1)
	go func() { _, err := c.get(context.Background()); done <- err }()
	close(release)
	require.NoError(t, <-done)
}

func TestProcNUMANode(t *testing.T) {
	dir := t.TempDir()
	proc, nodes := filepath.Join(dir, "proc"), filepath.Join(dir, "node")
	write := func(p, s string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	}
	// 52 fields; the command name holds spaces and a parenthesis.
	stat := "42 (a (b) c) S"
	for i := 4; i <= 52; i++ {
		v := "0"
		if i == 39 {
			v = "9"
		}
		stat += " " + v
	}
	write(filepath.Join(proc, "42", "stat"), stat+"\n")

	n, err := procNUMANode(proc, nodes, 42)
	require.NoError(t, err)
	require.Zero(t, n, "no NUMA nodes in sysfs")

	write(filepath.Join(nodes, "node0", "cpulist"), "0-7\n")
	write(filepath.Join(nodes, "node1", "cpulist"), "8-15,24\n")
	n, err = procNUMANode(proc, nodes, 42)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	_, err = procNUMANode(proc, nodes, 43)
	require.Error(t, err)

	// The real thing works for this process.
	_, err = ProcNUMANode(int32(os.Getpid()))
	require.NoError(t, err)

	require.True(t, cpuListHas("0-3,8,10-11", 8))
	require.True(t, cpuListHas("0-3,8,10-11", 11))
	require.False(t, cpuListHas("0-3,8,10-11", 9))
	require.False(t, cpuListHas("", 0))
}

func TestAttachInfoFabricIfaceFilters(t *testing.T) {
	for name, tc := range map[string]struct {
		doc   string
		iface string
		numa  int // entries in numa_fabric_interfaces
	}{
		"exclude":         {doc: "exclude_fabric_ifaces: [ib1]\n", iface: "eth0", numa: 1},
		"exclude unknown": {doc: "exclude_fabric_ifaces: [lo]\n", iface: "ib1", numa: 2},
		"include":         {doc: "include_fabric_ifaces: [eth0]\n", iface: "eth0", numa: 1},
		"include none":    {doc: "include_fabric_ifaces: [ib7]\n"},
		"configured ifaces win": {doc: "exclude_fabric_ifaces: [eth9]\nfabric_ifaces: [{numa_node: 1, devices: [{iface: eth9}]}]\n",
			iface: "eth9", numa: 1},
	} {
		t.Run(name, func(t *testing.T) {
			h := start(t, tc.doc, nil, func(d *Deps) { d.Scanner = &fakeScanner{} })
			resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
			require.NoError(t, err)
			require.Equal(t, tc.iface, resp.ClientNetHint.Interface)
			require.Len(t, resp.NumaFabricInterfaces, tc.numa)
			if tc.iface == "" {
				require.Contains(t, h.log.String(), "leave none")
			}
		})
	}
}

func TestReachingPrefersTheEnginesNetworks(t *testing.T) {
	pfx := func(s string) []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix(s)} }
	eth1 := fabricIface{iface: "eth1", nets: pfx("10.233.0.0/24")}
	ib0 := fabricIface{iface: "ib0", nets: pfx("10.9.0.0/16")}
	lo := fabricIface{iface: "lo", nets: pfx("127.0.0.0/8"), loopback: true}
	scanned := []fabricIface{lo, ib0, eth1}
	names := func(fs []fabricIface) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.iface)
		}
		return out
	}
	addrs := func(ss ...string) []netip.Addr {
		var out []netip.Addr
		for _, s := range ss {
			out = append(out, netip.MustParseAddr(s))
		}
		return out
	}
	require.Equal(t, []string{"eth1"}, names(reaching(scanned, addrs("10.233.0.1", "10.233.0.2"))), "on the engines' network")
	require.Equal(t, []string{"lo"}, names(reaching(scanned, addrs("127.0.0.1"))), "engines on loopback")
	require.Equal(t, []string{"ib0", "eth1"}, names(reaching(scanned, addrs("192.0.2.7"))), "routed: anything but loopback")
	require.Equal(t, []string{"lo"}, names(reaching([]fabricIface{lo}, addrs("192.0.2.7"))), "nothing better")
	require.Equal(t, names(scanned), names(reaching(scanned, nil)), "engines without IP addresses")
	configured := []fabricIface{{iface: "lo"}, {iface: "eth1"}}
	require.Equal(t, []string{"lo", "eth1"}, names(reaching(configured, addrs("10.233.0.1"))), "fabric_ifaces stand")

	uris := []*mgmtpb.GetAttachInfoResp_RankUri{{Uri: "ofi+tcp://10.233.0.1:31416"}, {Uri: "tcp://10.233.0.1:31417"}, {Uri: "garbage"}}
	require.Equal(t, addrs("10.233.0.1"), engineAddrs(uris))
}
