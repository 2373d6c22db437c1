// Command dfuse mounts a DAOS POSIX container through FUSE. For now it
// reports its version; the mount arrives with the DFS work.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() {
	var jsonOut bool
	cmdutil.Main(cmdutil.NewRoot("dfuse", "Mount a DAOS POSIX container with FUSE", &jsonOut))
}
