// Package drpc is DAOS's dRPC: request/response calls between local
// processes (daos_server, daos_engine, daos_agent, libdaos) over a Unix
// SOCK_SEQPACKET socket.
//
// A message (a serialized drpcpb.Call or drpcpb.Response) is sent as one or
// more packets of at most MaxPacketBytes, each starting with a 24-byte
// native-endian header {total_data_size u64, chunk_data_size u64,
// chunk_idx u32, total_chunks u32}, the layout DAOS's C and Go code use.
// A receiver checks every header against the ones before it and never
// buffers more than it has actually received, so malformed or hostile
// input yields an error, not a crash or a large allocation.
//
// A Server dispatches calls to handlers registered per (module, method);
// a Client makes calls with context deadlines. Payload types live with
// the code that defines the methods (for example pkg/engine/enginepb);
// this package only moves bytes. It does not authenticate peers beyond
// the socket's file mode (0600).
package drpc
