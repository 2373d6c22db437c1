package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// base is a valid one-engine emulated config; tests edit copies of it.
const base = `name: daos_server
mgmt_svc_replicas: ['localhost']
provider: ofi+tcp
transport_config:
  allow_insecure: true
engines:
  - targets: 4
    nr_xs_helpers: 1
    fabric_iface: eth0
    fabric_iface_port: 31416
    storage:
      - class: ram
        scm_mount: /mnt/daos
        scm_size: 8
      - class: file
        bdev_list: [/tmp/daos-bdev]
        bdev_size: 16
`

// twoEngines appends a second engine to base with the given body lines.
func twoEngines(second string) string {
	return base + "  - targets: 4\n    nr_xs_helpers: 1\n" + second
}

func load(t *testing.T, doc string) (*Server, error) {
	t.Helper()
	return LoadServer(Source{Name: "daos_server.yml", Data: []byte(doc)})
}

func TestLoadServerValid(t *testing.T) {
	for name, tc := range map[string]struct {
		doc   string
		check func(t *testing.T, s *Server)
	}{
		"base with defaults": {base, func(t *testing.T, s *Server) {
			require.Equal(t, 10001, s.Port)
			require.Equal(t, []string{"localhost:10001"}, s.MgmtSvcReplicas)
			require.Equal(t, "/var/run/daos_server", s.SocketDir)
			require.Equal(t, "INFO", s.ControlLogMask)
			require.Equal(t, 0x13, s.CoreDumpFilter)
			require.Equal(t, 300, s.EngineAutoRestartMinDelay)
			require.Equal(t, "/etc/daos/certs/server.crt", s.Transport.Cert)
			require.Equal(t, "/etc/daos/certs/clients", s.Transport.ClientCertDir)
			e := s.Engines[0]
			require.Equal(t, "ofi+tcp", e.Provider, "inherited from the top level")
			require.Equal(t, "ERR", e.LogMask)
			require.Nil(t, e.FirstCore)
			require.Equal(t, ClassFile, e.Storage[1].Class)
			require.Contains(t, s.Notices(), "one management service replica: no redundancy")
		}},
		"discovery mode without provider": {"name: daos_server\n", func(t *testing.T, s *Server) {
			require.Empty(t, s.Engines)
			require.Contains(t, s.Notices(), "no engines configured: the server runs in discovery mode")
		}},
		"access_points is the old name": {strings.Replace(base, "mgmt_svc_replicas: ['localhost']", "access_points: ['a', 'b:10002', 'c']", 1),
			func(t *testing.T, s *Server) {
				require.Equal(t, []string{"a:10001", "b:10002", "c:10001"}, s.MgmtSvcReplicas)
				require.Nil(t, s.AccessPoints)
				require.Contains(t, s.Notices(), "access_points is deprecated: use mgmt_svc_replicas")
			}},
		"fabric keys inherited": {strings.Replace(strings.Replace(base, "    fabric_iface: eth0\n    fabric_iface_port: 31416\n", "", 1),
			"provider: ofi+tcp\n", "provider: ofi+tcp\nfabric_iface: lo\nfabric_iface_port: 20000\ncrt_timeout: 30\n", 1),
			func(t *testing.T, s *Server) {
				e := s.Engines[0]
				require.Equal(t, "lo", e.Interface)
				require.Equal(t, 20000, e.InterfacePort)
				require.Equal(t, 30, e.CrtTimeout)
			}},
		"two engines, disjoint ports on one interface": {twoEngines(
			"    fabric_iface: eth0\n    fabric_iface_port: 32416\n    storage:\n      - class: ram\n        scm_mount: /mnt/daos1\n      - class: file\n        bdev_list: [/tmp/daos-bdev1]\n        bdev_size: 16\n"),
			func(t *testing.T, s *Server) { require.Len(t, s.Engines, 2) }},
		"MD-on-SSD roles assigned": {strings.Replace(base, "engines:", "control_metadata:\n  path: /var/daos/config\nengines:", 1),
			func(t *testing.T, s *Server) {
				require.Equal(t, []string{"wal", "meta", "data"}, s.Engines[0].Storage[1].BdevRoles)
			}},
		"kdev, legacy bdev_number, subsystem log mask, yes for true": {strings.NewReplacer(
			"class: file", "class: kdev", "bdev_list: [/tmp/daos-bdev]", "bdev_list: [/dev/sdc]\n        bdev_number: 1",
			"allow_insecure: true", "allow_insecure: yes",
			"    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    log_mask: ERR,mgmt=DEBUG,io=info\n").Replace(base),
			func(t *testing.T, s *Server) {
				require.True(t, s.Transport.AllowInsecure)
				require.Equal(t, ClassKdev, s.Engines[0].Storage[1].Class)
			}},
		"enable_hotplug is the inverse of disable_hotplug": {"enable_hotplug: true\n", func(t *testing.T, s *Server) {
			require.False(t, *s.DisableHotplug)
		}},
		"string keys take numbers": {"name: 1234\nfault_path: /rack1/1234\n", func(t *testing.T, s *Server) {
			require.Equal(t, "1234", s.Name)
		}},
		"keys with no effect are named": {strings.NewReplacer("name: daos_server\n", "name: daos_server\ndisable_vmd: true\ndisable_srx: true\n",
			"    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    env_pass_through: [HOME]\n    spdk_rpc_server:\n      enable: true\n      sock_addr: /tmp/spdk.sock\n").Replace(base),
			func(t *testing.T, s *Server) {
				require.Contains(t, s.Notices(), "these keys are accepted but change nothing here (daos-go has no SPDK, VFIO, VMD, kernel modules or shared receive contexts to set up, and engines get daos_server's whole environment): disable_vmd, disable_srx, engines[0].env_pass_through, engines[0].spdk_rpc_server")
			}},
		"hex core_dump_filter": {"core_dump_filter: 0xff\n", func(t *testing.T, s *Server) {
			require.Equal(t, 0xff, s.CoreDumpFilter)
		}},
		"dcpm and nvme": {strings.NewReplacer("class: ram", "class: dcpm", "scm_size: 8", "scm_list: [/dev/pmem0]",
			"class: file", "class: nvme", "bdev_list: [/tmp/daos-bdev]", "bdev_list: ['0000:81:00.0', '5d0505:01:00.0']\n        bdev_busid_range: 0x80-0x8f",
			"bdev_size: 16", "bdev_size: 0").Replace(base), nil},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := load(t, tc.doc)
			require.NoError(t, err)
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func TestLoadServerInvalid(t *testing.T) {
	r := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(base) }
	for name, tc := range map[string]struct {
		doc  string
		want string
	}{
		"unknown top-level key": {base + "foo: 1\n",
			`daos_server.yml:18: foo: unknown key (config contains invalid parameters)`},
		"unknown engine key": {r("    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    targts: 4\n"),
			`daos_server.yml:9: engines[0].targts: unknown key (config contains invalid parameters)`},
		"unknown tier key": {r("scm_size: 8", "scm_sise: 8"),
			`daos_server.yml:14: engines[0].storage[0].scm_sise: unknown key (config contains invalid parameters)`},
		"keys are case-sensitive": {"Name: x\n",
			`daos_server.yml:1: Name: unknown key (config contains invalid parameters)`},
		"targets not a number": {r("targets: 4", "targets: four"),
			`daos_server.yml:7: engines[0].targets: expected an integer, got "four"`},
		"targets a float": {r("targets: 4", "targets: 4.5"),
			`daos_server.yml:7: engines[0].targets: expected an integer, got the number 4.5`},
		"port a string": {"port: abc\n",
			`daos_server.yml:1: port: expected an integer, got "abc"`},
		"engines not a list": {"engines: {targets: 1}\n",
			`daos_server.yml:1: engines: expected a list, got a map`},
		"bool not a bool": {r("allow_insecure: true", "allow_insecure: maybe"),
			`daos_server.yml:5: transport_config.allow_insecure: expected true or false, got "maybe"`},
		"list given a scalar": {r("bdev_list: [/tmp/daos-bdev]", "bdev_list: /tmp/daos-bdev"),
			`daos_server.yml:16: engines[0].storage[1].bdev_list: expected a list, got "/tmp/daos-bdev"`},
		"duplicate YAML key": {"port: 1\nport: 2\n",
			`daos_server.yml:2: port: given twice (first at line 1)`},
		"bad YAML": {"engines: [\n",
			`daos_server.yml: invalid YAML: line 1: did not find expected node content`},
		"name too long": {"name: a_very_long_system_name\n",
			`daos_server.yml:1: name: "a_very_long_system_name" is 23 characters, the limit is 15`},
		"port out of range": {"port: 70000\n",
			`daos_server.yml:1: port: 70000 is not a valid port (1-65535)`},
		"telemetry port negative": {"telemetry_port: -1\n",
			`daos_server.yml:1: telemetry_port: -1 is not a valid port (1-65535)`},
		"telemetry on control port": {"telemetry_port: 10001\n",
			`daos_server.yml:1: telemetry_port: 10001 is also the control port (port)`},
		"even replica count": {"mgmt_svc_replicas: [a, b]\n",
			`daos_server.yml:1: mgmt_svc_replicas: 2 replicas given: the count must be odd (1, 3, 5, ...)`},
		"duplicate replicas": {"mgmt_svc_replicas: [a, 'a:10001', b]\n",
			`daos_server.yml:1: mgmt_svc_replicas[1]: "a:10001" duplicates entry 0`},
		"bad replica port": {"mgmt_svc_replicas: ['a:0']\n",
			`daos_server.yml:1: mgmt_svc_replicas[0]: "a:0" has an invalid port (want 1-65535)`},
		"both replica keys": {"mgmt_svc_replicas: [a]\naccess_points: [a]\n",
			`daos_server.yml:2: access_points: cannot be set together with mgmt_svc_replicas (access_points is its deprecated name)`},
		"missing provider": {r("provider: ofi+tcp\n", ""),
			`daos_server.yml:6: engines[0].provider: required: set provider at the top level or in the engine (e.g. ofi+tcp)`},
		"provider without prefix": {r("provider: ofi+tcp", "provider: tcp"),
			`daos_server.yml:3: provider: "tcp" is not a provider: expected ofi+<name>[;ofi_rxm] or ucx+<transport>, e.g. ofi+tcp`},
		"unknown ofi provider": {r("provider: ofi+tcp", "provider: ofi+foo"),
			`daos_server.yml:3: provider: "ofi+foo": unknown libfabric provider "foo" (known: tcp, verbs, cxi, opx, psm2, psm3, shm, sockets, udp, efa, lnx)`},
		"two providers": {r("provider: ofi+tcp", "provider: 'ofi+tcp,ofi+verbs'"),
			`daos_server.yml:3: provider: "ofi+tcp,ofi+verbs" names 2 providers: only one provider is supported`},
		"engine provider differs": {r("    fabric_iface: eth0\n", "    fabric_iface: eth0\n    provider: ofi+verbs\n"),
			`daos_server.yml:10: engines[0].provider: "ofi+verbs" differs from the top-level provider "ofi+tcp": only one provider is supported`},
		"missing targets": {r("  - targets: 4\n", "  - fabric_iface_port: 31416\n", "    fabric_iface_port: 31416\n", ""),
			`daos_server.yml:7: engines[0].targets: required: the number of targets must be set and non-zero`},
		"negative targets": {r("targets: 4", "targets: -4"),
			`daos_server.yml:7: engines[0].targets: must be positive, not -4`},
		"negative helpers": {r("nr_xs_helpers: 1", "nr_xs_helpers: -1"),
			`daos_server.yml:8: engines[0].nr_xs_helpers: must not be negative, not -1`},
		"missing fabric_iface": {r("    fabric_iface: eth0\n", ""),
			`daos_server.yml:7: engines[0].fabric_iface: required: set fabric_iface in the engine or at the top level (e.g. eth0)`},
		"missing fabric_iface_port": {r("    fabric_iface_port: 31416\n", ""),
			`daos_server.yml:7: engines[0].fabric_iface_port: required: set fabric_iface_port in the engine or at the top level (e.g. 31416)`},
		"fabric ports cover control port": {r("fabric_iface_port: 31416", "fabric_iface_port: 9999"),
			`daos_server.yml:10: engines[0].fabric_iface_port: fabric ports 9999-10005 include port 10001`},
		"fabric ports past 65535": {r("fabric_iface_port: 31416", "fabric_iface_port: 65533"),
			`daos_server.yml:10: engines[0].fabric_iface_port: 65533 plus 7 contexts runs past port 65535`},
		"first_core with pinned_numa_node": {r("    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    first_core: 2\n    pinned_numa_node: 0\n"),
			`daos_server.yml:9: engines[0].first_core: cannot be used together with pinned_numa_node`},
		"bad engine log mask": {r("    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    log_mask: LOUD\n"),
			`daos_server.yml:9: engines[0].log_mask: "LOUD": item "LOUD" has level "LOUD", not one of DEBUG, DBUG, INFO, NOTE, WARN, ERR, ERROR, CRIT, ALRT, EMRG, FATAL, EMIT`},
		"bad engine log mask item": {r("    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    log_mask: ERR,mgmt=LOUD\n"),
			`daos_server.yml:9: engines[0].log_mask: "ERR,mgmt=LOUD": item "mgmt=LOUD" has level "LOUD", not one of DEBUG, DBUG, INFO, NOTE, WARN, ERR, ERROR, CRIT, ALRT, EMRG, FATAL, EMIT`},
		"bad D_LOG_MASK": {r("    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    env_vars: [\"D_LOG_MASK=ERR,DEBUG\"]\n"),
			`daos_server.yml:9: engines[0].env_vars[0]: "ERR,DEBUG": item "DEBUG" must be subsystem=LEVEL (only the first item is a bare level)`},
		"bad DD_MASK": {r("    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    env_vars: [\"DD_MASK=mgmt,disk\"]\n"),
			`daos_server.yml:9: engines[0].env_vars[0]: DD_MASK "mgmt,disk": "disk" is not a debug stream name (one of all, md, pl, mgmt, epc, df, rebuild, sec, csum, group_default, group_metadata_only, group_metadata, any, trace, mem, net, io, test)`},
		"bad DD_SUBSYS": {r("    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    env_vars: [\"DD_MASK=io\", \"DD_SUBSYS=all,pool\"]\n"),
			`daos_server.yml:9: engines[0].env_vars[1]: DD_SUBSYS "all,pool": all cannot be given with other subsystem names`},
		"bad control log mask": {"control_log_mask: LOUD\n",
			`daos_server.yml:1: control_log_mask: "LOUD" is not one of DISABLED, TRACE, DEBUG, INFO, NOTICE, ERROR`},
		"bad env var": {r("    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    env_vars: [CRT_TIMEOUT]\n"),
			`daos_server.yml:9: engines[0].env_vars[0]: "CRT_TIMEOUT" is not NAME=value`},
		"fault_path and fault_cb": {"fault_path: /r1/h1\nfault_cb: /usr/bin/fd\n",
			`daos_server.yml:2: fault_cb: cannot be set together with fault_path`},
		"fault_path relative": {"fault_path: rack1\n",
			`daos_server.yml:1: fault_path: "rack1" must start with / (like /rack1/host1)`},
		"negative nr_hugepages": {"nr_hugepages: -2\n",
			`daos_server.yml:1: nr_hugepages: must not be negative (0 means automatic)`},
		"zero system_ram_reserved": {"system_ram_reserved: 0\n",
			`daos_server.yml:1: system_ram_reserved: must be a positive number of GiB, not 0`},
		"secure without cert": {"transport_config:\n  cert: ''\n",
			`daos_server.yml:2: transport_config.cert: must be set unless allow_insecure is true`},
		"no storage": {r("    storage:\n      - class: ram\n        scm_mount: /mnt/daos\n        scm_size: 8\n      - class: file\n        bdev_list: [/tmp/daos-bdev]\n        bdev_size: 16\n", ""),
			`daos_server.yml:7: engines[0].storage: required: at least one tier, and tier 0 must be SCM (class ram or dcpm)`},
		"malloc class": {r("class: file", "class: malloc"),
			`daos_server.yml:15: engines[0].storage[1].class: unsupported storage class "malloc" (removed in DAOS 2.0; use class file for emulated NVMe)`},
		"unknown class": {r("class: file", "class: tape"),
			`daos_server.yml:15: engines[0].storage[1].class: unsupported storage class "tape": want ram, dcpm, nvme, file or kdev`},
		"tier 0 not SCM": {r("      - class: ram\n        scm_mount: /mnt/daos\n        scm_size: 8\n", ""),
			`daos_server.yml:12: engines[0].storage[0].class: tier 0 must be SCM (class ram or dcpm), not "file"`},
		"missing scm_mount": {r("        scm_mount: /mnt/daos\n", ""),
			`daos_server.yml:12: engines[0].storage[0].scm_mount: required for class ram (e.g. /mnt/daos)`},
		"negative scm_size": {r("scm_size: 8", "scm_size: -8"),
			`daos_server.yml:14: engines[0].storage[0].scm_size: must not be negative, not -8`},
		"small scm_size": {r("scm_size: 8", "scm_size: 2"),
			`daos_server.yml:14: engines[0].storage[0].scm_size: 2 GiB is below the minimum of 4 GiB (or leave it out to size automatically)`},
		"scm_list on ram": {r("scm_size: 8", "scm_list: [/dev/pmem0]"),
			`daos_server.yml:14: engines[0].storage[0].scm_list: does not apply to class ram (it is for dcpm)`},
		"two dcpm devices": {r("class: ram", "class: dcpm", "scm_size: 8", "scm_list: [/dev/pmem0, /dev/pmem1]"),
			`daos_server.yml:14: engines[0].storage[0].scm_list: has 2 devices: class dcpm takes exactly one`},
		"scm_size on dcpm": {r("class: ram", "class: dcpm"),
			`daos_server.yml:14: engines[0].storage[0].scm_size: does not apply to class dcpm (the namespace size is used)`},
		"file without size": {r("        bdev_size: 16\n", ""),
			`daos_server.yml:15: engines[0].storage[1].bdev_size: required for class file: the size in GiB of each file`},
		"negative bdev_size": {r("bdev_size: 16", "bdev_size: -16"),
			`daos_server.yml:17: engines[0].storage[1].bdev_size: must not be negative, not -16`},
		"relative bdev file": {r("[/tmp/daos-bdev]", "[daos-bdev]"),
			`daos_server.yml:16: engines[0].storage[1].bdev_list[0]: "daos-bdev" must be an absolute path`},
		"nvme with a path": {r("class: file", "class: nvme"),
			`daos_server.yml:16: engines[0].storage[1].bdev_list[0]: "/tmp/daos-bdev" is not a PCI address (like 0000:81:00.0); class nvme takes PCI or VMD addresses only`},
		"bad bus range": {r("class: file", "class: nvme", "[/tmp/daos-bdev]", "['0000:81:00.0']\n        bdev_busid_range: 0x8f-0x80"),
			`daos_server.yml:17: engines[0].storage[1].bdev_busid_range: "0x8f-0x80" is not an increasing range of bus numbers 0-255`},
		"bdev keys on SCM": {r("scm_size: 8", "bdev_size: 8"),
			`daos_server.yml:12: engines[0].storage[0]: bdev_* keys do not apply to SCM class "ram"`},
		"file and nvme mixed": {base + "      - class: nvme\n        bdev_list: ['0000:81:00.0']\n",
			`daos_server.yml:18: engines[0].storage[2].class: real NVMe (class nvme) and emulated bdevs (file, kdev) cannot be mixed in one engine`},
		"two bdev tiers without roles": {base + "      - class: file\n        bdev_list: [/tmp/daos-bdev2]\n        bdev_size: 16\n",
			`daos_server.yml:18: engines[0].storage[2]: more than one bdev tier needs bdev_roles on every bdev tier (MD-on-SSD)`},
		"roles without control_metadata": {r("bdev_size: 16", "bdev_size: 16\n        bdev_roles: [wal, meta, data]"),
			`daos_server.yml:18: engines[0].storage[1].bdev_roles: MD-on-SSD needs control_metadata.path to be set`},
		"targets per SSD": {r("targets: 4", "targets: 65"),
			`daos_server.yml:7: engines[0].targets: 65 targets on 1 SSDs: at most 64 per SSD here`},
		"targets per SSD, MD-on-SSD": {"control_metadata: {path: /var/daos}\n" + r("targets: 4", "targets: 22", "bdev_size: 16", "bdev_size: 16\n        bdev_roles: [wal, meta, data]"),
			`daos_server.yml:8: engines[0].targets: 22 targets on 1 SSDs: at most 21 per SSD here`},
		"role missing": {"control_metadata: {path: /var/daos}\n" + r("bdev_size: 16", "bdev_size: 16\n        bdev_roles: [wal, meta]"),
			`daos_server.yml:12: engines[0].storage: bdev role "data" must appear in exactly one tier (found 0)`},
		"wal and data without meta": {"control_metadata: {path: /var/daos}\n" + r("bdev_size: 16", "bdev_size: 16\n        bdev_roles: [wal, data]") +
			"      - class: file\n        bdev_list: [/tmp/daos-bdev2]\n        bdev_size: 16\n        bdev_roles: [meta]\n",
			`daos_server.yml:19: engines[0].storage[1].bdev_roles: a tier with wal and data must also hold meta`},
		"bad role": {"control_metadata: {path: /var/daos}\n" + r("bdev_size: 16", "bdev_size: 16\n        bdev_roles: [log]"),
			`daos_server.yml:19: engines[0].storage[1].bdev_roles[0]: "log" is not a role: want wal, meta or data`},
		"control_metadata without bdevs": {"control_metadata: {path: /var/daos}\n" + r("      - class: file\n        bdev_list: [/tmp/daos-bdev]\n        bdev_size: 16\n", ""),
			`daos_server.yml:1: control_metadata: is only for MD-on-SSD: it needs bdev tiers in every engine`},
		"MD-on-SSD on dcpm": {"control_metadata: {path: /var/daos}\n" + r("class: ram", "class: dcpm", "scm_size: 8", "scm_list: [/dev/pmem0]"),
			`daos_server.yml:13: engines[0].storage[0].class: MD-on-SSD (bdev_roles) needs SCM class ram, not "dcpm"`},
		"targets differ": {twoEngines("    fabric_iface: eth1\n    fabric_iface_port: 31416\n    storage:\n      - class: ram\n        scm_mount: /mnt/daos1\n") + "",
			""}, // replaced below
		"duplicate scm_mount": {twoEngines("    fabric_iface: eth1\n    fabric_iface_port: 31416\n    storage:\n      - class: ram\n        scm_mount: /mnt/daos\n"),
			`daos_server.yml:24: engines[1].storage[0].scm_mount: mount point "/mnt/daos" is already used by engines[0].storage[0].scm_mount`},
		"duplicate bdev file": {twoEngines("    fabric_iface: eth1\n    fabric_iface_port: 31416\n    storage:\n      - class: ram\n        scm_mount: /mnt/daos1\n      - class: file\n        bdev_list: [/tmp/daos-bdev]\n        bdev_size: 16\n"),
			`daos_server.yml:26: engines[1].storage[1].bdev_list[0]: bdev "/tmp/daos-bdev" is already used by engines[0].storage[1].bdev_list[0]`},
		"duplicate fabric endpoint": {twoEngines("    fabric_iface: eth0\n    fabric_iface_port: 31416\n    storage:\n      - class: ram\n        scm_mount: /mnt/daos1\n"),
			`daos_server.yml:21: engines[1].fabric_iface_port: fabric endpoint "ofi+tcp eth0:31416" is already used by engines[0].fabric_iface_port`},
		"overlapping fabric ports": {twoEngines("    fabric_iface: eth0\n    fabric_iface_port: 31420\n    storage:\n      - class: ram\n        scm_mount: /mnt/daos1\n"),
			`daos_server.yml:21: engines[1].fabric_iface_port: ports 31420-31426 on eth0 overlap engines[0]'s 31416-31422 (each engine uses one port per context: 7 here)`},
		"SCM classes differ": {twoEngines("    fabric_iface: eth1\n    fabric_iface_port: 31416\n    storage:\n      - class: dcpm\n        scm_mount: /mnt/daos1\n        scm_list: [/dev/pmem1]\n"),
			`daos_server.yml:23: engines[1].storage[0].class: "dcpm" differs from engines[0]'s "ram": all engines must use one SCM class`},
		"duplicate log file": {strings.Replace(twoEngines("    fabric_iface: eth1\n    fabric_iface_port: 31416\n    log_file: /tmp/e.log\n    storage:\n      - class: ram\n        scm_mount: /mnt/daos1\n"),
			"    nr_xs_helpers: 1\n", "    nr_xs_helpers: 1\n    log_file: /tmp/e.log\n", 1),
			`daos_server.yml:23: engines[1].log_file: log file "/tmp/e.log" is already used by engines[0].log_file`},
		"bdev excluded": {"bdev_exclude: ['0000:81:00.0']\n" + r("class: file", "class: nvme", "[/tmp/daos-bdev]", "['0000:81:00.0']"),
			`daos_server.yml:17: engines[0].storage[1].bdev_list[0]: "0000:81:00.0" is also listed in bdev_exclude[0]`},
		"hugepages off with NVMe": {"disable_hugepages: true\n" + r("class: file", "class: nvme", "[/tmp/daos-bdev]", "['0000:81:00.0']"),
			`daos_server.yml:1: disable_hugepages: cannot be true when engines use NVMe (class nvme) storage`},
	} {
		if name == "targets differ" {
			tc.doc = strings.Replace(twoEngines("    fabric_iface: eth1\n    fabric_iface_port: 31416\n    storage:\n      - class: ram\n        scm_mount: /mnt/daos1\n"), "  - targets: 4\n    nr_xs_helpers: 1\n    fabric_iface: eth1", "  - targets: 8\n    nr_xs_helpers: 1\n    fabric_iface: eth1", 1)
			tc.want = `daos_server.yml:18: engines[1].targets: 8 differs from engines[0]'s 4: all engines must have the same number of targets`
		}
		t.Run(name, func(t *testing.T) {
			_, err := load(t, tc.doc)
			require.EqualError(t, err, tc.want, "config:\n%s", tc.doc)
		})
	}
}

func TestExampleConfigsLoad(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "utils", "config", "examples")
	servers, err := filepath.Glob(filepath.Join(dir, "daos_server*.yml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(servers), 4)
	for _, p := range servers {
		t.Run(filepath.Base(p), func(t *testing.T) {
			src, err := ReadSource(p)
			require.NoError(t, err)
			s, err := LoadServer(src)
			require.NoError(t, err)
			require.NotEmpty(t, s.Engines)
		})
	}
	src, err := ReadSource(filepath.Join(dir, "daos_server_local.yml"))
	require.NoError(t, err)
	local, err := LoadServer(src)
	require.NoError(t, err)
	require.Equal(t, []string{"localhost:10001"}, local.MgmtSvcReplicas)
	require.Equal(t, 9191, local.TelemetryPort)
	require.Equal(t, []string{"/tmp/daos-bdev"}, local.Engines[0].Storage[1].BdevList)

	src, err = ReadSource(filepath.Join(dir, "daos_control.yml"))
	require.NoError(t, err)
	ctl, err := LoadControl(src)
	require.NoError(t, err)
	require.Equal(t, []string{"server-1:10001", "server-2:10001", "server-3:10001"}, ctl.HostList)
}

func TestOverridesWinOverFile(t *testing.T) {
	s, err := LoadServer(Source{Name: "x.yml", Data: []byte(base),
		Overrides: map[string]any{"port": 10005, "transport_config.allow_insecure": true}})
	require.NoError(t, err)
	require.Equal(t, 10005, s.Port)
	require.Equal(t, []string{"localhost:10005"}, s.MgmtSvcReplicas)
}

func TestMarshalRoundTrip(t *testing.T) {
	s, err := load(t, base)
	require.NoError(t, err)
	out, err := s.Marshal()
	require.NoError(t, err)
	again, err := load(t, string(out))
	require.NoError(t, err, "%s", out)
	require.Equal(t, s.Engines, again.Engines)
	require.Equal(t, s.MgmtSvcReplicas, again.MgmtSvcReplicas)
}

func TestReadSourceMissing(t *testing.T) {
	_, err := ReadSource(filepath.Join(t.TempDir(), "none.yml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestRAMDiskSizing(t *testing.T) {
	s, err := load(t, base)
	require.NoError(t, err)
	mem := MemInfo{TotalBytes: 24 * gib}
	require.Equal(t, uint64(6), s.ReservedGiB(mem), "a quarter of 24 GiB")
	max, err := s.MaxRAMDiskBytes(mem)
	require.NoError(t, err)
	require.Equal(t, 17*gib, max, "24 - 6 reserved - 1 for the engine")
	require.NoError(t, s.CheckRAMDisks(mem))

	s.Engines[0].Storage[0].ScmSize = 18
	require.EqualError(t, s.CheckRAMDisks(mem),
		"engines[0].storage[0].scm_size: 18 GiB exceeds the 17408 MiB this host can give each engine")

	big := 64
	s.SystemRAMReserved = &big
	err = s.CheckRAMDisks(mem)
	require.ErrorContains(t, err, "RAM-disk SCM does not fit")
	require.ErrorContains(t, err, "lower system_ram_reserved")
	require.Equal(t, uint64(64), s.ReservedGiB(MemInfo{TotalBytes: 1024 * gib}))
}
