package hardware

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// PCIDevice is one PCI function as discovery sees it.
type PCIDevice struct {
	Address    string `json:"pci_addr"`
	ClassID    string `json:"class_id"`    // "01" = mass storage
	SubclassID string `json:"subclass_id"` // "08" = non-volatile memory
	ProgIF     string `json:"prog_if"`     // "02" = NVMe
	VendorID   string `json:"vendor_id"`
	Vendor     string `json:"vendor"`
	DeviceID   string `json:"device_id"`
	Product    string `json:"product"`
	Driver     string `json:"driver"`
	NUMANode   int    `json:"numa_node"`
}

// IsNVMe says whether the function is an NVMe controller.
func (d PCIDevice) IsNVMe() bool {
	return d.ClassID == "01" && d.SubclassID == "08" && (d.ProgIF == "02" || d.ProgIF == "")
}

// NVMeNamespace is one namespace of an NVMe controller seen by the kernel.
type NVMeNamespace struct {
	ID        int    `json:"id"`
	SizeBytes uint64 `json:"size"`
	BlockDev  string `json:"blockdev,omitempty"`
}

// NVMeController is an NVMe SSD (one PCI function).
type NVMeController struct {
	PCIAddr    string          `json:"pci_addr"`
	Model      string          `json:"model"`
	Serial     string          `json:"serial"`
	FwRev      string          `json:"fw_rev"`
	VendorID   string          `json:"vendor_id"`
	Vendor     string          `json:"vendor"`
	SocketID   int             `json:"socket_id"` // NUMA node
	Driver     string          `json:"driver"`
	Namespaces []NVMeNamespace `json:"namespaces"`
}

// BlockDevice is a kernel block device: a candidate for class kdev, or
// the home of class file bdevs.
type BlockDevice struct {
	Name        string   `json:"name"`
	Path        string   `json:"path"`
	SizeBytes   uint64   `json:"size"`
	Type        string   `json:"type"`       // HDD, SSD, ... as the kernel reports it
	Controller  string   `json:"controller"` // nvme, scsi, virtio, ...
	NUMANode    int      `json:"numa_node"`
	Model       string   `json:"model,omitempty"`
	Serial      string   `json:"serial,omitempty"`
	Removable   bool     `json:"removable"`
	MountPoints []string `json:"mount_points"`
}

// SCMRegion is a persistent-memory region (an interleave set).
type SCMRegion struct {
	ID        string `json:"id"`
	NUMANode  int    `json:"numa_node"`
	SizeBytes uint64 `json:"size"`
	FreeBytes uint64 `json:"free"`
}

// SCMNamespace is a persistent-memory namespace.
type SCMNamespace struct {
	ID        string `json:"id"` // e.g. namespace0.0
	UUID      string `json:"uuid"`
	Mode      string `json:"mode"` // fsdax, devdax, sector, raw
	BlockDev  string `json:"blockdev"`
	Dev       string `json:"dev"` // /dev/pmem0 or /dev/dax0.0
	NUMANode  int    `json:"numa_node"`
	SizeBytes uint64 `json:"size"`
}

// SCMScan is what an SCM scan found.
type SCMScan struct {
	// Supported is false when the kernel has no libnvdimm bus, so no PMem
	// can be seen at all.
	Supported  bool           `json:"supported"`
	Regions    []SCMRegion    `json:"regions"`
	Namespaces []SCMNamespace `json:"namespaces"`
}

// NVMeScan is what an NVMe scan found.
type NVMeScan struct {
	Controllers  []NVMeController `json:"controllers"`
	BlockDevices []BlockDevice    `json:"block_devices"`
}

// StorageScan is both scans of one host.
type StorageScan struct {
	Host string    `json:"host"`
	SCM  *SCMScan  `json:"scm"`
	NVMe *NVMeScan `json:"nvme"`
}

// StorageScanner finds SCM, NVMe and block devices. It only reads. Its
// sources are fields so tests can substitute them.
type StorageScanner struct {
	// PCIDevices lists the PCI functions (ghw by default).
	PCIDevices func() ([]PCIDevice, error)
	// BlockDevices lists the kernel's disks (ghw by default).
	BlockDevices func() ([]BlockDevice, error)
	// SysfsRoot is normally "/sys".
	SysfsRoot string
	// MountsPath is normally "/proc/self/mounts".
	MountsPath string
}

