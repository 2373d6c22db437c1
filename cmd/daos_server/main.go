// Command daos_server is the DAOS storage node's control-plane server. It
// reports its version, scans the network and storage hardware, and
// proposes a daos_server.yml; starting engines arrives with the rest of
// the control plane.
package main

import (
	"github.com/daos-go/daos/pkg/cmdutil"
)

func main() { cmdutil.Main(newRoot()) }
