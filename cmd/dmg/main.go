// Command dmg is the DAOS administrator's tool. It calls the gRPC control
// service of the daos_server hosts in its host list (daos_control.yml, or
// -l), all at once, and prints their replies grouped by host.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() { cmdutil.Main(newRoot()) }
