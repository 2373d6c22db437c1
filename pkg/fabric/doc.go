// Package fabric is the transport under daos-go's data plane: endpoints that
// exchange messages and move bulk data with one-sided remote memory access
// (RMA), whatever the network provider. It defines the provider-neutral API
// (Driver, Endpoint, Peer, Region), DAOS-style addressing (provider strings
// such as "ofi+tcp;ofi_rxm", URIs such as "tcp://127.0.0.1:31416"), bulk
// handles, the mapping of transport failures to DER_* codes, and rank-
// addressed groups.
//
// It holds no provider itself: the pure-Go provider is fabric/tcp, the
// libfabric one is built on cgo/ofi, and fabric/drivers lists the ones
// compiled in. Requests, replies, opcodes and deadlines belong to pkg/rpc,
// which sits on top of this package; fabric moves opaque messages only.
package fabric
