// Package mgmtsvc serves the management service (mgmt.MgmtSvc) on the
// control port of every daos_server. The replica that leads the raft
// group (pkg/control/msdb) answers; every other server forwards the call
// to it, so dmg, agents and servers may ask any server. The leader also
// watches the members: it probes each member's server once a second and
// records engines that died (Errored) or servers that stopped answering
// (Unresponsive), and it fans system stop and start out to the servers.
package mgmtsvc
