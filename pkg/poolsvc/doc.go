// Package poolsvc is the pool service's replicated state: one pool's
// properties, ACL, owner, user attributes, pool map, service ranks,
// connected handles, and its container table (the container service
// lives in the pool service here). pkg/rsvc replicates it among the
// pool's service replicas through Machine.
//
// State changes only through Apply, which is deterministic: the same
// commands in the same order give the same state on every replica (time
// comes in the command, set by the proposer; maps are walked in sorted
// order wherever order matters). A refused command changes nothing and
// returns an error carrying the DER code DAOS would return.
//
// Snapshots are JSON; the pool map inside is placement's binary encoding.
package poolsvc
