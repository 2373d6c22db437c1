// Package hardware discovers what a storage or client node has: network
// interfaces (netlink), their RDMA devices (rdmamap) and the libfabric
// providers that serve them; persistent memory (the libnvdimm bus in
// sysfs); NVMe controllers, PCI and block devices (ghw and sysfs); and
// NUMA nodes, cores and memory (ghw and /proc/meminfo). It reports; it
// never changes the system.
package hardware
