package hardware

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeTree creates files under root from a path -> content map; a path
// ending in / makes an empty directory.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		if strings.HasSuffix(p, "/") {
			require.NoError(t, os.MkdirAll(full, 0o755))
			continue
		}
		require.NoError(t, os.WriteFile(full, []byte(content+"\n"), 0o644))
	}
}

func TestScanSCM(t *testing.T) {
	sys := t.TempDir()
	nd := "bus/nd/devices/"
	writeTree(t, sys, map[string]string{
		nd + "region0/size":           "137438953472",
		nd + "region0/available_size": "0",
		nd + "region0/numa_node":      "0",
		nd + "region1/size":           "137438953472",
		nd + "region1/available_size": "68719476736",
		nd + "region1/numa_node":      "1",
		// fsdax: the block device hangs off the pfn holder
		nd + "namespace0.0/size":      "135291469824",
		nd + "namespace0.0/mode":      "fsdax",
		nd + "namespace0.0/uuid":      "842fc847-28e0-4bb6-8dfc-d24afdba1528",
		nd + "namespace0.0/numa_node": "0",
		nd + "namespace0.0/holder":    "pfn0.0",
		nd + "pfn0.0/block/pmem0/":    "",
		// devdax: a character device under the dax holder
		nd + "namespace1.0/size":      "68719476736",
		nd + "namespace1.0/mode":      "devdax",
		nd + "namespace1.0/numa_node": "1",
		nd + "namespace1.0/holder":    "dax1.0",
		nd + "dax1.0/dax/dax1.0/":     "",
		// the seed namespace of a region: size 0, not reported
		nd + "namespace1.1/size": "0",
		nd + "namespace1.1/mode": "raw",
	})
	scan, err := StorageScanner{SysfsRoot: sys}.ScanSCM(context.Background())
	require.NoError(t, err)
	require.True(t, scan.Supported)
	require.Equal(t, []SCMRegion{
		{ID: "region0", NUMANode: 0, SizeBytes: 128 << 30, FreeBytes: 0},
		{ID: "region1", NUMANode: 1, SizeBytes: 128 << 30, FreeBytes: 64 << 30},
	}, scan.Regions)
	require.Equal(t, []SCMNamespace{
		{ID: "namespace0.0", UUID: "842fc847-28e0-4bb6-8dfc-d24afdba1528", Mode: "fsdax", BlockDev: "pmem0", Dev: "/dev/pmem0", NUMANode: 0, SizeBytes: 135291469824},
		{ID: "namespace1.0", Mode: "devdax", Dev: "/dev/dax1.0", NUMANode: 1, SizeBytes: 64 << 30},
	}, scan.Namespaces)
}

func TestScanSCMWithoutNVDIMMBus(t *testing.T) {
	scan, err := StorageScanner{SysfsRoot: t.TempDir()}.ScanSCM(context.Background())
	require.NoError(t, err)
	require.False(t, scan.Supported)
	require.Empty(t, scan.Namespaces)
}

