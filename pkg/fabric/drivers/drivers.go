// Package drivers lists the fabric drivers compiled into this build, so
// that callers can open any provider by name without importing each one.
package drivers

import (
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/tcp"
)

// Default returns the drivers of this build, preferred first: the pure-Go
// "tcp" provider, and in builds with the `ofi` tag (and cgo) the libfabric
// one. A fresh slice each call; callers may extend it.
func Default() []fabric.Driver {
	return append([]fabric.Driver{tcp.Driver{}}, tagged()...)
}

// Available lists the providers this build's drivers can open on this
// host, in DAOS's spelling.
func Available() []string { return fabric.Available(Default()) }
