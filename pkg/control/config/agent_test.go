package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoadAgent(t *testing.T) {
	for name, tc := range map[string]struct {
		doc   string
		check func(t *testing.T, a *Agent)
		err   string
	}{
		"defaults": {doc: "", check: func(t *testing.T, a *Agent) {
			require.Equal(t, "daos_server", a.Name)
			require.Equal(t, []string{"localhost:10001"}, a.AccessPoints)
			require.Equal(t, 10001, a.Port)
			require.Equal(t, "/var/run/daos_agent", a.RuntimeDir)
			require.Equal(t, "/etc/daos/certs/agent.crt", a.Transport.Cert)
			require.Equal(t, "/etc/daos/certs/agent.key", a.Transport.Key)
			require.Zero(t, a.AttachInfoExpiration())
		}},
		"full": {doc: `name: sys1
access_points: ['node[1-2]', 'ms:10005']
port: 10002
runtime_dir: /tmp/agent
log_file: /tmp/agent.log
cache_expiration: 5
disable_caching: true
fabric_ifaces:
- numa_node: 0
  devices:
  - iface: eth0
    domain: eth0
- numa_node: 1
  devices: [{iface: ib1, domain: mlx5_1}]
credential_config:
  cache_expiration: 1m
  signing_key: /etc/daos/certs/agent_cred.key
transport_config:
  allow_insecure: true
`, check: func(t *testing.T, a *Agent) {
			require.Equal(t, "sys1", a.Name)
			require.Equal(t, []string{"ms:10005", "node1:10002", "node2:10002"}, a.AccessPoints)
			require.Equal(t, "/tmp/agent", a.RuntimeDir)
			require.Equal(t, "/tmp/agent.log", a.LogFile)
			require.Equal(t, 5*time.Minute, a.AttachInfoExpiration())
			require.True(t, a.DisableCaching)
			require.Equal(t, []AgentNUMAIfaces{
				{NUMANode: 0, Devices: []AgentDevice{{Iface: "eth0", Domain: "eth0"}}},
				{NUMANode: 1, Devices: []AgentDevice{{Iface: "ib1", Domain: "mlx5_1"}}},
			}, a.FabricIfaces)
			d, err := a.Credentials.CredentialCacheExpiration()
			require.NoError(t, err)
			require.Equal(t, time.Minute, d)
			require.Equal(t, "/etc/daos/certs/agent_cred.key", a.Credentials.SigningKey)
			require.True(t, a.Transport.AllowInsecure)
			require.Equal(t, "daos_agent.yml", a.Path)
		}},
		"unknown key": {doc: "name: a\nmgmt_svc_replicas: [x]\n",
			err: `daos_agent.yml:2: mgmt_svc_replicas: unknown key (config contains invalid parameters)`},
		"unknown nested key": {doc: "fabric_ifaces:\n- numa_node: 0\n  devices:\n  - iface: eth0\n    provider: x\n",
			err: `daos_agent.yml:5: fabric_ifaces[0].devices[0].provider: unknown key (config contains invalid parameters)`},
		"port not int": {doc: "port: ten\n",
			err: `daos_agent.yml:1: port: expected an integer, got "ten"`},
		"access points not list": {doc: "access_points: node1\n",
			err: `daos_agent.yml:1: access_points: expected a list, got "node1"`},
		"cache expiration as duration": {doc: "cache_expiration: 5m\n",
			err: `daos_agent.yml:1: cache_expiration: expected an integer, got "5m"`},
		"negative cache expiration": {doc: "cache_expiration: -1\n",
			err: `daos_agent.yml:1: cache_expiration: -1 must be 0 (never expire) or a number of minutes`},
		"bad credential expiration": {doc: "credential_config:\n  cache_expiration: soon\n",
			err: `daos_agent.yml:2: credential_config.cache_expiration: "soon" must be a duration such as 1m`},
		"relative runtime dir": {doc: "runtime_dir: run\n",
			err: `daos_agent.yml:1: runtime_dir: "run" must be an absolute path`},
		"empty access points": {doc: "access_points: []\n",
			err: `daos_agent.yml:1: access_points: must name at least one host`},
		"device without iface": {doc: "fabric_ifaces:\n- numa_node: 0\n  devices:\n  - domain: mlx5_0\n",
			err: `daos_agent.yml:4: fabric_ifaces[0].devices[0].iface: must be set`},
		"numa without devices": {doc: "fabric_ifaces:\n- numa_node: 1\n",
			err: `daos_agent.yml:2: fabric_ifaces[0].devices: must list at least one device`},
		"name too long": {doc: "name: a_very_long_system_name\n",
			err: `daos_agent.yml:1: name: "a_very_long_system_name" must be 1 to 15 characters`},
		"secure without cert": {doc: "transport_config:\n  cert: ''\n",
			err: `daos_agent.yml:2: transport_config.cert: must be set unless allow_insecure is true`},
		"bad yaml": {doc: "name: [\n", err: "daos_agent.yml: invalid YAML"},
	} {
		t.Run(name, func(t *testing.T) {
			a, err := LoadAgent(Source{Name: "daos_agent.yml", Data: []byte(tc.doc)})
			if tc.err != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			tc.check(t, a)
		})
	}
}

func TestResolveAgent(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yml")

	_, err := ResolveAgent(AgentFlags{ConfigPath: missing, ConfigPathGiven: true})
	require.ErrorIs(t, err, os.ErrNotExist, "-o names a file that must exist")

	a, err := ResolveAgent(AgentFlags{ConfigPath: missing})
	require.NoError(t, err, "a missing default file means defaults")
	require.Equal(t, "", a.Path)

	p := filepath.Join(dir, "daos_agent.yml")
	require.NoError(t, os.WriteFile(p, []byte("access_points: [ms1]\nruntime_dir: /tmp/x\n"), 0o644))
	a, err = ResolveAgent(AgentFlags{ConfigPath: p, ConfigPathGiven: true, Insecure: true, RuntimeDir: "/tmp/y", LogFile: "/tmp/l"})
	require.NoError(t, err)
	require.Equal(t, p, a.Path)
	require.Equal(t, []string{"ms1:10001"}, a.AccessPoints)
	require.True(t, a.Transport.AllowInsecure)
	require.Equal(t, "/tmp/y", a.RuntimeDir, "flag wins over file")
	require.Equal(t, "/tmp/l", a.LogFile)
}
