// Command self_test measures the data-plane transport the way DAOS's
// self_test does: RPC ping-pong latency for a range of message sizes and
// bulk bandwidth for a range of transfer sizes, with N calls in flight,
// printed as a table with percentiles. For now it runs against a built-in
// echo server, which it starts in a second process (or in its own with
// --in-process) unless --uri names one already running.
package main

import "github.com/daos-go/daos/pkg/cmdutil"

func main() { cmdutil.Main(newRoot()) }
