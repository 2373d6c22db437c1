// Command daos_server is the DAOS storage node's control-plane server. For
// now it reports its version and scans the network; configuration, storage
// and engine supervision arrive with the control-plane work.
package main

import (
	"github.com/daos-go/daos/pkg/cmdutil"
)

func main() { cmdutil.Main(newRoot()) }