// DefaultStorageScanner reads the running system.
func DefaultStorageScanner() StorageScanner {
	return StorageScanner{
		PCIDevices:   pciDevices("/sys"),
		BlockDevices: ghwBlockDevices,
		SysfsRoot:    "/sys",
		MountsPath:   "/proc/self/mounts",
	}
}

// ScanSCM lists PMem regions and namespaces from the libnvdimm bus in
// sysfs (/sys/bus/nd/devices).
func (s StorageScanner) ScanSCM(ctx context.Context) (*SCMScan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir := filepath.Join(s.SysfsRoot, "bus", "nd", "devices")
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return &SCMScan{Regions: []SCMRegion{}, Namespaces: []SCMNamespace{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scan SCM: %w", err)
	}
	out := &SCMScan{Supported: true, Regions: []SCMRegion{}, Namespaces: []SCMNamespace{}}
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, "region"):
			out.Regions = append(out.Regions, SCMRegion{
				ID:        name,
				NUMANode:  readNUMA(p),
				SizeBytes: readUint(filepath.Join(p, "size")),
				FreeBytes: readUint(filepath.Join(p, "available_size")),
			})
		case strings.HasPrefix(name, "namespace"):
			ns := SCMNamespace{
				ID:        name,
				UUID:      readString(filepath.Join(p, "uuid")),
				Mode:      readString(filepath.Join(p, "mode")),
				NUMANode:  readNUMA(p),
				SizeBytes: readUint(filepath.Join(p, "size")),
			}
			if ns.SizeBytes == 0 {
				continue // the seed namespace every region has
			}
			ns.BlockDev, ns.Dev = namespaceDevice(dir, p)
			out.Namespaces = append(out.Namespaces, ns)
		}
	}
	sort.Slice(out.Regions, func(i, j int) bool { return out.Regions[i].ID < out.Regions[j].ID })
	sort.Slice(out.Namespaces, func(i, j int) bool { return out.Namespaces[i].ID < out.Namespaces[j].ID })
	return out, nil
}

// namespaceDevice finds the device node of a namespace: its own block
// device (raw mode), or that of its holder (fsdax: pfnX.Y/block/pmemN;
// sector: bttX.Y/block/pmemNs; devdax: daxX.Y/dax/daxX.Y).
func namespaceDevice(devices, ns string) (blockdev, dev string) {
	dirs := []string{ns}
	if h := readString(filepath.Join(ns, "holder")); h != "" {
		dirs = append(dirs, filepath.Join(devices, h))
	}
	for _, d := range dirs {
		if names := listDir(filepath.Join(d, "block")); len(names) > 0 {
			return names[0], "/dev/" + names[0]
		}
		if names := listDir(filepath.Join(d, "dax")); len(names) > 0 {
			return "", "/dev/" + names[0]
		}
	}
	return "", ""
}

// ScanNVMe lists NVMe controllers (PCI class 01/08/02) with their sysfs
// details, and the kernel's block devices.
func (s StorageScanner) ScanNVMe(ctx context.Context) (*NVMeScan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pci, err := s.PCIDevices()
	if err != nil {
		return nil, fmt.Errorf("scan NVMe: list PCI devices: %w", err)
	}
	out := &NVMeScan{Controllers: []NVMeController{}, BlockDevices: []BlockDevice{}}
	for _, d := range pci {
		if d.IsNVMe() {
			out.Controllers = append(out.Controllers, s.nvmeController(d))
		}
	}
	sort.Slice(out.Controllers, func(i, j int) bool { return out.Controllers[i].PCIAddr < out.Controllers[j].PCIAddr })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	disks, err := s.BlockDevices()
	if err != nil {
		return nil, fmt.Errorf("scan NVMe: list block devices: %w", err)
	}
	mounts := readMounts(s.MountsPath)
	for _, d := range disks {
		if d.SizeBytes == 0 || strings.HasPrefix(d.Name, "zram") || strings.HasPrefix(d.Name, "ram") || strings.HasPrefix(d.Name, "loop") {
			continue // memory-backed or empty: not storage
		}
		d.Path = "/dev/" + d.Name
		d.MountPoints = mountsOf(mounts, d.Name)
		out.BlockDevices = append(out.BlockDevices, d)
	}
	sort.Slice(out.BlockDevices, func(i, j int) bool { return out.BlockDevices[i].Name < out.BlockDevices[j].Name })
	return out, nil
}

