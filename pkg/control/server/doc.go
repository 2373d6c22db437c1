// Package server is daos_server's engine side: it checks that each
// configured engine's storage is formatted (formatting it on request),
// serves daos_server.sock for its engines over dRPC, launches one
// daos_engine process per engines: entry, hands each its configuration,
// and supervises them: an engine that dies unexpectedly is restarted
// with bounded exponential backoff, and all engines are stopped cleanly
// when the server stops.
//
// Server.FormatEngine, StopEngine, StartEngine and PingEngine are the
// operations `dmg storage format` and `dmg system stop/start` will reach
// through the gRPC control service of a later stage; this package has no
// gRPC, raft or rank assignment of its own.
package server
