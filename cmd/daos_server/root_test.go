package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/hardware"
)

func TestNetworkScanJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cmdutil.Execute(newRoot(), []string{"network", "scan", "-j"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	var env struct {
		Response hardware.NetworkScan `json:"response"`
		Status   int                  `json:"status"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &env))
	require.Equal(t, 0, env.Status)
	var names []string
	for _, ni := range env.Response.Interfaces {
		names = append(names, ni.Name)
	}
	require.Contains(t, names, "lo")
}

func TestNetworkScanText(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cmdutil.Execute(newRoot(), []string{"network", "scan", "--provider", "ofi+tcp;ofi_rxm"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "Network interfaces:")
	require.Regexp(t, `lo +loopback +up`, out.String())
}

func TestNetworkScanRejectsArguments(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cmdutil.Execute(newRoot(), []string{"network", "scan", "extra"}, &out, &errOut)
	require.Equal(t, 1, code)
	require.Contains(t, errOut.String(), "unknown command")
}
