// Command ddb is the DAOS debug tool for inspecting a target's VOS files.
// For now it reports its version.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() {
	var jsonOut bool
	cmdutil.Main(cmdutil.NewRoot("ddb", "DAOS debug tool for VOS files", &jsonOut))
}
