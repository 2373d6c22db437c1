package pretty

import (
	"fmt"
	"io"
	"strings"

	"github.com/daos-go/daos/pkg/hardware"
)

// SCMScan prints persistent-memory regions and namespaces, or says
// plainly that there are none and why.
func SCMScan(w io.Writer, scan *hardware.SCMScan) error {
	if !scan.Supported {
		_, err := fmt.Fprintln(w, "No SCM: this kernel has no persistent-memory (libnvdimm) bus, so there is no PMem to use. Use class ram SCM.")
		return err
	}
	if len(scan.Regions) == 0 && len(scan.Namespaces) == 0 {
		_, err := fmt.Fprintln(w, "No SCM: no persistent-memory regions or namespaces found. Use class ram SCM.")
		return err
	}
	if len(scan.Regions) > 0 {
		var rows [][]string
		for _, r := range scan.Regions {
			rows = append(rows, []string{r.ID, fmt.Sprint(r.NUMANode), Bytes(r.SizeBytes), Bytes(r.FreeBytes)})
		}
		if err := Table(w, "", []string{"PMem Region", "Socket", "Capacity", "Free"}, rows); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if len(scan.Namespaces) == 0 {
		_, err := fmt.Fprintln(w, "No SCM namespaces found: the regions above have none (create them with ndctl).")
		return err
	}
	var rows [][]string
	for _, ns := range scan.Namespaces {
		rows = append(rows, []string{orDash(ns.Dev), ns.ID, orDash(ns.Mode), fmt.Sprint(ns.NUMANode), Bytes(ns.SizeBytes)})
	}
	return Table(w, "", []string{"SCM Namespace", "Name", "Mode", "Socket", "Capacity"}, rows)
}

// NVMeScan prints NVMe controllers and kernel block devices.
func NVMeScan(w io.Writer, scan *hardware.NVMeScan) error {
	if len(scan.Controllers) == 0 {
		fmt.Fprintln(w, "No NVMe SSDs found. Use class file (emulated NVMe) bdevs.")
	} else {
		var rows [][]string
		for _, c := range scan.Controllers {
			var total uint64
			for _, ns := range c.Namespaces {
				total += ns.SizeBytes
			}
			capacity := "-" // not visible without the kernel driver
			if len(c.Namespaces) > 0 {
				capacity = Bytes(total)
			}
			rows = append(rows, []string{c.PCIAddr, orDash(c.Model), orDash(c.Serial), orDash(c.FwRev),
				fmt.Sprint(c.SocketID), capacity, orDash(c.Driver)})
		}
		if err := Table(w, "", []string{"NVMe PCI", "Model", "Serial", "FW Revision", "Socket", "Capacity", "Driver"}, rows); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if len(scan.BlockDevices) == 0 {
		_, err := fmt.Fprintln(w, "No kernel block devices found.")
		return err
	}
	var rows [][]string
	for _, d := range scan.BlockDevices {
		rows = append(rows, []string{d.Path, Bytes(d.SizeBytes), orDash(d.Type), orDash(d.Controller),
			fmt.Sprint(d.NUMANode), orDash(d.Model), orDash(strings.Join(d.MountPoints, ", "))})
	}
	return Table(w, "", []string{"Block Device", "Capacity", "Type", "Controller", "Socket", "Model", "Mounted On"}, rows)
}

// StorageScan prints both scans of one host under its name.
func StorageScan(w io.Writer, scan *hardware.StorageScan) error {
	banner(w, "", scan.Host)
	if err := SCMScan(w, scan.SCM); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return NVMeScan(w, scan.NVMe)
}
