// Package client is daos-go's native Go client: pools, containers and
// objects as a program (or the C ABI) uses them. Objects are placed with
// pkg/placement over the pool map the client holds, and their I/O goes to
// each dkey's shard through pkg/object/objclient. When an engine says the
// client's pool map is stale, the client refreshes it and retries.
//
// This build does I/O for the non-redundant classes (S1..S32, SX);
// replicated and erasure-coded classes are placed but their I/O answers
// DER_NOSYS until the redundancy work lands.
package client
