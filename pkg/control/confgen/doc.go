// Package confgen proposes a daos_server.yml from a host's discovered
// hardware, as `daos_server config generate` does: one engine per NUMA
// node that has a network interface of the wanted class, PMem or a RAM
// disk for SCM, NVMe SSDs or files for bdevs, and targets sized to the
// node's cores. Where no real devices exist it chooses emulated storage
// (class ram and class file). The result passes config validation.
//
// It only computes: the caller scans the hardware and writes the file.
package confgen
