// Package engine is the daos_engine process. For now it does what an
// engine must do to be supervised by daos_server, and nothing more: it
// fetches its configuration from its server over dRPC, checks its storage
// (the superblock in its SCM mount and its bdev files), opens its own
// dRPC socket, reports ready with the UUID from its superblock, and
// answers pings until told to stop. Targets, the fabric endpoint and the
// data path come with later issues; the URI it reports is computed from
// fabric_iface and fabric_iface_port but nothing listens on it yet.
package engine
