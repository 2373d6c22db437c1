// Command daos is the DAOS user's tool for pools, containers and file
// systems. It reaches the system the way libdaos does: attach info and a
// credential from daos_agent, then the engines over the fabric.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() { cmdutil.Main(newRoot(liveConnect)) }
