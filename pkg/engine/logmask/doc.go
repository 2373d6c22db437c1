// Package logmask is the engine's log filter: it parses DAOS engine log
// masks ("ERR", "ERR,mgmt=DEBUG"), holds the current one so that it can
// change while the engine runs, and wraps a slog.Handler so that every
// logger, including ones made before a change, follows it.
//
// The same parser checks log_mask in daos_server.yml and dmg's
// `server set-logmasks -m`, so all three accept the same masks.
//
// It does not implement DAOS's debug streams (DD_MASK) or debug subsystem
// selection (DD_SUBSYS): the engine stores and reports those values, but
// daos-go has no debug streams, so they change nothing that is logged.
package logmask
