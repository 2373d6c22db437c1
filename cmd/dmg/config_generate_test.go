package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlsvc"
	"github.com/daos-go/daos/pkg/hardware"
)

// hostHardware is a small Ethernet host for the control service: one
// NUMA node of 4 cores, 24 GiB, no PMem, the given NVMe SSDs, and no
// libfabric (so ofi+tcp, daos-go's own, is the provider).
type hostHardware struct {
	addr string
	ssds []string
}

func (h hostHardware) ScanSCM(context.Context) (*hardware.SCMScan, error) {
	return &hardware.SCMScan{}, nil
}

func (h hostHardware) ScanNVMe(context.Context) (*hardware.NVMeScan, error) {
	s := &hardware.NVMeScan{}
	for _, a := range h.ssds {
		s.Controllers = append(s.Controllers, hardware.NVMeController{PCIAddr: a, Serial: h.addr})
	}
	return s, nil
}

func (h hostHardware) Scan(context.Context, string) (*hardware.NetworkScan, error) {
	return &hardware.NetworkScan{ProviderError: "libfabric support is not built in", NUMACount: 1,
		Interfaces: []hardware.NetInterface{
			{Name: "lo", Class: "loopback", Up: true, Addrs: []string{"127.0.0.1/8"}},
			{Name: "eth0", Class: "ether", Up: true, Addrs: []string{h.addr}},
		}}, nil
}

type topology struct{}

func (topology) Scan(context.Context) (*hardware.Topology, error) {
	return &hardware.Topology{NUMANodes: []hardware.NUMANode{{ID: 0, Cores: 4, Threads: 8}}, MemTotalBytes: 24 << 30}, nil
}

