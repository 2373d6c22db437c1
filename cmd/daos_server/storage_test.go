package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"

	"github.com/daos-go/daos/cgo/ofi"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/hardware"
)

// fakeScanners describe a small Ethernet host with one NVMe SSD, no PMem
// bus, one NUMA node of 4 cores and 24 GiB.
func fakeScanners(t *testing.T) scanners {
	sys := t.TempDir()
	meminfo := filepath.Join(sys, "meminfo")
	require.NoError(t, os.WriteFile(meminfo, []byte("MemTotal: 25165824 kB\n"), 0o644))
	mounts := filepath.Join(sys, "mounts")
	require.NoError(t, os.WriteFile(mounts, []byte("/dev/vda / ext4 rw 0 0\n"), 0o644))
	link := func(name, encap string) netlink.Link {
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.EncapType, attrs.Flags = name, encap, net.FlagUp
		return &netlink.Device{LinkAttrs: attrs}
	}
	return scanners{
		network: hardware.NetworkScanner{
			Links: func() ([]netlink.Link, error) {
				return []netlink.Link{link("lo", "loopback"), link("eth0", "ether")}, nil
			},
			Addrs:      func(netlink.Link) ([]netlink.Addr, error) { return nil, nil },
			Providers:  func(string) ([]ofi.Info, error) { return nil, ofi.ErrNotBuilt },
			RDMADevice: func(string) (string, error) { return "", errors.New("none") },
			SysfsRoot:  sys,
		},
		storage: hardware.StorageScanner{
			SysfsRoot:  sys, // no bus/nd: no PMem support
			MountsPath: mounts,
			PCIDevices: func() ([]hardware.PCIDevice, error) {
				return []hardware.PCIDevice{
					{Address: "0000:81:00.0", ClassID: "01", SubclassID: "08", ProgIF: "02", Product: "Fake SSD", Driver: "vfio-pci"},
					{Address: "0000:82:00.0", ClassID: "01", SubclassID: "08", ProgIF: "02", Product: "Other SSD", Driver: "vfio-pci"},
				}, nil
			},
			BlockDevices: func() ([]hardware.BlockDevice, error) {
				return []hardware.BlockDevice{{Name: "vda", SizeBytes: 256 << 30, Type: "HDD", Controller: "virtio"}}, nil
			},
		},
		topology: hardware.TopologyScanner{
			Nodes:       func() ([]hardware.NUMANode, error) { return []hardware.NUMANode{{ID: 0, Cores: 4}}, nil },
			MeminfoPath: meminfo,
		},
	}
}

func run(t *testing.T, sc scanners, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cmdutil.Execute(newRootWith(sc), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestSCMScanSaysThereIsNone(t *testing.T) {
	code, out, errOut := run(t, fakeScanners(t), "scm", "scan")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "No SCM: this kernel has no persistent-memory (libnvdimm) bus, so there is no PMem to use. Use class ram SCM.\n", out)

	code, out, _ = run(t, fakeScanners(t), "scm", "scan", "-j")
	require.Equal(t, 0, code)
	require.JSONEq(t, `{"response":{"supported":false,"regions":[],"namespaces":[]},"error":null,"status":0}`, out)
}

func TestNVMeScan(t *testing.T) {
	code, out, errOut := run(t, fakeScanners(t), "nvme", "scan", "--ignore-config")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `0000:81:00\.0 +Fake SSD +- +- +0 +- +vfio-pci`, out)
	require.Regexp(t, `/dev/vda +256 GiB +HDD +virtio +0 +- +/`, out)

	code, out, _ = run(t, fakeScanners(t), "nvme", "scan", "-j", "--ignore-config")
	require.Equal(t, 0, code)
	var env struct {
		Response hardware.NVMeScan `json:"response"`
		Status   int               `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env))
	require.Len(t, env.Response.Controllers, 2)
	require.Equal(t, "0000:81:00.0", env.Response.Controllers[0].PCIAddr)
}

func TestNVMeScanLeavesOutExcludedDevices(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "daos_server.yml")
	require.NoError(t, os.WriteFile(cfg, []byte("bdev_exclude: ['0000:81:00.0']\n"), 0o644))
	code, out, errOut := run(t, fakeScanners(t), "nvme", "scan", "-o", cfg)
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out, "0000:81:00.0")
	require.Contains(t, out, "0000:82:00.0")
}

func TestConfigErrorsAreReported(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := run(t, fakeScanners(t), "nvme", "scan", "-o", filepath.Join(dir, "missing.yml"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "daos_server: load server config: read config file: open "+dir+"/missing.yml: no such file or directory")

	bad := filepath.Join(dir, "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte("name: x\nbogus: 1\n"), 0o644))
	code, out, errOut := run(t, fakeScanners(t), "nvme", "scan", "-o", bad, "-j")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, bad+":2: bogus: unknown key (config contains invalid parameters)")
	require.Contains(t, out, `"status": -1025`)
}

func TestDefaultConfigIsOptional(t *testing.T) {
	cf := &configFlags{fallback: filepath.Join(t.TempDir(), "none.yml")}
	cfg, err := cf.load()
	require.NoError(t, err)
	require.Nil(t, cfg)
}

func TestStorageScanShowsBoth(t *testing.T) {
	code, out, errOut := run(t, fakeScanners(t), "storage", "scan", "--ignore-config")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "storage scan is deprecated: use scm scan and nvme scan")
	require.Contains(t, out, "No SCM: this kernel has no persistent-memory")
	require.Contains(t, out, "0000:82:00.0")

	code, out, _ = run(t, fakeScanners(t), "storage", "scan", "--ignore-config", "--json")
	require.Equal(t, 0, code)
	var env struct {
		Response hardware.StorageScan `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env))
	require.False(t, env.Response.SCM.Supported)
	require.Len(t, env.Response.NVMe.Controllers, 2)
}

