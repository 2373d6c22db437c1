// Package support gathers what DAOS support asks for from one host into a
// folder: config files, logs cut to a time window, the output of the
// host's information commands and an admin's extra log directory, with a
// summary of what could not be collected. It also archives a folder as
// .tar.gz and moves a collected folder over a stream of bounded chunks.
//
// The three `support collect-log` commands (daos_server, daos_agent and,
// through the server's CollectLog RPC, dmg) share it. It knows nothing of
// gRPC or of the command line: callers build the list of Items.
package support
