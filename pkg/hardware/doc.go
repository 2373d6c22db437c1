// Package hardware discovers what a storage or client node has: for now its
// network interfaces (netlink), their RDMA devices (rdmamap) and the
// libfabric providers that serve them. It reports; it never changes the
// system. CPU, memory, PMem and NVMe discovery join it with the control
// plane.
package hardware
