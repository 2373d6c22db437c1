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
			require.Equal(t, "INFO", a.ControlLogMask)
			require.False(t, a.DisableAutoEvict)
			require.False(t, a.EvictOnStart)
			require.Zero(t, a.TelemetryPort)
			require.False(t, a.TelemetryEnabled)
			_, ok := a.Credentials.MappedUser(1000)
			require.False(t, ok)
		}},
		"every DAOS key": {doc: `control_log_mask: debug
disable_auto_evict: true
enable_evict_on_start: yes
exclude_fabric_ifaces: [lo, docker0]
telemetry_port: 9192
telemetry_enabled: true
telemetry_retain: 1h
telemetry_enabled_procs: ^ior$
credential_config:
  cache_expiration: 2m
  client_user_map:
    1000:
      user: alice
      group: users
      groups: [proj1, proj2]
    '01001': {user: bob}
    default:
      user: nobody
      group: nogroup
`, check: func(t *testing.T, a *Agent) {
			require.Equal(t, "debug", a.ControlLogMask)
			require.True(t, a.DisableAutoEvict)
			require.True(t, a.EvictOnStart)
			require.Equal(t, []string{"lo", "docker0"}, a.ExcludeFabricIfaces)
			require.Empty(t, a.IncludeFabricIfaces)
			require.Equal(t, 9192, a.TelemetryPort)
			require.True(t, a.TelemetryEnabled)
			d, err := a.Retain()
			require.NoError(t, err)
			require.Equal(t, time.Hour, d)
			require.Equal(t, "^ior$", a.TelemetryEnabledProcs)
			m, ok := a.Credentials.MappedUser(1000)
			require.True(t, ok)
			require.Equal(t, MappedUser{User: "alice", Group: "users", Groups: []string{"proj1", "proj2"}}, m)
			m, ok = a.Credentials.MappedUser(1001)
			require.True(t, ok, "01001 is uid 1001")
			require.Equal(t, MappedUser{User: "bob"}, m)
			m, ok = a.Credentials.MappedUser(7)
			require.True(t, ok)
			require.Equal(t, MappedUser{User: "nobody", Group: "nogroup"}, m, "default")
		}},
		"include ifaces and disabled procs": {doc: `include_fabric_ifaces: [ib0]
telemetry_port: 9192
telemetry_enabled: true
telemetry_disabled_procs: 'dfuse|daos'
telemetry_retain: 0
control_log_mask: DISABLED
`, check: func(t *testing.T, a *Agent) {
			require.Equal(t, []string{"ib0"}, a.IncludeFabricIfaces)
			require.Equal(t, "dfuse|daos", a.TelemetryDisabledProcs)
			require.Equal(t, "DISABLED", a.ControlLogMask)
		}},
		"telemetry port alone": {doc: "telemetry_port: 9192\n", check: func(t *testing.T, a *Agent) {
			require.Equal(t, 9192, a.TelemetryPort)
			require.False(t, a.TelemetryEnabled)
		}},
		"retain in nanoseconds": {doc: "telemetry_port: 1\ntelemetry_enabled: true\ntelemetry_retain: 1000\n",
			check: func(t *testing.T, a *Agent) {
				d, err := a.Retain()
				require.NoError(t, err)
				require.Equal(t, time.Microsecond, d, "DAOS reads a bare integer as nanoseconds")
			}},
		"credential cache in nanoseconds": {doc: "credential_config: {cache_expiration: 1000}\n",
			check: func(t *testing.T, a *Agent) {
				d, err := a.Credentials.CredentialCacheExpiration()
				require.NoError(t, err)
				require.Equal(t, time.Microsecond, d)
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
		"bad control log mask": {doc: "port: 10001\ncontrol_log_mask: LOUD\n",
			err: `daos_agent.yml:2: control_log_mask: "LOUD" is not one of DISABLED, TRACE, DEBUG, INFO, NOTICE, ERROR`},
		"evict not bool": {doc: "disable_auto_evict: maybe\n",
			err: `daos_agent.yml:1: disable_auto_evict: expected true or false, got "maybe"`},
		"include and exclude": {doc: "exclude_fabric_ifaces: [lo]\ninclude_fabric_ifaces: [eth0]\n",
			err: `daos_agent.yml:2: include_fabric_ifaces: cannot be set together with exclude_fabric_ifaces`},
		"exclude not list": {doc: "exclude_fabric_ifaces: lo\n",
			err: `daos_agent.yml:1: exclude_fabric_ifaces: expected a list, got "lo"`},
		"empty include entry": {doc: "include_fabric_ifaces: [eth0, '']\n",
			err: `daos_agent.yml:1: include_fabric_ifaces[1]: must name an interface`},
		"user map bad uid": {doc: "credential_config:\n  client_user_map:\n    alice: {user: alice}\n",
			err: `daos_agent.yml:3: credential_config.client_user_map.alice: "alice" is neither a uid nor "default"`},
		"user map Default": {doc: "credential_config:\n  client_user_map:\n    Default: {user: nobody}\n",
			err: `daos_agent.yml:3: credential_config.client_user_map.Default: "Default" is neither a uid nor "default"`},
		"user map negative uid": {doc: "credential_config:\n  client_user_map:\n    -1: {user: x}\n",
			err: `credential_config.client_user_map.-1: "-1" is neither a uid nor "default"`},
		"user map uid too big": {doc: "credential_config:\n  client_user_map:\n    4294967295: {user: x}\n",
			err: `credential_config.client_user_map.4294967295: "4294967295" is neither a uid nor "default"`},
		"user map twice": {doc: "credential_config:\n  client_user_map:\n    1000: {user: a}\n    '01000': {user: b}\n",
			err: `credential_config.client_user_map.1000: uid 1000 is mapped twice`},
		"user map without user": {doc: "credential_config:\n  client_user_map:\n    1000:\n      group: g\n",
			err: `daos_agent.yml:3: credential_config.client_user_map.1000.user: must be set`},
		"user map unknown key": {doc: "credential_config:\n  client_user_map:\n    1000:\n      user: a\n      uid: 0\n",
			err: `daos_agent.yml:5: credential_config.client_user_map.1000.uid: unknown key`},
		"user map not map": {doc: "credential_config:\n  client_user_map: [a]\n",
			err: `daos_agent.yml:2: credential_config.client_user_map: expected a map, got a list`},
		"user map groups not list": {doc: "credential_config:\n  client_user_map:\n    default: {user: a, groups: g}\n",
			err: `daos_agent.yml:3: credential_config.client_user_map.default.groups: expected a list, got "g"`},
		"telemetry port out of range": {doc: "telemetry_port: 70000\n",
			err: `daos_agent.yml:1: telemetry_port: 70000 is not a valid port (1-65535)`},
		"telemetry enabled without port": {doc: "telemetry_enabled: true\n",
			err: `daos_agent.yml:1: telemetry_enabled: requires telemetry_port`},
		"telemetry retain without enabled": {doc: "telemetry_port: 9192\ntelemetry_retain: 10m\n",
			err: `daos_agent.yml:2: telemetry_retain: requires telemetry_enabled: true`},
		"bad telemetry retain": {doc: "telemetry_port: 9192\ntelemetry_enabled: true\ntelemetry_retain: a while\n",
			err: `daos_agent.yml:3: telemetry_retain: "a while" must be a duration such as 10m`},
		"negative telemetry retain": {doc: "telemetry_port: 9192\ntelemetry_enabled: true\ntelemetry_retain: -1m\n",
			err: `daos_agent.yml:3: telemetry_retain: "-1m" must be a duration such as 10m`},
		"enabled procs without enabled": {doc: "telemetry_port: 9192\ntelemetry_enabled_procs: foo\n",
			err: `daos_agent.yml:2: telemetry_enabled_procs: requires telemetry_enabled: true`},
		"disabled procs without enabled": {doc: "telemetry_disabled_procs: foo\n",
			err: `daos_agent.yml:1: telemetry_disabled_procs: requires telemetry_enabled: true`},
		"bad procs regexp": {doc: "telemetry_port: 9192\ntelemetry_enabled: true\ntelemetry_enabled_procs: '*'\n",
			err: `daos_agent.yml:3: telemetry_enabled_procs: "*" is not a valid regular expression`},
		"both procs": {doc: "telemetry_port: 9192\ntelemetry_enabled: true\ntelemetry_enabled_procs: a\ntelemetry_disabled_procs: b\n",
			err: `daos_agent.yml:4: telemetry_disabled_procs: cannot be set together with telemetry_enabled_procs`},
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
