// Package drivers lists the fabric drivers compiled into this build, so
// that callers can open any provider by name without importing each one.
package drivers

import (
	"os"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/tcp"
)

// Default returns the drivers of this build, preferred first: the pure-Go
// "tcp" provider, and in builds with the `ofi` tag (and cgo) the libfabric
// one. A fresh slice each call; callers may extend it.
func Default() []fabric.Driver {
	return append([]fabric.Driver{tcp.Driver{}}, tagged()...)
}

// Client is Default for client processes: a call alone in flight polls
// for its reply (tcp.ClientReplySpin), as DAOS's clients poll their
// network progress, unless tcp.ReplySpinEnv says otherwise. Servers keep
// Default: their cores belong to their targets.
func Client() []fabric.Driver {
	d := tcp.Driver{ReplySpin: tcp.ClientReplySpin}
	if os.Getenv(tcp.ReplySpinEnv) != "" {
		d.ReplySpin = 0 // the driver reads the variable
	}
	return append([]fabric.Driver{d}, tagged()...)
}

// Available lists the providers this build's drivers can open on this
// host, in DAOS's spelling.
func Available() []string { return fabric.Available(Default()) }