func TestConfigGenerate(t *testing.T) {
	code, out, errOut := run(t, fakeScanners(t), "config", "generate", "--net-class", "ethernet", "--scm-only",
		"-r", "node[1-3]", "-f", "20000", "-l", "/tmp/helper.log")
	require.Equal(t, 0, code, errOut)
	cfg, err := config.LoadServer(config.Source{Name: "generated", Data: []byte(out)})
	require.NoError(t, err, out)
	require.Equal(t, []string{"node1:10001", "node2:10001", "node3:10001"}, cfg.MgmtSvcReplicas)
	require.Equal(t, "ofi+tcp", cfg.Provider)
	require.Len(t, cfg.Engines, 1)
	e := cfg.Engines[0]
	require.Equal(t, 3, e.Targets, "4 cores, one left to system xstreams")
	require.Equal(t, 20000, e.InterfacePort)
	require.Equal(t, "ram", e.Storage[0].Class)
	require.Len(t, e.Storage, 1)
	require.Equal(t, "/tmp/helper.log", cfg.HelperLogFile)
}

func TestConfigGenerateUsesTheSSDs(t *testing.T) {
	code, out, errOut := run(t, fakeScanners(t), "config", "gen", "-c", "ethernet", "-j")
	require.Equal(t, 0, code, errOut)
	var env struct {
		Response struct {
			Provider string `json:"provider"`
			Engines  []struct {
				Storage []struct {
					Class    string   `json:"class"`
					BdevList []string `json:"bdev_list"`
				} `json:"storage"`
			} `json:"engines"`
		} `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Equal(t, "ofi+tcp", env.Response.Provider)
	require.Equal(t, "nvme", env.Response.Engines[0].Storage[1].Class)
	require.Equal(t, []string{"0000:81:00.0", "0000:82:00.0"}, env.Response.Engines[0].Storage[1].BdevList)
}

func TestConfigGenerateErrors(t *testing.T) {
	code, _, errOut := run(t, fakeScanners(t), "config", "generate")
	require.Equal(t, 1, code)
	require.Equal(t, "daos_server: generate config: no up infiniband interface found (interfaces: eth0 (ether), lo (loopback)); on Ethernet use --net-class ethernet\n", errOut)

	code, _, errOut = run(t, fakeScanners(t), "config", "generate", "-c", "ethernet", "-r", "node[3-1]")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `--ms-replicas: invalid host list: "node[3-1]": range "3-1" goes backwards`)

	code, _, errOut = run(t, fakeScanners(t), "config", "generate", "-c", "ethernet", "-r", "a", "-a", "b")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--access-points and --ms-replicas cannot both be given")

	code, out, errOut := run(t, fakeScanners(t), "config", "generate", "-c", "ethernet", "-a", "x,y,z", "-s")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "--access-points is deprecated")
	require.Contains(t, out, "- x:10001")
}

// A ram-class scm_size the host's memory cannot give fails start with
// the sizing rule's numbers (CONTROL.md 1.4), whether or not the storage
// is formatted at start.
func TestStartChecksRAMDisks(t *testing.T) {
	cfgPath := startConfig(t, "", "    scm_size: 40\n")
	code, _, errOut := run(t, fakeScanners(t), "start", "-o", cfgPath)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "scm_size")
	require.Contains(t, errOut, "40 GiB exceeds")

	// Automatic sizing (no scm_size) with too little left after the
	// reserve says how to fix it.
	cfgPath = startConfig(t, "system_ram_reserved: 22\n", "")
	code, _, errOut = run(t, fakeScanners(t), "start", "-o", cfgPath)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "RAM-disk SCM does not fit")
	require.Contains(t, errOut, "lower system_ram_reserved")
}

// start's overrides (-g, -p, -t, -x, -f) go through the config's checks.
func TestStartOverridesChecked(t *testing.T) {
	cfgPath := startConfig(t, "", "    scm_size: 4\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-t", "0"}, "targets"},
		{[]string{"-x", "-1"}, "nr_xs_helpers"},
		{[]string{"-f", "-2"}, "first_core"},
		{[]string{"-g", "a_name_far_too_long_for_a_system"}, "name"},
		{[]string{"-p", "70000"}, "port"},
	} {
		code, _, errOut := run(t, fakeScanners(t), append([]string{"start", "-o", cfgPath}, tc.args...)...)
		require.Equal(t, 1, code, tc.args)
		require.Contains(t, errOut, "with the command-line overrides", tc.args)
		require.Contains(t, errOut, tc.want, tc.args)
	}
}

// startConfig writes a one-engine config with ram SCM (top-level keys
// top and SCM tier keys scm added) for start tests that stop before any
// engine starts, and returns its path.
func startConfig(t *testing.T, top, scm string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := "name: daos_server\nport: 10001\n" + top + "provider: ofi+tcp\ncontrol_log_mask: ERROR\ncontrol_log_file: " + dir + "/control.log" +
		"\nsocket_dir: " + dir + "/run\ntransport_config:\n  allow_insecure: true\n" +
		"engines:\n- targets: 1\n  fabric_iface: lo\n  fabric_iface_port: 31416\n  storage:\n  - class: ram\n    scm_mount: " + dir + "/scm\n" + scm
	path := filepath.Join(dir, "daos_server.yml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
	return path
}
