// Package cmdutil holds what every daos-go command-line tool shares: the
// DAOS JSON envelope for --json output, error reporting and exit codes, and
// the `version` command. It knows nothing of any one tool's commands.
package cmdutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/build"
)

// derMisc is DER_MISC, the status DAOS tools report for errors that carry
// no DAOS code of their own.
const derMisc = -1025

// coded is implemented by errors that carry a DAOS DER_* code.
type coded interface{ DerCode() int }

// envelope is the shape of every --json reply, as DAOS tools print it.
type envelope struct {
	Response any     `json:"response"`
	Error    *string `json:"error"`
	Status   int     `json:"status"`
}

// Status is the envelope status for err: 0, the error's DER code, or DER_MISC.
func Status(err error) int {
	if err == nil {
		return 0
	}
	var c coded
	if errors.As(err, &c) {
		return c.DerCode()
	}
	return derMisc
}

// WriteJSON prints the envelope for a response, an error or both (what
// the hosts that answered said, and why the others did not), indented by
// two spaces and followed by a newline.
func WriteJSON(w io.Writer, response any, err error) error {
	env := envelope{Response: response, Status: Status(err)}
	if err != nil {
		msg := err.Error()
		env.Error = &msg
	}
	data, mErr := json.MarshalIndent(env, "", "  ")
	if mErr != nil {
		return fmt.Errorf("encode JSON reply: %w", mErr)
	}
	_, wErr := fmt.Fprintf(w, "%s\n", data)
	return wErr
}

// WithResponse is err carrying the response a command still has to show
// (a fan-out that some hosts answered): under --json the envelope holds
// both, with the error's status, as DAOS's tools print them; in text the
// command prints the response itself. nil when err is nil.
func WithResponse(response any, err error) error {
	if err == nil {
		return nil
	}
	return &withResponse{resp: response, err: err}
}

type withResponse struct {
	resp any
	err  error
}

func (e *withResponse) Error() string { return e.err.Error() }
func (e *withResponse) Unwrap() error { return e.err }

// Printer sends a command's result either as text or as the JSON envelope,
// depending on the tool's --json flag.
type Printer struct {
	JSON *bool
	Out  io.Writer
}

// Print writes response as JSON when --json is set, otherwise calls text.
func (p Printer) Print(response any, text func(w io.Writer) error) error {
	if p.JSON != nil && *p.JSON {
		return WriteJSON(p.Out, response, nil)
	}
	return text(p.Out)
}

// NewRoot makes a tool's root command with the flags all tools share and a
// `version` subcommand. jsonOut receives the value of -j/--json.
func NewRoot(name, short string, jsonOut *bool) *cobra.Command {
	root := &cobra.Command{
		Use:           name,
		Short:         short,
		SilenceErrors: true, // Execute reports errors in the tool's format
		SilenceUsage:  true,
	}
	root.PersistentFlags().BoolVarP(jsonOut, "json", "j", false, "print the reply as JSON")
	root.AddCommand(VersionCommand(name, jsonOut))
	root.SetHelpCommand(helpCommand())
	return root
}

// helpCommand is `help [command]`, which, unlike cobra's, fails (exit 1)
// on a topic that names no command.
func helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || cmd == nil || len(rest) > 0 {
				return fmt.Errorf("unknown help topic %q (see %q)", strings.Join(args, " "), c.Root().Name()+" --help")
			}
			return cmd.Help()
		},
	}
}

// VersionCommand prints the tool's version and compiled-in backends.
func VersionCommand(name string, jsonOut *bool) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print " + name + " version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := build.InfoFor(name)
			return Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(info, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, info)
				return err
			})
		},
	}
}

// Execute runs root with args and returns the process exit code. Errors go
// to stderr as "<tool>: <error>", and also as the JSON envelope on stdout
// when --json was asked for, even if the flags themselves failed to parse.
func Execute(root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	requireSubcommands(root)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	if wantsJSON(root, args) {
		var partial *withResponse
		var resp any
		if errors.As(err, &partial) {
			resp = partial.resp
		}
		if jErr := WriteJSON(stdout, resp, err); jErr != nil {
			fmt.Fprintf(stderr, "%s: %v\n", root.Name(), jErr)
		}
	}
	fmt.Fprintf(stderr, "%s: %v\n", root.Name(), err)
	return 1
}

// requireSubcommands makes every command that only groups others fail
// when called without one of them or with an unknown one, as DAOS's tools
// do ("please specify one command of: ..."). Left alone, cobra prints the
// group's help and exits 0, so a typo in a script reads as success.
func requireSubcommands(c *cobra.Command) {
	subs := c.Commands()
	if len(subs) == 0 {
		return
	}
	for _, s := range subs {
		requireSubcommands(s)
	}
	if c.Runnable() {
		return
	}
	if c.HasParent() {
		// The root keeps cobra's own check, which also suggests names.
		c.Args = cobra.ArbitraryArgs
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		var names []string
		for _, s := range cmd.Commands() {
			if s.IsAvailableCommand() {
				names = append(names, s.Name())
			}
		}
		if len(args) > 0 {
			hint := ""
			if cmd.SuggestionsMinimumDistance <= 0 {
				cmd.SuggestionsMinimumDistance = 2 // cobra's default, set only on the root's path
			}
			if like := cmd.SuggestionsFor(args[0]); len(like) > 0 {
				hint = "did you mean " + strings.Join(like, " or ") + "? "
			}
			return fmt.Errorf("unknown command %q for %q; %sit takes one of: %s (see %q)",
				args[0], cmd.CommandPath(), hint, strings.Join(names, ", "), cmd.CommandPath()+" --help")
		}
		return fmt.Errorf("%q needs a command, one of: %s (see %q)",
			cmd.CommandPath(), strings.Join(names, ", "), cmd.CommandPath()+" --help")
	}
}

// Main is Execute on the process's own arguments and streams.
func Main(root *cobra.Command) {
	os.Exit(Execute(root, os.Args[1:], os.Stdout, os.Stderr))
}

// wantsJSON looks at the parsed flag first and falls back to the raw
// arguments, since a parse error leaves the flag unset.
func wantsJSON(root *cobra.Command, args []string) bool {
	if f := root.PersistentFlags().Lookup("json"); f != nil && f.Value.String() == "true" {
		return true
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--json" || a == "--json=true" {
			return true
		}
		// Short flags may be grouped: -jv.
		if len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.ContainsRune(a[1:], 'j') {
			return true
		}
	}
	return false
}
