// Command daos_agent runs on client nodes: it serves attach information and
// signs credentials for libdaos. For now it reports its version.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() {
	var jsonOut bool
	cmdutil.Main(cmdutil.NewRoot("daos_agent", "DAOS client agent", &jsonOut))
}