// nvmeController fills a controller from its PCI entry and the nvme
// driver's sysfs files, when the kernel driver owns it.
func (s StorageScanner) nvmeController(d PCIDevice) NVMeController {
	pciDir := filepath.Join(s.SysfsRoot, "bus", "pci", "devices", d.Address)
	c := NVMeController{
		PCIAddr:    d.Address,
		VendorID:   d.VendorID,
		Vendor:     d.Vendor,
		Model:      d.Product,
		SocketID:   readNUMA(pciDir),
		Driver:     d.Driver,
		Namespaces: []NVMeNamespace{},
	}
	ctrls := listDir(filepath.Join(pciDir, "nvme"))
	if len(ctrls) == 0 {
		return c // bound to vfio-pci/uio or no driver: no kernel view
	}
	cdir := filepath.Join(pciDir, "nvme", ctrls[0])
	if m := readString(filepath.Join(cdir, "model")); m != "" {
		c.Model = m
	}
	c.Serial = readString(filepath.Join(cdir, "serial"))
	c.FwRev = readString(filepath.Join(cdir, "firmware_rev"))
	prefix := ctrls[0] + "n" // nvme0 -> nvme0n1, nvme0n2, ...
	for _, ns := range listDir(cdir) {
		id, err := strconv.Atoi(strings.TrimPrefix(ns, prefix))
		if !strings.HasPrefix(ns, prefix) || err != nil {
			continue
		}
		sectors := readUint(filepath.Join(cdir, ns, "size")) // 512-byte units
		c.Namespaces = append(c.Namespaces, NVMeNamespace{ID: id, SizeBytes: sectors * 512, BlockDev: ns})
	}
	return c
}

// sysfsPCIDevices reads PCI functions from sysfs: IDs and drivers, no
// names.
func sysfsPCIDevices(root string) ([]PCIDevice, error) {
	dir := filepath.Join(root, "bus", "pci", "devices")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list PCI devices: %w", err)
	}
	out := make([]PCIDevice, 0, len(entries))
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		class := strings.TrimPrefix(readString(filepath.Join(p, "class")), "0x") // e.g. 010802
		d := PCIDevice{
			Address:  e.Name(),
			VendorID: strings.TrimPrefix(readString(filepath.Join(p, "vendor")), "0x"),
			DeviceID: strings.TrimPrefix(readString(filepath.Join(p, "device")), "0x"),
			NUMANode: readNUMA(p),
		}
		if len(class) == 6 {
			d.ClassID, d.SubclassID, d.ProgIF = class[0:2], class[2:4], class[4:6]
		}
		if target, err := os.Readlink(filepath.Join(p, "driver")); err == nil {
			d.Driver = filepath.Base(target)
		}
		out = append(out, d)
	}
	return out, nil
}

func readString(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func readUint(path string) uint64 {
	n, _ := strconv.ParseUint(readString(path), 10, 64)
	return n
}

// readNUMA reads a device's numa_node; the kernel's -1 (no affinity, or
// not a NUMA machine) is reported as node 0.
func readNUMA(dir string) int {
	n, err := strconv.Atoi(readString(filepath.Join(dir, "numa_node")))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func listDir(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// readMounts maps device paths to their mount points.
func readMounts(path string) map[string][]string {
	out := make(map[string][]string)
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && strings.HasPrefix(fields[0], "/dev/") {
			out[fields[0]] = append(out[fields[0]], fields[1])
		}
	}
	return out
}

// mountsOf lists where a disk or its partitions (sda1, nvme0n1p1) are
// mounted.
func mountsOf(mounts map[string][]string, disk string) []string {
	out := []string{}
	for dev, points := range mounts {
		name := strings.TrimPrefix(dev, "/dev/")
		rest := strings.TrimPrefix(name, disk)
		if rest == name {
			continue
		}
		if rest == "" || digitsOnly(strings.TrimPrefix(rest, "p")) {
			out = append(out, points...)
		}
	}
	sort.Strings(out)
	return out
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
