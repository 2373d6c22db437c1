package ctlclient_test

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlsvc"
	"github.com/daos-go/daos/pkg/control/security"
	"github.com/daos-go/daos/pkg/control/security/certtest"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/hardware"
)

// fakeEngines stands in for the supervisor: engine 0 formats, a second
// format without force is refused as DAOS refuses it.
type fakeEngines struct {
	formatted bool
}

func (f *fakeEngines) Instances() []server.InstanceInfo {
	st := server.StateAwaitFormat
	if f.formatted {
		st = server.StateReady
	}
	return []server.InstanceInfo{{Index: 0, State: st, UUID: "u0", URI: "ofi+tcp://127.0.0.1:31416", PID: 42}}
}

func (f *fakeEngines) FormatEngine(_ context.Context, idx int, force bool) (*superblock.Superblock, error) {
	if f.formatted && !force {
		return nil, daos.Errorf(daos.ErrAlready, "engine %d is formatted", idx)
	}
	f.formatted = true
	return &superblock.Superblock{UUID: "u0"}, nil
}

type fakeStorage struct{}

func (fakeStorage) ScanSCM(context.Context) (*hardware.SCMScan, error) {
	return &hardware.SCMScan{Supported: false}, nil
}

func (fakeStorage) ScanNVMe(context.Context) (*hardware.NVMeScan, error) {
	return &hardware.NVMeScan{BlockDevices: []hardware.BlockDevice{{Name: "vda", Path: "/dev/vda", SizeBytes: 1 << 30}}}, nil
}

type fakeNet struct{}

func (fakeNet) Scan(_ context.Context, p string) (*hardware.NetworkScan, error) {
	return &hardware.NetworkScan{Providers: []string{p},
		Interfaces: []hardware.NetInterface{{Name: "lo", Class: "loopback", Up: true}}}, nil
}

type fakeTopology struct{}

func (fakeTopology) Scan(context.Context) (*hardware.Topology, error) {
	return &hardware.Topology{NUMANodes: []hardware.NUMANode{{ID: 0, Cores: 4}}, MemTotalBytes: 16 << 30}, nil
}

// serve starts the service on a loopback port and returns its address.
func serve(t *testing.T, creds credentials.TransportCredentials) string {
	t.Helper()
	return serveSvc(t, creds, &ctlsvc.Service{System: "daos_server", Engines: &fakeEngines{}, Storage: fakeStorage{},
		Network: fakeNet{}, Topology: fakeTopology{}})
}

func serveSvc(t *testing.T, creds credentials.TransportCredentials, svc *ctlsvc.Service) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ctlsvc.Serve(ctx, ctlsvc.NewGRPCServer(svc, creds), lis, time.Second) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return lis.Addr().String()
}

func exercise(t *testing.T, c *ctlclient.Client) {
	t.Helper()
	ctx := context.Background()
	scan := c.StorageScan(ctx)
	require.Len(t, scan, 1)
	require.NoError(t, scan[0].Err)
	require.Equal(t, "/dev/vda", scan[0].Resp.Nvme.BlockDevices[0].Path)

	ns := c.NetworkScan(ctx, "ofi+tcp")
	require.NoError(t, ns[0].Err)
	require.Equal(t, []string{"ofi+tcp"}, ns[0].Resp.Providers)

	hw := c.HardwareScan(ctx)
	require.NoError(t, hw[0].Err)
	require.Equal(t, []string{"all"}, hw[0].Resp.Network.Providers)
	require.Equal(t, "/dev/vda", hw[0].Resp.Storage.Nvme.BlockDevices[0].Path)
	require.Equal(t, uint64(16<<30), hw[0].Resp.Topology.MemTotalBytes)
	require.Equal(t, int32(4), hw[0].Resp.Topology.NumaNodes[0].Cores)

	q := c.HostSystemQuery(ctx)
	require.NoError(t, q[0].Err)
	require.Equal(t, "AwaitFormat", q[0].Resp.Engines[0].State)

	f := c.StorageFormat(ctx, false)
	require.NoError(t, f[0].Err)
	require.Equal(t, "u0", f[0].Resp.Engines[0].Uuid)
	require.Zero(t, f[0].Resp.Engines[0].Status)
	again := c.StorageFormat(ctx, false)
	require.NoError(t, again[0].Err)
	require.Equal(t, int32(daos.ErrAlready.DerCode()), again[0].Resp.Engines[0].Status)
	forced := c.StorageFormat(ctx, true)
	require.Zero(t, forced[0].Resp.Engines[0].Status)

	q = c.HostSystemQuery(ctx)
	require.Equal(t, "Ready", q[0].Resp.Engines[0].State)
	require.Equal(t, int32(42), q[0].Resp.Engines[0].Pid)
}

func TestInsecure(t *testing.T) {
	insecure := config.Transport{AllowInsecure: true}
	sc, err := security.ServerCredentials(insecure)
	require.NoError(t, err)
	addr := serve(t, sc)
	c, err := ctlclient.New(&config.Control{HostList: []string{addr}, Transport: insecure})
	require.NoError(t, err)
	exercise(t, c)
}

