// Command dmg is the DAOS administrator's tool. It talks to daos_server over
// gRPC; for now it reports its version, and the management commands arrive
// with the control-plane work.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() {
	var jsonOut bool
	cmdutil.Main(cmdutil.NewRoot("dmg", "Administrative tool for managing DAOS clusters", &jsonOut))
}
