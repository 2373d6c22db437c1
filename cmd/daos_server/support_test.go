package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/support"
)

// The server's collection takes the config, the control log and each
// engine's log_file; a missing engine log is reported, and -s makes it
// fatal.
func TestSupportCollectLog(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "daos_server.yml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(`name: daos_server
control_log_file: `+dir+`/control.log
socket_dir: `+dir+`
provider: ofi+tcp
engines:
- targets: 1
  log_file: `+dir+`/engine0.log
  fabric_iface: lo
  fabric_iface_port: 31416
  storage:
  - class: ram
    scm_mount: `+dir+`/scm
    scm_size: 4
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "control.log"), []byte("time=2025-01-01T00:00:00Z msg=x\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, support.ActiveConfigName), []byte("name: daos_server\n"), 0o644))

	target := filepath.Join(dir, "out")
	var out, errOut bytes.Buffer
	require.Equal(t, 0, cmdutil.Execute(newRoot(), []string{"-j", "-o", cfgPath, "support", "collect-log", "-t", target, "-z"}, &out, &errOut), errOut.String())
	var env struct {
		Response support.Report `json:"response"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &env), out.String())
	require.Equal(t, target+".tar.gz", env.Response.Archive)
	require.Contains(t, env.Response.Files, "config/daos_server.yml")
	require.Contains(t, env.Response.Files, "config/"+support.ActiveConfigName)
	require.Contains(t, env.Response.Files, "logs/control/control.log")
	require.Contains(t, env.Response.Files, "info/network-scan.txt")
	require.Len(t, env.Response.Failures, 1)
	require.Equal(t, "logs/engine0/engine0.log", env.Response.Failures[0].Name)

	// The folder is not empty any more: refused, not overwritten.
	out.Reset()
	errOut.Reset()
	require.Equal(t, 1, cmdutil.Execute(newRoot(), []string{"-o", cfgPath, "support", "collect-log", "-t", target}, &out, &errOut))
	require.Contains(t, errOut.String(), "not empty")

	errOut.Reset()
	require.Equal(t, 1, cmdutil.Execute(newRoot(), []string{"-o", cfgPath, "support", "collect-log", "-e", "server", "-s",
		"-t", filepath.Join(dir, "out2")}, &out, &errOut))
	require.Contains(t, errOut.String(), "engine0.log")
	require.Contains(t, errOut.String(), "stop-on-error")
}
