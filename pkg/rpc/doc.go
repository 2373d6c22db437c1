// Package rpc is daos-go's data-plane protocol on top of pkg/fabric, the
// counterpart of DAOS's CaRT: requests and replies identified by opcodes,
// a compact binary codec for their messages, and an Endpoint that both
// calls peers and serves the opcodes registered with it.
//
// Calls carry a deadline (from the caller's context, or a default) that
// the server's handler sees too; a caller that gives up tells the server,
// which cancels the handler's context. Replies are matched to calls by id,
// so any number of calls may be in flight to one peer. Calls are retried
// only when the caller says they are idempotent. Failures carry DER_*
// codes: DER_TIMEDOUT, DER_CANCELED, DER_UNREACH (peer gone), DER_HG
// (other transport failures), DER_PROTO (malformed messages), DER_UNREG
// (unknown opcode), DER_SHUTDOWN (server shutting down), or whatever code
// the remote handler returned.
//
// Bulk data travels inline below a threshold (4 KiB by default) and
// otherwise through a bulk handle to the caller's registered memory, which
// the server pulls from or pushes into with the fabric's RMA. On providers
// that can (tcp), a request's readable regions are sent right behind it,
// and the server's pulls of them are served from those bytes, which the
// provider keeps until the handler returns.
//
// Opcodes registered with RegisterInternal are engine-only: an endpoint
// serves them only on sessions whose caller proved the system's peer key
// (SetPeerKey) in a challenge-response exchange the caller's endpoint runs
// by itself on each session it opens; other sessions get DER_NO_PERM
// before the request is decoded (auth.go).
//
// The codec never uses reflection: each message type implements Message
// by calling the Encoder and Decoder methods field by field. Decoders bound
// every length by a limit and by the bytes actually present, so a peer's
// malformed or truncated message is an error, never a crash or a large
// allocation.
package rpc
