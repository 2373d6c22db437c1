package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/pretty"
)

// attribute is one user attribute as get-attr and list-attr report it
// (DAOS's JSON shape: the value is bytes, so base64 in JSON).
type attribute struct {
	Name  string `json:"name"`
	Value []byte `json:"value,omitempty"`
}

// attrScope is where the attribute commands act: a pool (<pool>) or a
// container (<pool> <container>).
type attrScope struct {
	noun  string // "pool" or "container"
	nargs int    // identifying arguments
	usage string
}

var (
	poolScope = attrScope{noun: "pool", nargs: 1, usage: "<pool>"}
	contScope = attrScope{noun: "container", nargs: 2, usage: "<pool> <container>"}
)

// run checks the identifying arguments and runs fn on the pool or the
// open container; write asks for RW access.
func (s attrScope) run(g *globals, cmd *cobra.Command, args []string, write bool,
	fn func(ctx context.Context, a attrOps, what string) error) error {
	if s.nargs == 1 {
		pool, err := checkID("pool", args[0])
		if err != nil {
			return err
		}
		flags := client.RO
		if write {
			flags = client.RW
		}
		return g.withPool(cmd, pool, flags, func(ctx context.Context, p poolHandle) error {
			return fn(ctx, p, "pool "+pool)
		})
	}
	pool, cont, err := contArgs(args)
	if err != nil {
		return err
	}
	return g.withCont(cmd, pool, cont, write, func(ctx context.Context, _ poolHandle, c contHandle) error {
		return fn(ctx, c, "container "+cont)
	})
}

// attrName checks an attribute name argument.
func attrName(s string) (string, error) {
	if s == "" {
		return "", daos.Errorf(daos.ErrInval, "attribute name: empty")
	}
	if len(s) > maxAttrName {
		return "", daos.Errorf(daos.ErrInval, "attribute name %.20q...: longer than %d bytes", s, maxAttrName)
	}
	return s, nil
}

// maxAttrName is DAOS_ATTR_NAME_MAX.
const maxAttrName = 511

// attrCommands are list-attr, get-attr, set-attr and del-attr of a scope.
func attrCommands(g *globals, s attrScope) []*cobra.Command {
	printer := func(cmd *cobra.Command) cmdutil.Printer {
		return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
	}
	set := &cobra.Command{
		Use:   "set-attr " + s.usage + " <name> <value>",
		Short: "Set a " + s.noun + " user attribute",
		Args:  cobra.ExactArgs(s.nargs + 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := attrName(args[s.nargs])
			if err != nil {
				return err
			}
			value := args[s.nargs+1]
			return s.run(g, cmd, args, true, func(ctx context.Context, a attrOps, what string) error {
				if err := a.SetAttrs(ctx, map[string][]byte{name: []byte(value)}); err != nil {
					return err
				}
				return printer(cmd).Print(nil, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Attribute %q set on %s\n", name, what)
					return err
				})
			})
		},
	}
	get := &cobra.Command{
		Use:   "get-attr " + s.usage + " [name ...]",
		Short: "Show " + s.noun + " user attributes (all when no name is given)",
		Args:  cobra.MinimumNArgs(s.nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			for _, n := range args[s.nargs:] {
				name, err := attrName(n)
				if err != nil {
					return err
				}
				names = append(names, name)
			}
			return s.run(g, cmd, args, false, func(ctx context.Context, a attrOps, what string) error {
				vals, err := a.GetAttrs(ctx, names...)
				if err != nil {
					return err
				}
				if len(names) == 0 {
					names = sortedNames(vals)
				}
				out := make([]attribute, len(names))
				for i, n := range names {
					out[i] = attribute{Name: n, Value: vals[n]}
				}
				return printer(cmd).Print(out, func(w io.Writer) error {
					return printAttrs(w, what, out, true)
				})
			})
		},
	}
	var verbose bool
	list := &cobra.Command{
		Use:   "list-attr " + s.usage,
		Short: "List " + s.noun + " user attributes",
		Args:  cobra.ExactArgs(s.nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return s.run(g, cmd, args, false, func(ctx context.Context, a attrOps, what string) error {
				var out []attribute
				if verbose {
					vals, err := a.GetAttrs(ctx)
					if err != nil {
						return err
					}
					for _, n := range sortedNames(vals) {
						out = append(out, attribute{Name: n, Value: vals[n]})
					}
				} else {
					names, err := a.ListAttrs(ctx)
					if err != nil {
						return err
					}
					for _, n := range names {
						out = append(out, attribute{Name: n})
					}
				}
				if out == nil {
					out = []attribute{}
				}
				return printer(cmd).Print(out, func(w io.Writer) error {
					return printAttrs(w, what, out, verbose)
				})
			})
		},
	}
	list.Flags().BoolVarP(&verbose, "verbose", "V", false, "show the values too")
	del := &cobra.Command{
		Use:   "del-attr " + s.usage + " <name> [name ...]",
		Short: "Delete " + s.noun + " user attributes",
		Args:  cobra.MinimumNArgs(s.nargs + 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			for _, n := range args[s.nargs:] {
				name, err := attrName(n)
				if err != nil {
					return err
				}
				names = append(names, name)
			}
			return s.run(g, cmd, args, true, func(ctx context.Context, a attrOps, what string) error {
				if err := a.DelAttrs(ctx, names...); err != nil {
					return err
				}
				return printer(cmd).Print(nil, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Deleted %s from %s\n", strings.Join(quoteAll(names), ", "), what)
					return err
				})
			})
		},
	}
	return []*cobra.Command{list, get, set, del}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func sortedNames(m map[string][]byte) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// printAttrs prints attributes as a table, values shown as text when
// they are printable, else quoted with escapes.
func printAttrs(w io.Writer, what string, attrs []attribute, values bool) error {
	if len(attrs) == 0 {
		_, err := fmt.Fprintf(w, "No attributes found for %s\n", what)
		return err
	}
	fmt.Fprintf(w, "Attributes for %s:\n", what)
	header := []string{"Name"}
	if values {
		header = append(header, "Value")
	}
	rows := make([][]string, len(attrs))
	for i, a := range attrs {
		rows[i] = []string{a.Name}
		if values {
			rows[i] = append(rows[i], showValue(a.Value))
		}
	}
	return pretty.Table(w, "", header, rows)
}

func showValue(b []byte) string {
	if utf8.Valid(b) && strings.IndexFunc(string(b), func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return string(b)
	}
	return strconv.Quote(string(b))
}
