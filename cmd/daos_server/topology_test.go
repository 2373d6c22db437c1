package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/hardware"
)

func TestDumpTopology(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, cmdutil.Execute(newRoot(), []string{"dump-topology"}, &out, &errOut), errOut.String())
	require.Regexp(t, `NUMA node 0: \d+ cores, \d+ threads, CPUs `, out.String())
	require.Regexp(t, `lo +loopback +up`, out.String())

	out.Reset()
	require.Equal(t, 0, cmdutil.Execute(newRoot(), []string{"-j", "dump-topology"}, &out, &errOut), errOut.String())
	var env struct {
		Response hardware.HostTopology `json:"response"`
		Status   int                   `json:"status"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &env))
	require.NotEmpty(t, env.Response.Nodes)
	require.NotEmpty(t, env.Response.Nodes[0].CPUs)
	require.NotZero(t, env.Response.MemTotalBytes)
}

func TestDumpTopologyScanFailure(t *testing.T) {
	sc := defaultScanners()
	sc.topology.Nodes = func() ([]hardware.NUMANode, error) { return nil, errors.New("no sysfs") }
	var out, errOut bytes.Buffer
	require.Equal(t, 1, cmdutil.Execute(newRootWith(sc), []string{"-j", "dump-topology"}, &out, &errOut))
	require.Contains(t, errOut.String(), "scan topology: no sysfs")
	require.Contains(t, out.String(), `"response": null`)
}
