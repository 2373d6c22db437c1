// Command daos_agent runs on client nodes: it serves attach information
// and signed credentials to libdaos over daos_agent.sock.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() { cmdutil.Main(newRoot()) }
