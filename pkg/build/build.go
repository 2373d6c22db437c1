// Package build says what this binary is: the DAOS version it is compatible
// with, the commit it was built from, and which C backends were compiled in.
// It is not configuration: nothing here changes at run time.
package build

import (
	"fmt"
	"strings"

	"github.com/daos-go/daos/cgo/isal"
	"github.com/daos-go/daos/cgo/ofi"
	"github.com/daos-go/daos/cgo/pmem"
)

// DaosVersion is the DAOS release whose interfaces we implement
// (DAOS_VERSION_MAJOR.MINOR.FIX of the headers we ship).
const DaosVersion = "2.9.100"

// Commit is the source revision; SCons sets it with -ldflags -X.
var Commit = "unknown"

// Backends names the implementation behind each cgo package.
type Backends struct {
	Fabric string `json:"fabric"`
	PMem   string `json:"pmem"`
	ISAL   string `json:"isal"`
}

// CompiledBackends reports what this binary was built with.
func CompiledBackends() Backends {
	fabric := ofi.Backend
	if v := ofi.Version(); v != "" {
		fabric += " " + v
	}
	return Backends{Fabric: fabric, PMem: pmem.Backend, ISAL: isal.Backend}
}

// Info is what `<tool> version` reports.
type Info struct {
	Name     string   `json:"name"`
	Version  string   `json:"version"`
	Commit   string   `json:"commit"`
	Backends Backends `json:"backends"`
}

// InfoFor describes the named tool.
func InfoFor(name string) Info {
	return Info{Name: name, Version: DaosVersion, Commit: Commit, Backends: CompiledBackends()}
}

// String is the one-line form: "dmg version 2.9.100 (daos-go ...)".
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s version %s (daos-go, commit %s; fabric: %s, pmem: %s, isal: %s)",
		i.Name, i.Version, i.Commit, i.Backends.Fabric, i.Backends.PMem, i.Backends.ISAL)
	return b.String()
}
