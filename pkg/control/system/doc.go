// Package system is the management service's record of the DAOS system:
// its members (ranks, their engines' identities, addresses and states),
// the system map version that engines' group maps follow, system
// attributes and properties, and the pool directory. Database holds that
// record and changes it only by applying commands in order, so that every
// management-service replica that applies the same log holds the same
// record (pkg/control/msdb replicates the log with raft).
package system
