// Package vos is the versioned object store of one storage target: the
// shard of every DAOS pool that lives on that target.
//
// A Pool holds containers; a container holds objects; an object holds
// dkeys; a dkey holds akeys; an akey holds a single value (replaced as a
// whole) or an array of fixed-size records addressed by extent. Every write
// and every punch is stamped with an epoch and nothing is changed in place:
// a read at epoch e sees, per key and per record, the newest version at or
// below e that no punch at or below e hides. Updates may belong to a
// transaction, invisible to other readers until committed. Snapshots pin
// epochs; aggregation drops the versions that neither a snapshot nor the
// newest view can see; discard removes an epoch range outright.
//
// The index lives in DRAM. Every mutation is expressed as one operation
// record that a single apply function applies; making records durable
// before they are applied (and replaying them after a restart) is the job
// of the journal a Pool is given.
//
// It is not a network service, a placement or replication layer, or a
// transaction coordinator: those call it.
package vos
