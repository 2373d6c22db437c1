// Command daos_engine is the data-plane engine that daos_server starts for
// each configured engine. For now it reports its version.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() {
	var jsonOut bool
	cmdutil.Main(cmdutil.NewRoot("daos_engine", "DAOS I/O engine (started by daos_server)", &jsonOut))
}