// TestHardwareScanNoTopology: a server that does not serve TopologyScan
// fails the hardware scan with a reason.
func TestHardwareScanNoTopology(t *testing.T) {
	insecure := config.Transport{AllowInsecure: true}
	sc, err := security.ServerCredentials(insecure)
	require.NoError(t, err)
	addr := serveSvc(t, sc, &ctlsvc.Service{System: "daos_server", Engines: &fakeEngines{}, Storage: fakeStorage{}, Network: fakeNet{}})
	c, err := ctlclient.New(&config.Control{HostList: []string{addr}, Transport: insecure})
	require.NoError(t, err)
	res := c.HardwareScan(context.Background())
	require.EqualError(t, res[0].Err, "the server does not support this call: this server does not scan its topology")
	require.Nil(t, res[0].Resp)
}

// TestHostDown: a host with nothing listening gives its own error, fast,
// and the live host still answers.
func TestHostDown(t *testing.T) {
	insecure := config.Transport{AllowInsecure: true}
	sc, _ := security.ServerCredentials(insecure)
	addr := serve(t, sc)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := lis.Addr().String()
	lis.Close()
	c, err := ctlclient.New(&config.Control{HostList: []string{addr, dead}, Transport: insecure})
	require.NoError(t, err)
	c.Timeout = 3 * time.Second
	start := time.Now()
	res := c.HostSystemQuery(context.Background())
	require.Less(t, time.Since(start), 5*time.Second)
	byHost := map[string]error{}
	for _, r := range res {
		byHost[r.Host] = r.Err
	}
	require.NoError(t, byHost[addr])
	require.Error(t, byHost[dead])
	require.Contains(t, byHost[dead].Error(), "unreachable")
}

func TestTLS(t *testing.T) {
	ca, err := certtest.NewCA(t.TempDir())
	require.NoError(t, err)
	srvT, err := ca.Issue(config.ComponentServer)
	require.NoError(t, err)
	adminT, err := ca.Issue(config.ComponentAdmin)
	require.NoError(t, err)
	agentT, err := ca.Issue(config.ComponentAgent)
	require.NoError(t, err)
	other, err := certtest.NewCA(t.TempDir())
	require.NoError(t, err)
	strangerT, err := other.Issue(config.ComponentAdmin)
	require.NoError(t, err)

	sc, err := security.ServerCredentials(srvT)
	require.NoError(t, err)
	addr := serve(t, sc)

	c, err := ctlclient.New(&config.Control{HostList: []string{addr}, Transport: adminT})
	require.NoError(t, err)
	exercise(t, c)

	refused := func(tr config.Transport, want ...string) {
		t.Helper()
		c, err := ctlclient.New(&config.Control{HostList: []string{addr}, Transport: tr})
		require.NoError(t, err)
		c.Timeout = 5 * time.Second
		res := c.StorageScan(context.Background())
		require.Error(t, res[0].Err)
		for _, w := range want {
			if strings.Contains(res[0].Err.Error(), w) {
				return
			}
		}
		t.Fatalf("error %q names none of %q", res[0].Err, want)
	}
	// An agent certificate may not call admin methods, nor query hosts
	// (it asks the management service for attach info).
	refused(agentT, "may not call")
	ac, err := ctlclient.New(&config.Control{HostList: []string{addr}, Transport: agentT})
	require.NoError(t, err)
	require.ErrorContains(t, ac.HostSystemQuery(context.Background())[0].Err, "may not call")
	// A certificate from another CA is refused by the server, and that
	// CA's client does not trust our server either.
	refused(strangerT, "not signed by our CA", "does not trust", "TLS")
	// No certificate at all: plaintext against a TLS server.
	refused(config.Transport{AllowInsecure: true}, "TLS", "unreachable")
	// A client with no certificate of its own but trusting the CA.
	noCert := adminT
	noCert.Cert, noCert.Key = "", ""
	_, err = ctlclient.New(&config.Control{HostList: []string{addr}, Transport: noCert})
	require.Error(t, err)
	// A TLS client that presents no certificate is refused by the server.
	bare := ctlclient.NewWith([]string{addr}, credentials.NewTLS(&tls.Config{InsecureSkipVerify: true}))
	res := bare.HostSystemQuery(context.Background())
	require.Error(t, res[0].Err)
	// With TLS 1.3 the client may finish its side of the handshake before
	// the server checks for a certificate; the server's alert then arrives
	// either as "certificate required" or as the connection it closed.
	msg := res[0].Err.Error()
	if !strings.Contains(msg, "client certificate") && !strings.Contains(msg, "broken pipe") &&
		!strings.Contains(msg, "connection reset") && !strings.Contains(msg, "EOF") {
		t.Fatalf("refusal of a client without a certificate says %q", msg)
	}
	t.Logf("no certificate: %v", msg)
}

// TestKeyMode: a key readable by others is refused with what to do.
func TestKeyMode(t *testing.T) {
	ca, err := certtest.NewCA(t.TempDir())
	require.NoError(t, err)
	srvT, err := ca.Issue(config.ComponentServer)
	require.NoError(t, err)
	require.NoError(t, chmod(srvT.Key, 0o644))
	_, err = security.ServerCredentials(srvT)
	require.ErrorContains(t, err, "too open")
}
