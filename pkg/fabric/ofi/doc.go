// Package ofi is daos-go's libfabric fabric provider: "ofi+tcp;ofi_rxm",
// "ofi+tcp" and "ofi+shm" (whatever the build and host offer) on reliable
// datagram (FI_EP_RDM) endpoints from cgo/ofi. It needs the build tag `ofi`
// and cgo; without them its Driver lists no providers and explains why.
//
// Messages are tagged sends into a pool of posted receives: small ones
// (up to SmallSlot bytes with the header) into many small buffers, larger
// ones, under a second tag, into a few buffers of the message limit. RDM
// endpoints have no connections and libfabric does not say who sent a
// message, so every message starts with a small header naming the sender's
// session (made by Connect with a hello that carries the dialer's address)
// and a sequence number: completions of large (rendezvous) messages can
// overtake small ones, and the receiver restores the sender's order.
//
// Bulk regions are staged: Register copies the caller's segments into one
// mmap'd buffer registered with the provider (Go heap memory is never
// handed to libfabric), peers move data with real RMA (fi_read, fi_write
// with delivery-complete), and Region.Close copies what peers may have
// written back into the segments. A region of one segment inside memory
// from the endpoint's Alloc (fabric.Allocator: mmap'd, outside the Go heap)
// is registered where it is instead, with nothing copied; closing it waits
// for transfers abandoned through their context, since the memory goes
// back to its owner.
//
// Liveness. Without connections a dead peer shows only as silence, so a
// dialled session pings its peer every PingInterval while it hears nothing
// and gives up after DeadAfter; a peer that closes says goodbye, and a send
// the provider cannot deliver ends the session at once. Accepted sessions
// that stop hearing pings are dropped after a longer quiet period.
//
// Goroutines: cgo/ofi's progress loop per endpoint (which also runs the
// message handler), and one heartbeat goroutine per endpoint.
package ofi
