//go:build ofi && cgo

package drivers

import (
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/ofi"
)

// tagged lists the drivers that build tags add.
func tagged() []fabric.Driver { return []fabric.Driver{ofi.Driver{}} }