// serveHardware starts a control service with the hardware on loopback.
func serveHardware(t *testing.T, hw hostHardware, withTopology bool) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	svc := &ctlsvc.Service{System: "daos_server", Engines: &engines{}, Storage: hw, Network: hw}
	if withTopology {
		svc.Topology = topology{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ctlsvc.Serve(ctx, ctlsvc.NewGRPCServer(svc, insecure.NewCredentials()), lis, time.Second)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

// runSplit runs dmg and keeps stdout and stderr apart.
func runSplit(t *testing.T, args ...string) (stdout, stderr string, rc int) {
	t.Helper()
	var out, errOut bytes.Buffer
	rc = cmdutil.Execute(newRoot(), args, &out, &errOut)
	return out.String(), errOut.String(), rc
}

func TestConfigGenerate(t *testing.T) {
	ssds := []string{"0000:81:00.0", "0000:82:00.0"}
	a := serveHardware(t, hostHardware{addr: "10.0.0.1/24", ssds: ssds}, true)
	b := serveHardware(t, hostHardware{addr: "10.0.0.2/24", ssds: ssds}, true)

	// Two alike hosts (their addresses and serials differ, which the
	// config does not depend on): one config for both, which loads and
	// validates as daos_server would load it.
	out, errOut, rc := runSplit(t, "-i", "-l", a+","+b, "config", "generate", "-c", "ethernet", "-r", "node[1-3]", "-f", "20000")
	require.Equal(t, 0, rc, errOut)
	cfg, err := config.LoadServer(config.Source{Name: "generated", Data: []byte(out)})
	require.NoError(t, err, out)
	require.NoError(t, cfg.Validate())
	require.Equal(t, []string{"node1:10001", "node2:10001", "node3:10001"}, cfg.MgmtSvcReplicas)
	require.Equal(t, "ofi+tcp", cfg.Provider)
	require.Len(t, cfg.Engines, 1)
	e := cfg.Engines[0]
	require.Equal(t, "eth0", e.Interface)
	require.Equal(t, 20000, e.InterfacePort)
	require.Equal(t, 2, e.Targets, "4 cores, one left to the system xstreams, rounded down to a multiple of the 2 SSDs")
	require.Equal(t, "ram", e.Storage[0].Class)
	require.Equal(t, "nvme", e.Storage[1].Class)
	require.Equal(t, ssds, e.Storage[1].BdevList)
	require.Empty(t, errOut, "three replicas, nothing deprecated: no notes")

	// The alias, -j: the same config in the JSON envelope, with the YAML's
	// keys; the deprecated -a is accepted with a note.
	out, errOut, rc = runSplit(t, "-i", "-l", a, "-j", "config", "gen", "-c", "ethernet", "-a", "node1", "-s")
	require.Equal(t, 0, rc, errOut)
	require.Contains(t, errOut, "dmg: note: --access-points is deprecated: use --ms-replicas")
	var env struct {
		Response struct {
			Replicas []string `json:"mgmt_svc_replicas"`
			Provider string   `json:"provider"`
			Engines  []struct {
				Iface   string `json:"fabric_iface"`
				Storage []struct {
					Class   string `json:"class"`
					ScmSize int    `json:"scm_size"`
				} `json:"storage"`
			} `json:"engines"`
		} `json:"response"`
		Error  *string `json:"error"`
		Status int     `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Nil(t, env.Error)
	require.Equal(t, []string{"node1:10001"}, env.Response.Replicas)
	require.Equal(t, "ofi+tcp", env.Response.Provider)
	require.Len(t, env.Response.Engines, 1)
	require.Equal(t, "eth0", env.Response.Engines[0].Iface)
	require.Len(t, env.Response.Engines[0].Storage, 1, "--scm-only")
	require.Equal(t, "ram", env.Response.Engines[0].Storage[0].Class)
	require.Positive(t, env.Response.Engines[0].Storage[0].ScmSize)
}

func TestConfigGenerateErrors(t *testing.T) {
	a := serveHardware(t, hostHardware{addr: "10.0.0.1/24", ssds: []string{"0000:81:00.0"}}, true)
	other := serveHardware(t, hostHardware{addr: "10.0.0.2/24"}, true)
	old := serveHardware(t, hostHardware{addr: "10.0.0.3/24"}, false)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := lis.Addr().String()
	lis.Close()

	for name, tc := range map[string]struct {
		args []string
		want []string
	}{
		"hosts differ": {[]string{"-l", a + "," + other, "config", "generate", "-c", "ethernet"},
			[]string{"generate config: the hosts' hardware differs (NVMe SSDs)", a + ": NVMe SSDs [0000:81:00.0 (NUMA 0)]",
				other + ": NVMe SSDs [none]", "generate a config for each group of hosts (-l)"}},
		"host down": {[]string{"-l", a + "," + dead, "config", "generate", "-c", "ethernet"},
			[]string{"generate config: every host's hardware is needed: some hosts failed: " + dead + ": unreachable"}},
		"server without topology scan": {[]string{"-l", old, "config", "generate", "-c", "ethernet"},
			[]string{old + ": the server does not support this call"}},
		"no interface of the class": {[]string{"-l", a, "config", "generate"},
			[]string{"no up infiniband interface found (interfaces: eth0 (ether), lo (loopback)); on Ethernet use --net-class ethernet"}},
		// Flags are checked before any host is called: the dead host
		// is not what fails these.
		"net class":     {[]string{"-l", dead, "config", "generate", "-c", "myrinet"}, []string{`--net-class "myrinet": want ethernet or infiniband`}},
		"even replicas": {[]string{"-l", dead, "config", "generate", "-r", "a,b"}, []string{"--ms-replicas a,b: 2 hosts given, the count must be odd"}},
		"negative engines": {[]string{"-l", dead, "config", "generate", "-e", "-2"},
			[]string{"--num-engines -2: want 0 (one engine per NUMA node that can host one) or more"}},
		"ports for engines": {[]string{"-l", dead, "config", "generate", "-e", "1", "-f", "1,2"},
			[]string{"--fabric-ports: 2 port(s) given for --num-engines 1: give one port per engine"}},
		"ports for the hardware": {[]string{"-l", a, "config", "generate", "-c", "ethernet", "-f", "1,2"},
			[]string{"2 fabric port(s) given, but this hardware allows 1 engine(s)"}},
	} {
		t.Run(name, func(t *testing.T) {
			out, errOut, rc := runSplit(t, append([]string{"-i"}, tc.args...)...)
			require.Equal(t, 1, rc, out)
			require.Empty(t, out)
			t.Log(errOut)
			for _, w := range tc.want {
				require.Contains(t, errOut, w)
			}
		})
	}

	// Under -j the error is in the envelope.
	out, _, rc := runSplit(t, "-i", "-j", "-l", a+","+other, "config", "generate", "-c", "ethernet")
	require.Equal(t, 1, rc)
	var env struct {
		Response any    `json:"response"`
		Error    string `json:"error"`
		Status   int    `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Nil(t, env.Response)
	require.Contains(t, env.Error, "the hosts' hardware differs")
	require.Equal(t, -1025, env.Status)
}
