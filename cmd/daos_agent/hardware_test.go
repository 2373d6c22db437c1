package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/hardware"
)

func TestNetScan(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, execute([]string{"net-scan", "-p", "ofi+tcp"}, &out, &errOut), errOut.String())
	require.Contains(t, out.String(), "Network interfaces:")
	require.Regexp(t, `lo +loopback +up`, out.String())

	out.Reset()
	require.Equal(t, 0, execute([]string{"-j", "net-scan"}, &out, &errOut), errOut.String())
	var env struct {
		Response hardware.NetworkScan `json:"response"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &env))
	require.NotEmpty(t, env.Response.Interfaces)

	require.Equal(t, 1, execute([]string{"net-scan", "extra"}, &out, &errOut))
}

func TestDumpTopology(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, execute([]string{"dump-topology"}, &out, &errOut), errOut.String())
	require.Regexp(t, `NUMA node 0: \d+ cores`, out.String())

	orig := hostScanners
	t.Cleanup(func() { hostScanners = orig })
	hostScanners = func() hardware.HostScanners {
		hs := orig()
		hs.Topology.Nodes = func() ([]hardware.NUMANode, error) { return nil, errors.New("no sysfs") }
		return hs
	}
	errOut.Reset()
	require.Equal(t, 1, execute([]string{"dump-topology"}, &out, &errOut))
	require.Contains(t, errOut.String(), "no sysfs")
}

func TestServerVersion(t *testing.T) {
	_, cfg, svc := agentConfig(t)
	var out, errOut bytes.Buffer
	// The fake service reports no build info: say so, do not print 0.0.0.
	require.Equal(t, 1, execute([]string{"-o", cfg, "server-version"}, &out, &errOut))
	require.Contains(t, errOut.String(), "did not report a version")
	require.Equal(t, "daos_server", (<-svc.got).Sys)

	svc.build = &mgmtpb.BuildInfo{Major: 2, Minor: 6, Patch: 1, Tag: "2.6.1"}
	out.Reset()
	require.Equal(t, 0, execute([]string{"-o", cfg, "server-version"}, &out, &errOut), errOut.String())
	require.Equal(t, "daos_server version 2.6.1\n", out.String())
	<-svc.got
	out.Reset()
	require.Equal(t, 0, execute([]string{"-o", cfg, "-j", "server-version"}, &out, &errOut), errOut.String())
	require.JSONEq(t, `{"response":{"major":2,"minor":6,"patch":1,"tag":"2.6.1"},"error":null,"status":0}`, out.String())
}
