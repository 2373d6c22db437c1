// Package confgen proposes a daos_server.yml from a host's discovered
// hardware, as `daos_server config generate` does: one engine per NUMA
// node that has a network interface of the wanted class, PMem or a RAM
// disk for SCM, NVMe SSDs or files for bdevs, and targets sized to the
// node's cores. Where no real devices exist it chooses emulated storage
// (class ram and class file). The result passes config validation.
//
// For `dmg config generate`, which proposes one config for many hosts,
// Common checks that the hosts' hardware is alike where Generate looks
// and merges their inventories. Flags holds the command-line flags both
// commands share, so that they check them alike.
//
// It only computes: the caller scans the hardware (locally or over the
// control plane) and writes the file.
package confgen
