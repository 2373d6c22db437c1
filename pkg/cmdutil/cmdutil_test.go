package cmdutil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/build"
	"github.com/daos-go/daos/pkg/hardware"
)

type derErr int

func (e derErr) Error() string { return fmt.Sprintf("DER %d", int(e)) }
func (e derErr) DerCode() int  { return int(e) }

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var jsonOut bool
	root := NewRoot("tool", "a test tool", &jsonOut)
	root.AddCommand(&cobra.Command{
		Use: "fail",
		RunE: func(*cobra.Command, []string) error {
			return fmt.Errorf("looking up pool: %w", derErr(-1005))
		},
	})
	root.AddCommand(&cobra.Command{
		Use: "partial",
		RunE: func(*cobra.Command, []string) error {
			return WithResponse(map[string]any{"answered": []string{"h1"}}, fmt.Errorf("some hosts failed: h2: %w", derErr(-1020)))
		},
	})
	group := &cobra.Command{Use: "pool", Short: "pool commands"}
	group.AddCommand(&cobra.Command{Use: "query", RunE: func(*cobra.Command, []string) error { return nil }})
	group.AddCommand(&cobra.Command{Use: "list", RunE: func(*cobra.Command, []string) error { return nil }})
	root.AddCommand(group)
	var out, errOut bytes.Buffer
	code = Execute(root, args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), "not JSON: %q", s)
	return m
}

func TestVersionText(t *testing.T) {
	out, _, code := run(t, "version")
	require.Equal(t, 0, code)
	require.Contains(t, out, "tool version "+build.DaosVersion)
}

func TestVersionJSONEnvelope(t *testing.T) {
	out, _, code := run(t, "-j", "version")
	require.Equal(t, 0, code)
	require.Regexp(t, "^{\n  \"response\": {\n", out, "two-space indented envelope")
	require.True(t, out[len(out)-1] == '\n')
	m := decode(t, out)
	require.Nil(t, m["error"])
	require.EqualValues(t, 0, m["status"])
	resp := m["response"].(map[string]any)
	require.Equal(t, "tool", resp["name"])
	require.Equal(t, build.DaosVersion, resp["version"])
}

func TestErrorCarriesDerCode(t *testing.T) {
	out, errOut, code := run(t, "--json", "fail")
	require.Equal(t, 1, code)
	m := decode(t, out)
	require.Nil(t, m["response"])
	require.EqualValues(t, -1005, m["status"])
	require.Contains(t, m["error"], "looking up pool")
	require.Contains(t, errOut, "tool: looking up pool")
}

// TestPartialResponseInEnvelope: a command that has a response and an
// error (some hosts failed) shows both under --json, and fails.
func TestPartialResponseInEnvelope(t *testing.T) {
	out, errOut, code := run(t, "-j", "partial")
	require.Equal(t, 1, code)
	m := decode(t, out)
	require.EqualValues(t, -1020, m["status"])
	require.Contains(t, m["error"], "some hosts failed: h2")
	require.Equal(t, map[string]any{"answered": []any{"h1"}}, m["response"])
	require.Contains(t, errOut, "tool: some hosts failed")
	require.NoError(t, WithResponse("x", nil))
}

func TestFlagErrorUnderJSONStillEnvelope(t *testing.T) {
	out, errOut, code := run(t, "-j", "--no-such-flag")
	require.Equal(t, 1, code)
	m := decode(t, out)
	require.EqualValues(t, -1025, m["status"])
	require.Contains(t, m["error"], "no-such-flag")
	require.Contains(t, errOut, "no-such-flag")
}

func TestPlainErrorNoJSON(t *testing.T) {
	out, errOut, code := run(t, "fail")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "tool: looking up pool: DER -1005\n", errOut)
}

func TestHelpExitsZero(t *testing.T) {
	out, _, code := run(t, "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "version")
	require.Contains(t, out, "--json")
}

func TestStatus(t *testing.T) {
	require.Equal(t, 0, Status(nil))
	require.Equal(t, -1025, Status(errors.New("plain")))
	require.Equal(t, -1003, Status(fmt.Errorf("wrapped: %w", derErr(-1003))))
}

func TestGroupCommandsNeedASubcommand(t *testing.T) {
	_, errOut, code := run(t, "pool", "qeury")
	require.Equal(t, 1, code, "an unknown subcommand is an error, not help")
	require.Contains(t, errOut, `unknown command "qeury" for "tool pool"`)
	require.Contains(t, errOut, "did you mean query?")
	require.Contains(t, errOut, "list, query")

	_, errOut, code = run(t, "pool")
	require.Equal(t, 1, code, "a group without a subcommand is an error")
	require.Contains(t, errOut, `"tool pool" needs a command, one of: list, query`)

	out, _, code := run(t, "-j", "pool", "bogus")
	require.Equal(t, 1, code)
	m := decode(t, out)
	require.Nil(t, m["response"])
	require.Contains(t, m["error"], `unknown command "bogus"`)
	require.EqualValues(t, -1025, m["status"])

	_, errOut, code = run(t)
	require.Equal(t, 1, code, "the root without a command")
	require.Contains(t, errOut, `"tool" needs a command`)
	_, errOut, code = run(t, "pol")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `unknown command "pol" for "tool"`)

	out, _, code = run(t, "pool", "--help")
	require.Equal(t, 0, code, "asking for help still succeeds")
	require.Contains(t, out, "Available Commands")
	_, _, code = run(t, "pool", "query")
	require.Equal(t, 0, code)
}

// A provider that is no provider string is refused before any scan.
func TestNetworkScanProviderChecked(t *testing.T) {
	scanned := ""
	scan := func(_ context.Context, p string) (*hardware.NetworkScan, error) {
		scanned = p
		return &hardware.NetworkScan{}, nil
	}
	var jsonOut bool
	root := NewRoot("tool", "a test tool", &jsonOut)
	root.AddCommand(NetworkScanCommand("scan", "scan", scan, &jsonOut))
	var out, errOut bytes.Buffer
	require.Equal(t, 1, Execute(root, []string{"scan", "-p", "bogus"}, &out, &errOut))
	require.Contains(t, errOut.String(), `--provider: parse provider "bogus"`)
	require.Empty(t, scanned)
	require.Equal(t, 0, Execute(root, []string{"scan", "-p", "ofi+tcp;ofi_rxm"}, &out, &errOut), errOut.String())
	require.Equal(t, "ofi+tcp;ofi_rxm", scanned)
}

// help names a command; a topic that is none fails.
func TestHelpTopics(t *testing.T) {
	out, _, code := run(t, "help", "pool")
	require.Equal(t, 0, code)
	require.Contains(t, out, "pool commands")
	_, errOut, code := run(t, "help", "bogus")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `unknown help topic "bogus"`)
	_, _, code = run(t, "help", "pool", "nosuch")
	require.Equal(t, 1, code)
	out, _, code = run(t, "-j", "help", "bogus")
	require.Equal(t, 1, code)
	require.Contains(t, decode(t, out)["error"], "unknown help topic")
}
