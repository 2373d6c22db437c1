// Command daos is the DAOS user's tool for pools, containers and file
// systems. For now it reports its version; its commands arrive with the
// client work.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() {
	var jsonOut bool
	cmdutil.Main(cmdutil.NewRoot("daos", "Command to manage DAOS pools, containers and objects", &jsonOut))
}
