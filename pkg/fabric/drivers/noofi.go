//go:build !ofi || !cgo

package drivers

import "github.com/daos-go/daos/pkg/fabric"

// tagged lists the drivers that build tags add: none in this build.
func tagged() []fabric.Driver { return nil }
