// Command daos_agent runs on client nodes: it serves attach information
// and signed credentials to libdaos over daos_agent.sock.
package main

import (
	"io"
	"os"
	"strings"

	"github.com/daos-go/daos/pkg/cmdutil"
)

func main() { os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr)) }

// execute runs daos_agent with args and returns the exit code.
func execute(args []string, stdout, stderr io.Writer) int {
	return cmdutil.Execute(newRoot(), globalArgs(args), stdout, stderr)
}

// globalArgs spells a -o given before the subcommand as --config-path.
// As in DAOS, -o is the config path before the subcommand and
// dump-attachinfo's output file after it; the parser sees both flags at
// once, so the global one is told apart here by its position.
func globalArgs(args []string) []string {
	out := append([]string(nil), args...)
	for i := 0; i < len(out); i++ {
		a := out[i]
		switch {
		case a == "--" || !strings.HasPrefix(a, "-"):
			return out // the subcommand (or the end of flags)
		case a == "-o":
			out[i] = "--config-path"
			i++
		case strings.HasPrefix(a, "-o"):
			out[i] = "--config-path=" + strings.TrimPrefix(a[2:], "=")
		case a == "-s" || a == "-l" || a == "--config-path" || a == "--runtime_dir" || a == "--logfile":
			i++ // skip the value, which may not start with '-'
		}
	}
	return out
}
