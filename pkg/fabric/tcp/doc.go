// Package tcp is daos-go's pure-Go fabric provider, "tcp": TCP streams with
// the semantics of the libfabric providers (ordered messages, registered
// memory, one-sided bulk reads and writes). It is used where libfabric is
// absent and as the baseline the ofi providers are measured against.
//
// Each Peer is a session of two connections dialled by the connecting
// side: a control connection for messages and a bulk connection for
// emulated RMA, so that small messages never queue behind bulk data. Bulk
// data moves in chunks, interleaved between transfers, straight between the
// socket and the registered segments (no staging copy). A Read sends a
// request naming the region's key and range, and the region's owner streams
// the bytes back; a Write streams the bytes and the owner acknowledges the
// last chunk. Owners validate every key, access right and range.
//
// A caller may also send a message with SendEager (rpc does for requests
// naming regions the server may read): the regions' bytes follow the
// message on the bulk connection without being asked for, up to
// Driver.EagerLimit, and the receiver's Read of them is served from those
// bytes (see eager.go), saving the read request's round trip.
//
// Goroutines: one accept loop per endpoint, one reader per connection (two
// per session), and one short-lived goroutine per bulk read served or
// acknowledgement sent, bounded per session. Readers never write, so two
// endpoints that stream at each other cannot deadlock on full sockets.
//
// Everything read from the network is bounded: message frames by the
// endpoint's message limit, bulk chunks by MaxChunkWire and go straight into
// registered memory (or are discarded), and the bulk requests a peer may
// have outstanding by MaxBulkOps.
package tcp