func TestScanNVMe(t *testing.T) {
	sys := t.TempDir()
	pci := "bus/pci/devices/"
	writeTree(t, sys, map[string]string{
		pci + "0000:81:00.0/numa_node":                 "1",
		pci + "0000:81:00.0/nvme/nvme0/model":          "INTEL SSDPE2KE016T8",
		pci + "0000:81:00.0/nvme/nvme0/serial":         "PHLN0001",
		pci + "0000:81:00.0/nvme/nvme0/firmware_rev":   "VDV10170",
		pci + "0000:81:00.0/nvme/nvme0/nvme0n1/size":   "3125627568",
		pci + "0000:81:00.0/nvme/nvme0/nvme0c0n1/size": "1",
		pci + "0000:5e:00.0/numa_node":                 "-1",
	})
	mounts := filepath.Join(sys, "mounts")
	require.NoError(t, os.WriteFile(mounts, []byte("/dev/sda2 / ext4 rw 0 0\n/dev/sda1 /boot ext4 rw 0 0\n/dev/sdb /data xfs rw 0 0\nproc /proc proc rw 0 0\n"), 0o644))
	s := StorageScanner{
		SysfsRoot:  sys,
		MountsPath: mounts,
		PCIDevices: func() ([]PCIDevice, error) {
			return []PCIDevice{
				{Address: "0000:81:00.0", ClassID: "01", SubclassID: "08", ProgIF: "02", VendorID: "8086", Vendor: "Intel Corporation", Product: "NVMe DC SSD", Driver: "nvme"},
				{Address: "0000:5e:00.0", ClassID: "01", SubclassID: "08", ProgIF: "02", VendorID: "144d", Product: "NVMe SSD Controller PM173X", Driver: "vfio-pci"},
				{Address: "0000:00:02.0", ClassID: "01", SubclassID: "80", Product: "Virtio block device"},
			}, nil
		},
		BlockDevices: func() ([]BlockDevice, error) {
			return []BlockDevice{
				{Name: "sdb", SizeBytes: 1 << 40, Type: "HDD", Controller: "SCSI"},
				{Name: "sda", SizeBytes: 1 << 39, Type: "SSD", Controller: "SCSI"},
				{Name: "zram0", SizeBytes: 1 << 30},
				{Name: "sr0", SizeBytes: 0},
			}, nil
		},
	}
	scan, err := s.ScanNVMe(context.Background())
	require.NoError(t, err)
	require.Equal(t, []NVMeController{
		{PCIAddr: "0000:5e:00.0", VendorID: "144d", Model: "NVMe SSD Controller PM173X", Driver: "vfio-pci", SocketID: 0, Namespaces: []NVMeNamespace{}},
		{PCIAddr: "0000:81:00.0", VendorID: "8086", Vendor: "Intel Corporation", Model: "INTEL SSDPE2KE016T8", Serial: "PHLN0001", FwRev: "VDV10170",
			SocketID: 1, Driver: "nvme", Namespaces: []NVMeNamespace{{ID: 1, SizeBytes: 3125627568 * 512, BlockDev: "nvme0n1"}}},
	}, scan.Controllers)
	require.Len(t, scan.BlockDevices, 2)
	require.Equal(t, "sda", scan.BlockDevices[0].Name)
	require.Equal(t, "/dev/sda", scan.BlockDevices[0].Path)
	require.Equal(t, []string{"/", "/boot"}, scan.BlockDevices[0].MountPoints)
	require.Equal(t, []string{"/data"}, scan.BlockDevices[1].MountPoints)
}

func TestScanNVMeHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := DefaultStorageScanner().ScanNVMe(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

// TestScanThisHost runs the real scanners: they must work on any Linux
// machine, with or without PMem and NVMe.
func TestScanThisHost(t *testing.T) {
	if _, err := os.Stat("/sys/bus/pci"); err != nil {
		t.Skip("no sysfs PCI bus")
	}
	s := DefaultStorageScanner()
	scm, err := s.ScanSCM(context.Background())
	require.NoError(t, err)
	require.NotNil(t, scm.Namespaces)
	nvme, err := s.ScanNVMe(context.Background())
	require.NoError(t, err)
	require.NotNil(t, nvme.Controllers)
	topo, err := DefaultTopologyScanner().Scan(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, topo.NUMANodes)
	require.NotZero(t, topo.MemTotalBytes)
}

func TestParseMeminfo(t *testing.T) {
	total, huge, err := parseMeminfo(strings.NewReader("MemTotal:       24589512 kB\nMemFree: 1 kB\nHugePages_Total:     512\nHugepagesize:       2048 kB\n"))
	require.NoError(t, err)
	require.Equal(t, uint64(24589512)<<10, total)
	require.Equal(t, uint64(1)<<30, huge)
	_, _, err = parseMeminfo(strings.NewReader("MemFree: 1 kB\n"))
	require.EqualError(t, err, "no MemTotal line")
}

func TestSysfsPCIDevices(t *testing.T) {
	sys := t.TempDir()
	dev := "bus/pci/devices/0000:81:00.0/"
	writeTree(t, sys, map[string]string{
		dev + "class":     "0x010802",
		dev + "vendor":    "0x8086",
		dev + "device":    "0x0a54",
		dev + "numa_node": "1",
	})
	require.NoError(t, os.MkdirAll(filepath.Join(sys, "bus/pci/drivers/nvme"), 0o755))
	require.NoError(t, os.Symlink("../../../bus/pci/drivers/nvme", filepath.Join(sys, dev, "driver")))
	devs, err := sysfsPCIDevices(sys)
	require.NoError(t, err)
	require.Equal(t, []PCIDevice{{Address: "0000:81:00.0", ClassID: "01", SubclassID: "08", ProgIF: "02",
		VendorID: "8086", DeviceID: "0a54", Driver: "nvme", NUMANode: 1}}, devs)
	require.True(t, devs[0].IsNVMe())
}

func TestPCIWithoutPCIIDs(t *testing.T) {
	if _, err := os.Stat("/sys/bus/pci/devices"); err != nil {
		t.Skip("no sysfs PCI bus")
	}
	t.Setenv("PCIDB_PATH", filepath.Join(t.TempDir(), "missing-pci.ids"))
	_, ghwErr := ghwPCIDevices()
	devs, err := pciDevices("/sys")()
	require.NoError(t, err, "falls back to sysfs (ghw said: %v)", ghwErr)
	require.NotEmpty(t, devs)
}
